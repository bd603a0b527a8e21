package ussd

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
)

// checkScreen holds a reply to the gateway's rules: CON or END, in the
// GSM alphabet, at most 160 characters with the prefix.
func checkScreen(t testing.TB, where, reply string) {
	t.Helper()
	if !strings.HasPrefix(reply, "CON ") && !strings.HasPrefix(reply, "END ") {
		t.Fatalf("%s: %q starts with neither CON nor END", where, reply)
	}
	n, ok := citizen.GSM7Septets(reply)
	if !ok {
		t.Fatalf("%s: %q has a character outside the GSM alphabet", where, reply)
	}
	if n > MaxScreen {
		t.Fatalf("%s: %d characters, more than %d: %q", where, n, MaxScreen, reply)
	}
}

// overflowFails makes any screen that had to be cut fail the test: the
// layout must fit without the last-resort cut.
func overflowFails(t *testing.T) {
	overflow = func(s string) { t.Errorf("screen cut to fit: %q", s) }
	t.Cleanup(func() { overflow = nil })
}

// extremeService has an order in every state, with the longest texts a
// service may send, half of them unverified, two thirds with the longest
// compensation amounts, and twenty grounds with long labels: the worst a
// screen must hold.
func extremeService() (*fakeService, []order.Code) {
	svc := newFakeService()
	long := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n))[:n] }
	var codes []order.Code
	for i, s := range order.States {
		kind := order.Requisition
		if i%2 == 0 {
			kind = order.CallUp
		}
		place := long("Garage de la route nationale", order.MaxPlace)
		if i%3 == 0 {
			place = strings.Repeat("W", order.MaxPlace) // one word longer than a screen
		}
		// The longest amounts there are, owed and part paid or paid in
		// full; a third of the orders have none computed.
		var comp *citizen.CompensationView
		if i%3 != 0 {
			comp = &citizen.CompensationView{OwedXOF: math.MaxInt64, PaidXOF: math.MaxInt64 - 1, Days: math.MaxInt64, Settled: i%3 == 2}
		}
		c := order.NewCode()
		codes = append(codes, c)
		svc.orders[c] = &fakeOrder{birth: birth, view: citizen.OrderView{
			Code: c, Kind: kind, State: s, Items: long("camions bennes et citernes", 300), Place: place,
			Deadline: deadline, Authority: long("Direction régionale de la mobilisation", 200),
			LegalBasis: long("Ordonnance portant mobilisation générale", order.MaxLegalBasis),
			Verified:   i%2 == 1, Actions: citizen.AllowedActions(kind, s), Compensation: comp,
		}}
	}
	svc.grounds = nil
	for i := range 20 {
		labels := map[citizen.Language]string{citizen.French: long(fmt.Sprintf("Motif numéro %d très détaillé", i), 120)}
		if i%2 == 0 {
			for _, l := range citizen.Languages {
				labels[l] = long(fmt.Sprintf("Ƙa'ida %d ɗaya ɓangare ƴan", i), 120)
			}
		}
		kind := citizen.Exemption
		if i%3 == 0 {
			kind = citizen.Deferral
		}
		svc.grounds = append(svc.grounds, citizen.Ground{Code: fmt.Sprintf("g%d", i), Kind: kind, Labels: labels})
	}
	return svc, codes
}

// TestEveryScreenFits walks every screen the menu can reach, in every
// language, over orders in every state with the longest texts, and holds
// each to the gateway's rules without the last-resort cut.
func TestEveryScreenFits(t *testing.T) {
	overflowFails(t)
	svc, codes := extremeService()
	inputs := []string{"", "0", "1", "2", "3", "4", "5", "8", "9", "x", birthTyped, wrongBirthTyped, typed(unknownCode)}
	for _, c := range codes {
		inputs = append(inputs, typed(c))
	}
	for _, l := range citizen.Languages {
		screens := 0
		seen := map[state]bool{}
		// The longest compensation lines must be among the screens walked,
		// or the walk does not hold them to the rules.
		var compensationLines []string
		for _, settled := range []bool{false, true} {
			compensationLines = append(compensationLines, l.CompensationText(citizen.CompensationView{
				OwedXOF: math.MaxInt64, PaidXOF: math.MaxInt64 - 1, Settled: settled}))
		}
		shown := make([]bool, len(compensationLines))
		queue := []state{{step: stepLanguage}, {step: stepMain}}
		for len(queue) > 0 {
			st := queue[0]
			queue = queue[1:]
			if seen[st] {
				continue
			}
			seen[st] = true
			renderSvc := svc
			if st.step.final() {
				renderSvc, _ = extremeService() // the action changes the order: act on a copy
				renderSvc.orders = cloneOrders(svc.orders)
			}
			screen := newSession(renderSvc, l).render(st)
			checkScreen(t, fmt.Sprintf("%s %+v", l, st), screen)
			screens++
			for i, line := range compensationLines {
				if strings.Contains(screen, citizen.FoldGSM7(line)) {
					shown[i] = true
				}
			}
			if st.step.final() {
				continue
			}
			for _, in := range inputs {
				s := newSession(svc, l)
				next, stop := s.next(st, in)
				if stop != "" {
					checkScreen(t, fmt.Sprintf("%s %+v then %q", l, st, in), stop)
					continue
				}
				if s.lang == l { // a language change is walked in that language's turn
					queue = append(queue, next)
				}
			}
		}
		for i, line := range compensationLines {
			if !shown[i] {
				t.Errorf("%s: no screen shows %q", l, line)
			}
		}
		t.Logf("%s: %d screens", l, screens)
		if screens < 100 {
			t.Errorf("%s: only %d screens reached: the walk is broken", l, screens)
		}
	}
}

func newSession(svc citizen.Service, l citizen.Language) *session {
	return &session{ctx: context.Background(), h: &Handler{Service: svc}, phone: newPhone, lang: l, views: map[viewKey]*viewResult{}}
}

func cloneOrders(m map[order.Code]*fakeOrder) map[order.Code]*fakeOrder {
	out := make(map[order.Code]*fakeOrder, len(m))
	for k, v := range m {
		c := *v
		out[k] = &c
	}
	return out
}

func TestPaginate(t *testing.T) {
	words := strings.Fields(strings.Repeat("alpha beta gamma delta epsilon ", 20))
	cases := []struct {
		name  string
		body  string
		pages int
	}{
		{"fits one page", "Short order text.", 1},
		{"empty body", "", 1},
		{"long body breaks between words", strings.Join(words, " "), 5},
		{"lines are kept", "first line\nsecond line\nthird line", 1},
		{"one word longer than a page", strings.Repeat("W", 400), 3}, // 149 + 149 + 102
	}
	const more, last = "9 More", "1 Acknowledge\n0 Menu"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pages := paginate(c.body, more, last, budget)
			if len(pages) != c.pages {
				t.Errorf("%d pages, want %d: %q", len(pages), c.pages, pages)
			}
			var text []string
			for i, p := range pages {
				if n := septets(p); n > budget {
					t.Errorf("page %d has %d characters, more than %d", i, n, budget)
				}
				foot := more
				if i == len(pages)-1 {
					foot = last
				}
				if !strings.HasSuffix(p, foot) {
					t.Errorf("page %d does not end with %q: %q", i, foot, p)
				}
				text = append(text, strings.TrimSuffix(p, foot))
			}
			joined := strings.Join(strings.Fields(strings.Join(text, " ")), "")
			if want := strings.Join(strings.Fields(c.body), ""); joined != want {
				t.Errorf("the pages do not hold the body in order:\n got %q\nwant %q", joined, want)
			}
		})
	}
}

func TestClip(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"short", "Niamey", "Niamey"},
		{"spaces squeezed", "  Route \n de  Dosso ", "Route de Dosso"},
		{"cut with dots", "Garage régional de Tillabéri", "Garage régio..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := clip(c.in, 15); got != c.want {
				t.Errorf("clip(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func BenchmarkHandleClaim(b *testing.B) {
	svc := newFakeService()
	h := &Handler{Service: svc}
	text := strings.Join([]string{"1", typed(requisitionCode), birthTyped, "9", "2", "9", "2"}, "*")
	req := Request{SessionID: "s", PhoneNumber: phones[citizen.French], Text: text}
	for b.Loop() {
		if r := h.Handle(context.Background(), req); !strings.HasPrefix(r, "CON ") {
			b.Fatal(r)
		}
	}
}
