package ussd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
)

var update = flag.Bool("update", false, "rewrite the session transcripts in testdata/sessions")

// typed is how a citizen keys a code in: the numeric form, digits only.
func typed(c order.Code) string { return strings.ReplaceAll(citizen.NumericCode(c), " ", "") }

// dial plays a session as the gateway does: the first request with empty
// text, then one request per input with the text of all inputs so far.
func dial(t testing.TB, h *Handler, phone string, inputs ...string) []string {
	t.Helper()
	replies := []string{h.Handle(context.Background(), Request{SessionID: "ATUid_1", ServiceCode: "*384*123#", PhoneNumber: phone})}
	for i := range inputs {
		replies = append(replies, h.Handle(context.Background(), Request{
			SessionID: "ATUid_1", ServiceCode: "*384*123#", PhoneNumber: phone, Text: strings.Join(inputs[:i+1], "*"),
		}))
	}
	return replies
}

// transcript writes a session for the golden files: "> " before what the
// citizen typed, "< " before each line of the screen.
func transcript(name, phone string, inputs, replies []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# phone %s\n", name, phone)
	for i, r := range replies {
		if i > 0 {
			fmt.Fprintf(&b, "> %s\n", inputs[i-1])
		}
		for _, line := range strings.Split(r, "\n") {
			fmt.Fprintf(&b, "< %s\n", line)
		}
	}
	return b.String()
}

func newTestHandler(t testing.TB) (*Handler, *fakeService) {
	t.Helper()
	svc := newFakeService()
	g, err := citizen.NewGuard(citizen.DefaultConfig(), func() time.Time { return deadline.Add(-72 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{Service: svc, Guard: g}, svc
}

// TestSessions plays whole sessions and compares them with the
// transcripts in testdata/sessions (the copy a reviewer or translator
// reads); each also checks what the session did to the order.
func TestSessions(t *testing.T) {
	overflowFails(t)
	cases := []struct {
		name   string
		phone  string
		inputs []string
		check  func(t *testing.T, f *fakeService, replies []string)
	}{
		{
			name: "acknowledge_fr", phone: phones[citizen.French],
			inputs: []string{"1", typed(requisitionCode), birthTyped, "9", "1"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantState(t, f, requisitionCode, order.StateAcknowledged)
				wantEnd(t, replies, citizen.French.Text(citizen.MsgDoneAcknowledge, citizen.FormatDeadline(deadline)))
			},
		},
		{
			name: "claim_en", phone: phones[citizen.English],
			inputs: []string{"1", typed(requisitionCode), birthTyped, "9", "2", "9", "2", "1"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantState(t, f, requisitionCode, order.StateClaimed)
				wantCall(t, f, "act "+string(requisitionCode)+" claim")
				wantEnd(t, replies, citizen.English.Text(citizen.MsgDoneClaim))
			},
		},
		{
			name: "claim_back_and_cancel_fr", phone: phones[citizen.French],
			inputs: []string{"1", typed(requisitionCode), birthTyped, "9", "2", "9", "0", "3", "0", "0", "0"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantState(t, f, requisitionCode, order.StateNotified)
				if last := replies[len(replies)-1]; !strings.HasPrefix(last, "CON "+citizen.FoldGSM7(citizen.French.Text(citizen.MsgMainTitle))) {
					t.Errorf("back from the order does not reach the main menu: %q", last)
				}
			},
		},
		{
			name: "appeal_ha", phone: phones[citizen.Hausa],
			inputs: []string{"1", typed(callUpCode), birthTyped, "9", "3", "1"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantState(t, f, callUpCode, order.StateAppealed)
				wantEnd(t, replies, citizen.Hausa.Text(citizen.MsgDoneAppeal))
			},
		},
		{
			name: "verify_dje", phone: phones[citizen.Zarma],
			inputs: []string{"2", citizen.NumericCode(callUpCode)},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantCall(t, f, "verify "+string(callUpCode))
				wantState(t, f, callUpCode, order.StateClaimRejected)
			},
		},
		{
			name: "verify_forged_fr", phone: phones[citizen.French],
			inputs: []string{"2", typed(unknownCode)},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantEnd(t, replies, citizen.French.Text(citizen.MsgVerifyUnknown))
			},
		},
		{
			name: "verify_letter_code_en", phone: phones[citizen.English],
			inputs: []string{"2", strings.ToLower(string(requisitionCode))},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantCall(t, f, "verify "+string(requisitionCode))
			},
		},
		{
			name: "language_menu_then_hausa_then_english", phone: newPhone,
			inputs: []string{"5", "3", "1", typed(requisitionCode), birthTyped, "0", "0", "2", "2", "0"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				if !strings.Contains(replies[3], "Lambar umarni") || !strings.Contains(replies[len(replies)-1], "Mobilization orders") {
					t.Errorf("the languages chosen are not the ones shown")
				}
			},
		},
		{
			name: "language_change_mid_session", phone: phones[citizen.French],
			inputs: []string{"1", typed(requisitionCode), birthTyped, "9", "2", "0", "0", "0", "2", "1", typed(requisitionCode), birthTyped, "9", "2"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				last, view := replies[len(replies)-1], replies[len(replies)-3]
				if !strings.Contains(last, "Illness or disability") || !strings.Contains(view, "Requisition: hand over") {
					t.Errorf("after choosing English the order and the grounds are still in French:\n%s\n%s", view, last)
				}
			},
		},
		{
			name: "typing_errors_fr", phone: phones[citizen.French],
			inputs: []string{"", "7", "1#", "123", "", typed(requisitionCode)[:25] + "0", typed(requisitionCode), "31021978", "1978-11-23x", birthTyped},
			check: func(t *testing.T, f *fakeService, replies []string) {
				if n := countCalls(f, "lookup"); n != 1 {
					t.Errorf("%d look-ups for typing errors: only the last, well-formed input may reach the service", n)
				}
			},
		},
		{
			name: "action_not_offered_en", phone: phones[citizen.English],
			inputs: []string{"1", typed(callUpCode), birthTyped, "1", "2", "8"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantState(t, f, callUpCode, order.StateClaimRejected)
				if countCalls(f, "act") != 0 {
					t.Errorf("an action the order does not allow reached the service: %v", f.calls)
				}
			},
		},
		{
			name: "compensation_part_paid_fr", phone: phones[citizen.French],
			inputs: []string{"1", typed(returnedCode), birthTyped, "9"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantScreenHolds(t, replies, citizen.French.CompensationText(citizen.CompensationView{OwedXOF: 135_000, PaidXOF: 50_000}))
			},
		},
		{
			name: "compensation_paid_in_full_ha", phone: phones[citizen.Hausa],
			inputs: []string{"1", typed(compensatedCode), birthTyped, "9"},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantScreenHolds(t, replies, citizen.Hausa.CompensationText(citizen.CompensationView{OwedXOF: 24_500, PaidXOF: 24_500, Settled: true}))
			},
		},
		{
			name: "wrong_birth_date_dje", phone: phones[citizen.Zarma],
			inputs: []string{"1", typed(requisitionCode), wrongBirthTyped},
			check: func(t *testing.T, f *fakeService, replies []string) {
				wantEnd(t, replies, citizen.Zarma.Text(citizen.MsgNoMatch))
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, svc := newTestHandler(t)
			replies := dial(t, h, c.phone, c.inputs...)
			for i, r := range replies {
				checkScreen(t, fmt.Sprintf("reply %d", i), r)
			}
			c.check(t, svc, replies)
			compareGolden(t, filepath.Join("testdata", "sessions", c.name+".txt"), transcript(c.name, c.phone, c.inputs, replies))
		})
	}
}

// TestWrongBirthDateLooksLikeUnknownCode: a wrong birth date and a code
// that does not exist get the very same reply, so trying birth dates
// tells nobody which codes exist.
func TestWrongBirthDateLooksLikeUnknownCode(t *testing.T) {
	for _, l := range citizen.Languages {
		h, _ := newTestHandler(t)
		wrongDate := dial(t, h, phones[l], "1", typed(requisitionCode), wrongBirthTyped)
		noSuchCode := dial(t, h, phones[l], "1", typed(unknownCode), birthTyped)
		if a, b := wrongDate[len(wrongDate)-1], noSuchCode[len(noSuchCode)-1]; a != b || !strings.HasPrefix(a, "END ") {
			t.Errorf("%s: wrong birth date says %q, unknown code says %q", l, a, b)
		}
	}
}

// TestLockout: five wrong birth dates lock the order, even for the right
// birth date and from another phone, until the lockout ends.
func TestLockout(t *testing.T) {
	svc := newFakeService()
	now := deadline.Add(-72 * time.Hour)
	cfg := citizen.DefaultConfig()
	g, err := citizen.NewGuard(cfg, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Service: svc, Guard: g}
	noMatch := "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgNoMatch))
	locked := "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgLocked))
	for i := range cfg.MaxFailures {
		replies := dial(t, h, phones[citizen.French], "1", typed(requisitionCode), fmt.Sprintf("%02d111978", i+1))
		if last := replies[len(replies)-1]; last != noMatch {
			t.Fatalf("wrong birth date %d: %q", i+1, last)
		}
	}
	for _, phone := range []string{phones[citizen.French], newPhone} {
		inputs := []string{"1", typed(requisitionCode), birthTyped}
		if phone == newPhone {
			inputs = append([]string{"1"}, inputs...)
		}
		replies := dial(t, h, phone, inputs...)
		if last := replies[len(replies)-1]; last != locked {
			t.Errorf("right birth date from %s after the lockout: %q, want %q", phone, last, locked)
		}
	}
	lookups := countCalls(svc, "lookup")
	now = now.Add(cfg.Lockout + time.Minute)
	replies := dial(t, h, phones[citizen.English], "1", typed(requisitionCode), birthTyped)
	if last := replies[len(replies)-1]; !strings.HasPrefix(last, "CON ") || countCalls(svc, "lookup") != lookups+1 {
		t.Errorf("after the lockout: %q", last)
	}
}

// TestInputAfterEnd: a gateway that sends more input after an END does
// not get the action carried out twice. The menu is rebuilt from the
// order as it is now: where the path ended on a final screen the reply is
// that the session ended; where the order has moved on (acknowledged), the
// action is simply no longer offered.
func TestInputAfterEnd(t *testing.T) {
	ended := "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgSessionEnded))
	h, svc := newTestHandler(t)
	replies := dial(t, h, phones[citizen.French], "2", typed(callUpCode), "1", "2")
	for _, r := range replies[len(replies)-2:] {
		if r != ended {
			t.Errorf("input after a verification: %q, want %q", r, ended)
		}
	}
	replies = dial(t, h, phones[citizen.French], "1", typed(requisitionCode), birthTyped, "1", "1", "1")
	done := "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgDoneAcknowledge, citizen.FormatDeadline(deadline)))
	if replies[4] != done {
		t.Fatalf("acknowledgement: %q", replies[4])
	}
	for _, r := range replies[5:] {
		if r == done || strings.HasPrefix(r, "END ") {
			t.Errorf("input after the acknowledgement: %q", r)
		}
	}
	if n := countCalls(svc, "act"); n != 1 {
		t.Errorf("%d acts, want 1: %v", n, svc.calls)
	}
}

// TestServiceErrors: each error of the service ends the session with its
// own text; a fault of ours says only that the service is unavailable.
func TestServiceErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want citizen.Message
	}{
		{"no match", citizen.ErrNoMatch, citizen.MsgNoMatch},
		{"locked", citizen.ErrLocked, citizen.MsgLocked},
		{"rate limited", fmt.Errorf("store: %w", citizen.ErrRateLimited), citizen.MsgRateLimited},
		{"not allowed", citizen.ErrNotAllowed, citizen.MsgNotAllowed},
		{"fault", context.DeadlineExceeded, citizen.MsgUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &Handler{Service: &failingActs{fakeService: newFakeService(), err: c.err}}
			replies := dial(t, h, phones[citizen.English], "1", typed(requisitionCode), birthTyped, "9", "1")
			wantEnd(t, replies, citizen.English.Text(c.want))
		})
	}
}

// failingActs is the fake service whose Act always fails with err.
type failingActs struct {
	*fakeService
	err error
}

func (f *failingActs) Act(context.Context, citizen.Channel, string, order.Code, time.Time, citizen.Action, string) (citizen.OrderView, error) {
	return citizen.OrderView{}, f.err
}

func TestBadRequests(t *testing.T) {
	unavailable := "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgUnavailable))
	ended := "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgSessionEnded))
	h, _ := newTestHandler(t)
	cases := []struct {
		name string
		h    *Handler
		req  Request
		want string
	}{
		{"no service", &Handler{}, Request{PhoneNumber: newPhone}, unavailable},
		{"no phone", h, Request{}, unavailable},
		{"phone with letters", h, Request{PhoneNumber: "+227abc"}, unavailable},
		{"text too long", h, Request{PhoneNumber: newPhone, Text: strings.Repeat("1", maxText+1)}, ended},
		{"too many inputs", h, Request{PhoneNumber: newPhone, Text: strings.Repeat("1*", maxInputs)}, ended},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.h.Handle(context.Background(), c.req); got != c.want {
				t.Errorf("Handle = %q, want %q", got, c.want)
			}
		})
	}
}

func wantState(t *testing.T, f *fakeService, c order.Code, s order.State) {
	t.Helper()
	if got := f.state(c); got != s {
		t.Errorf("order %s is %s, want %s (calls %v)", c, got, s, f.calls)
	}
}

func wantCall(t *testing.T, f *fakeService, prefix string) {
	t.Helper()
	if !slices.ContainsFunc(f.calls, func(c string) bool { return strings.HasPrefix(c, prefix) }) {
		t.Errorf("no call %q in %v", prefix, f.calls)
	}
}

func countCalls(f *fakeService, prefix string) int {
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// wantScreenHolds checks that some screen of the session shows line,
// folded as the phone gets it.
func wantScreenHolds(t *testing.T, replies []string, line string) {
	t.Helper()
	folded := citizen.FoldGSM7(line)
	shows := func(r string) bool { return slices.Contains(strings.Split(r[len("CON "):], "\n"), folded) }
	if !slices.ContainsFunc(replies, shows) {
		t.Errorf("no screen shows the line %q:\n%s", folded, strings.Join(replies, "\n----\n"))
	}
}

func wantEnd(t *testing.T, replies []string, text string) {
	t.Helper()
	if got, want := replies[len(replies)-1], "END "+citizen.FoldGSM7(text); got != want {
		t.Errorf("last reply %q, want %q", got, want)
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ussd -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from this session (run with -update and review the diff):\n%s", path, got)
	}
}
