package fund

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/tlog"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseNotification(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Contribution
		msg  string // of the expected error, "" for success
	}{
		{"anonymous", string(readTestdata(t, "notifications/anonymous.json")),
			Contribution{Channel: MobileMoney, Amount: 5000, At: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC),
				Provider: "orange-money", ProviderTx: "MP261125.1030.A12345"}, ""},
		{"named, other zone", string(readTestdata(t, "notifications/named.json")),
			Contribution{Channel: MobileMoney, Amount: 250000, At: time.Date(2026, 11, 25, 10, 31, 2, 5e8, time.UTC),
				Provider: "orange-money", ProviderTx: "MP261125.1031.B99", Contributor: "Coopérative des maraîchers de Dosso"}, ""},
		{"phone number", string(readTestdata(t, "notifications/with-phone.json")), Contribution{}, `unknown field "msisdn"`},
		{"empty", ``, Contribution{}, "body is empty"},
		{"array", `[]`, Contribution{}, "JSON object"},
		{"truncated", `{"transaction_id":"a"`, Contribution{}, "truncated"},
		{"trailing", `{"transaction_id":"T","amount":1,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z"} {}`, Contribution{}, "more after"},
		{"no id", `{"amount":1,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z"}`, Contribution{}, "transaction_id is required"},
		{"id with slash", `{"transaction_id":"a/b","amount":1,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z"}`, Contribution{}, "transaction_id must be"},
		{"fractional amount", `{"transaction_id":"T","amount":1.5,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z"}`, Contribution{}, "field amount"},
		{"amount as string", `{"transaction_id":"T","amount":"5","currency":"XOF","completed_at":"2026-11-25T10:00:00Z"}`, Contribution{}, "field amount"},
		{"zero amount", `{"transaction_id":"T","amount":0,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z"}`, Contribution{}, "positive"},
		{"euros", `{"transaction_id":"T","amount":5,"currency":"EUR","completed_at":"2026-11-25T10:00:00Z"}`, Contribution{}, `currency "EUR"`},
		{"no time", `{"transaction_id":"T","amount":5,"currency":"XOF"}`, Contribution{}, "not an RFC 3339 time"},
		{"next week", `{"transaction_id":"T","amount":5,"currency":"XOF","completed_at":"2026-12-02T10:00:00Z"}`, Contribution{}, "out of range"},
		{"blank name", `{"transaction_id":"T","amount":5,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z","contributor_name":"  "}`, Contribution{}, "blank"},
		{"name with newline", `{"transaction_id":"T","amount":5,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z","contributor_name":"a\nb"}`, Contribution{}, "contributor name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNotification("orange-money", []byte(tc.body), now)
			if tc.msg != "" {
				if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err = %v, want invalid with %q", err, tc.msg)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v\nwant %+v", got, err, tc.want)
			}
		})
	}
}

func TestSignatures(t *testing.T) {
	secrets, err := ParseSecrets(bytes.NewReader(readTestdata(t, "secrets.txt")), "secrets.txt")
	if err != nil {
		t.Fatal(err)
	}
	body := readTestdata(t, "notifications/anonymous.json")
	first, second := secrets["orange-money"][0], secrets["orange-money"][1]
	tests := []struct {
		name     string
		provider string
		body     []byte
		header   string
		ok       bool
	}{
		{"good", "orange-money", body, Sign(first, body), true},
		{"rotated secret", "orange-money", body, Sign(second, body), true},
		{"other provider's secret", "moov-africa", body, Sign(first, body), false},
		{"unknown provider", "wave", body, Sign(first, body), false},
		{"missing", "orange-money", body, "", false},
		{"no prefix", "orange-money", body, strings.TrimPrefix(Sign(first, body), "sha256="), false},
		{"upper-case hex", "orange-money", body, "sha256=" + strings.ToUpper(strings.TrimPrefix(Sign(first, body), "sha256=")), true},
		{"short", "orange-money", body, Sign(first, body)[:40], false},
		{"body changed", "orange-money", append([]byte(" "), body...), Sign(first, body), false},
		{"wrong secret", "orange-money", body, Sign([]byte(strings.Repeat("x", 32)), body), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := secrets.Verify(tc.provider, tc.body, tc.header); got != tc.ok {
				t.Errorf("Verify = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestParseSecrets(t *testing.T) {
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name, file string
		providers  int
		msg        string
	}{
		{"fixture", string(readTestdata(t, "secrets.txt")), 2, ""},
		{"empty", "", 0, ""},
		{"one field", "orange-money\n", 0, "secrets:1: want"},
		{"three fields", "# c\norange-money " + secret + " x\n", 0, "secrets:2: want"},
		{"short secret", "orange-money short\n", 0, "use at least 32"},
		{"bad provider", "Orange " + secret + "\n", 0, `provider "Orange"`},
		{"duplicate", "a " + secret + "\na " + secret + "\n", 0, "secrets:2: the same secret"},
		{"non-ASCII secret", "a " + secret + "é\n", 0, "printable ASCII"},
		{"long line", "a " + strings.Repeat("s", 5000) + "\n", 0, "longer than 4096"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSecrets(strings.NewReader(tc.file), "secrets")
			if tc.msg != "" {
				if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err = %v, want %q", err, tc.msg)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error quotes the secret: %v", err)
				}
				return
			}
			if err != nil || len(got) != tc.providers {
				t.Fatalf("secrets = %d providers, %v; want %d", len(got), err, tc.providers)
			}
		})
	}
}

func TestUndo(t *testing.T) {
	b := scenario(t)
	p1, _ := b.Transfer("pay:p1")
	p1f, _ := b.Transfer("pay:p1:funded")
	c1, _ := b.Transfer("ctb:c1")
	if _, err := Undo([]ledger.Transfer{p1}, t0, "wrong order"); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("undo one leg of a payment: %v", err)
	}
	if _, err := Undo([]ledger.Transfer{c1}, t0, ""); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("undo without a reason: %v", err)
	}
	if _, err := Undo([]ledger.Transfer{c1, p1}, t0, "x"); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("undo of unrelated transfers: %v", err)
	}
	undo, err := Undo([]ledger.Transfer{p1, p1f}, t0, "paid to the wrong order")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apply(b, undo); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(b, undo); err != nil { // a retry
		t.Fatal(err)
	}
	r, _ := Compute(b.Transfers(), b.Accounts(), Checkpoint{})
	if !r.OK() || r.Totals.CompensationPaid != 50_000 || r.Totals.Outstanding != 190_000 {
		t.Errorf("after undoing a payment: ok %v, totals %+v", r.OK(), r.Totals)
	}
}

func FuzzParseNotification(f *testing.F) {
	for _, name := range []string{"anonymous.json", "named.json", "with-phone.json"} {
		f.Add(readTestdata(f, "notifications/"+name))
	}
	f.Add([]byte(`{"transaction_id":"T","amount":9223372036854775807,"currency":"XOF","completed_at":"2026-11-25T10:00:00Z"}`))
	f.Add([]byte(`{"transaction_id":"T","amount":1,"currency":"XOF","completed_at":"0001-01-01T00:00:00Z","contributor_name":"\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseNotification("orange-money", body, now)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %s: %v", muster.ErrorKind(err), err)
			}
			return
		}
		// Whatever was accepted makes a valid transfer.
		batch, err := Contribute(c)
		if err != nil || len(batch) != 1 || batch[0].Validate() != nil {
			t.Fatalf("accepted %+v, but its transfer is %+v, %v", c, batch, err)
		}
	})
}

func FuzzParseSecrets(f *testing.F) {
	f.Add(readTestdata(f, "secrets.txt"))
	f.Add([]byte("a b c\n"))
	f.Add([]byte("#\n\n\t\r\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		s, err := ParseSecrets(bytes.NewReader(file), "fuzz")
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %s: %v", muster.ErrorKind(err), err)
			}
			return
		}
		for p, secrets := range s {
			for _, secret := range secrets {
				if !ValidSlug(p) || len(secret) < MinSecretLen || !s.Verify(p, file, Sign(secret, file)) {
					t.Fatalf("accepted provider %q with a secret that does not verify", p)
				}
			}
		}
	})
}

// FuzzFromLeaf reads transparency-log leaves as a third party recomputing
// the report would: never a panic, and a leaf read back is a valid
// transfer the tally accepts.
func FuzzFromLeaf(f *testing.F) {
	e := tlog.Entry{Kind: LeafKind, Subject: "ctb:k1", Event: "applied", At: t0,
		Data: map[string]string{"debit": "fund:cash:cash", "credit": UnallocatedAccount, "amount": "5000", "currency": "XOF"}}
	f.Add(e.MarshalLeaf())
	e.Data["reverses"], e.Event = "ctb:k0", "reversal"
	f.Add(e.MarshalLeaf())
	e.Data["amount"] = "-1"
	f.Add(e.MarshalLeaf())
	f.Add([]byte(`{"v":1,"kind":"order.event"}`))
	f.Fuzz(func(t *testing.T, leaf []byte) {
		entry, err := tlog.ParseLeaf(leaf)
		if err != nil {
			return
		}
		tr, ok, err := FromLeaf(entry)
		if !ok || err != nil {
			return
		}
		if err := NewTally().Add(tr); err != nil {
			t.Fatalf("transfer %+v read from a leaf is refused by the tally: %v", tr, err)
		}
	})
}

// TestDocumentedExample keeps the signature example of docs/FUND.md true.
func TestDocumentedExample(t *testing.T) {
	doc := string(readTestdata(t, "../../docs/FUND.md"))
	body := `{"transaction_id":"MP261125.1030.A12345","amount":5000,"currency":"XOF","completed_at":"2026-11-25T10:30:00Z"}`
	secret := "example-secret-do-not-use-0123456789abcdef"
	header := Sign([]byte(secret), []byte(body))
	for _, s := range []string{"secret: " + secret, "body:   " + body, "X-Muster-Signature: " + header} {
		if !strings.Contains(doc, s) {
			t.Errorf("docs/FUND.md lacks %q", s)
		}
	}
	if _, err := ParseNotification("orange-money", []byte(body), now); err != nil {
		t.Errorf("the documented body is refused: %v", err)
	}
}
