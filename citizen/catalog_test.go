package citizen

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/order"
)

var verb = regexp.MustCompile(`%[a-z%]`)

// TestCatalogComplete checks that every language has every message, with
// the same verbs in the same order as French, so that no citizen meets a
// French fallback or a "%!s(MISSING)".
func TestCatalogComplete(t *testing.T) {
	for _, l := range Languages {
		for m := Message(1); m < numMessages; m++ {
			s, ok := texts[l][m]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: message %d is missing", l, m)
				continue
			}
			if got, want := verb.FindAllString(s, -1), verb.FindAllString(texts[French][m], -1); strings.Join(got, "") != strings.Join(want, "") {
				t.Errorf("%s: message %d has verbs %v, French has %v: %q", l, m, got, want, s)
			}
		}
		if len(texts[l]) != int(numMessages)-1 {
			t.Errorf("%s has %d messages, want %d", l, len(texts[l]), numMessages-1)
		}
		for _, s := range order.States {
			if strings.TrimSpace(stateTexts[l][s]) == "" {
				t.Errorf("%s: state %s has no text", l, s)
			}
		}
		if l.Text(MsgLanguageMenu) != languageMenu {
			t.Errorf("%s: the language menu differs: it must be the same before a language is chosen", l)
		}
	}
}

// TestHausaLetters keeps the Hausa catalog written with its own letters:
// folding them away is for the channels that must (USSD), not the catalog.
func TestHausaLetters(t *testing.T) {
	var all strings.Builder
	for _, s := range texts[Hausa] {
		all.WriteString(s)
	}
	for _, s := range stateTexts[Hausa] {
		all.WriteString(s)
	}
	for _, r := range "ƙɗɓƴ" {
		if !strings.ContainsRune(all.String(), r) {
			t.Errorf("the Hausa catalog never uses %c", r)
		}
	}
}

func TestTextFallsBackToFrench(t *testing.T) {
	if got, want := Language("xx").Text(MsgMainTitle), texts[French][MsgMainTitle]; got != want {
		t.Errorf("unknown language: %q, want the French %q", got, want)
	}
	if got := Language("xx").State(order.StateNotified); got != stateTexts[French][order.StateNotified] {
		t.Errorf("unknown language state: %q", got)
	}
	if got := English.State("nonsense"); got != "nonsense" {
		t.Errorf("unknown state: %q, want its name", got)
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]Language{"fr": French, "EN": English, " ha ": Hausa, "Dje": Zarma} {
		if got, err := ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "de", "fr-FR", "zarma"} {
		if _, err := ParseLanguage(in); err == nil {
			t.Errorf("ParseLanguage(%q) accepted", in)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	cases := []struct {
		name string
		lang Language
		xof  int64
		want string
	}{
		{"French groups with spaces", French, 1250000, "1 250 000 FCFA"},
		{"Zarma as French", Zarma, 125000, "125 000 FCFA"},
		{"English groups with commas", English, 1250000, "1,250,000 FCFA"},
		{"Hausa as English", Hausa, 999, "999 FCFA"},
		{"thousand", French, 1000, "1 000 FCFA"},
		{"zero", English, 0, "0 FCFA"},
		{"negative", English, -1500, "-1,500 FCFA"},
		{"smallest int64", English, -9223372036854775808, "-9,223,372,036,854,775,808 FCFA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.lang.FormatAmount(c.xof); got != c.want {
				t.Errorf("FormatAmount(%d) = %q, want %q", c.xof, got, c.want)
			}
		})
	}
}

func TestFormatDeadline(t *testing.T) {
	niamey := time.FixedZone("WAT", 3600)
	if got := FormatDeadline(time.Date(2026, 3, 5, 8, 0, 0, 0, niamey)); got != "05/03/2026 08:00" {
		t.Errorf("FormatDeadline = %q", got)
	}
}

func TestAllowedActions(t *testing.T) {
	cases := []struct {
		state order.State
		want  []Action
	}{
		{order.StateNotified, []Action{Acknowledge, Claim}},
		{order.StateAcknowledged, []Action{Claim}},
		{order.StateClaimRejected, []Action{Appeal}},
		{order.StateDeferred, []Action{Appeal}},
		{order.StateClaimed, nil},
		{order.StateIssued, nil},
		{order.StateClosed, nil},
	}
	for _, c := range cases {
		t.Run(string(c.state), func(t *testing.T) {
			got := AllowedActions(order.Requisition, c.state)
			if strings.Join(actionNames(got), ",") != strings.Join(actionNames(c.want), ",") {
				t.Errorf("AllowedActions(%s) = %v, want %v", c.state, got, c.want)
			}
		})
	}
}

func actionNames(as []Action) []string {
	var out []string
	for _, a := range as {
		out = append(out, string(a))
	}
	return out
}

func TestGroundLabel(t *testing.T) {
	g := Ground{Code: "sole_carer", Labels: map[Language]string{French: "Soutien de famille", Hausa: " "}}
	for l, want := range map[Language]string{French: "Soutien de famille", Hausa: "Soutien de famille", English: "Soutien de famille"} {
		if got := g.Label(l); got != want {
			t.Errorf("Label(%s) = %q, want %q", l, got, want)
		}
	}
	if got := (Ground{Code: "x"}).Label(English); got != "x" {
		t.Errorf("label without any text = %q, want the code", got)
	}
}

func TestCompensationText(t *testing.T) {
	cases := []struct {
		name string
		lang Language
		comp CompensationView
		want string
	}{
		{"nothing paid yet", French, CompensationView{OwedXOF: 135_000}, "Indemnité: 135 000 FCFA, payé: 0 FCFA."},
		{"part paid", English, CompensationView{OwedXOF: 135_000, PaidXOF: 50_000}, "Compensation: 135,000 FCFA owed, 50,000 FCFA paid."},
		{"paid in full", Hausa, CompensationView{OwedXOF: 135_000, PaidXOF: 135_000, Settled: true}, "Diyya: 135,000 FCFA, an biya duka."},
		{"Zarma groups as French", Zarma, CompensationView{OwedXOF: 1_000, PaidXOF: 1_000, Settled: true}, "Bana: 1 000 FCFA, i n'a bana kulu."},
		{"nothing owed is not paid in full", English, CompensationView{}, "Compensation: 0 FCFA owed, 0 FCFA paid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.lang.CompensationText(c.comp); got != c.want {
				t.Errorf("CompensationText = %q, want %q", got, c.want)
			}
		})
	}
}

func TestOutstanding(t *testing.T) {
	cases := []struct {
		name       string
		owed, paid int64
		want       int64
	}{
		{"nothing paid", 135_000, 0, 135_000},
		{"part paid", 135_000, 35_000, 100_000},
		{"all paid", 135_000, 135_000, 0},
		{"more paid than owed reads as nothing left", 1_000, 1_500, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := (CompensationView{OwedXOF: c.owed, PaidXOF: c.paid}).OutstandingXOF(); got != c.want {
				t.Errorf("OutstandingXOF = %d, want %d", got, c.want)
			}
		})
	}
}
