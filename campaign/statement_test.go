package campaign

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/tlog"
)

var update = flag.Bool("update", false, "rewrite the golden statements in testdata/")

// example is the campaign of the fixtures: testdata/list.csv drawn with a
// fixed seed, committed in testdata/commit.txt and revealed in
// testdata/reveal.txt.
type example struct {
	entries []Entry
	list    *List
	seed    Seed
	beacon  []byte // the value of exampleBeacon
	commit  CommitStatement
	result  *Result
	reveal  RevealStatement
}

// exampleBeacon is the public beacon of the example campaign; its value
// is the bytes 0xa0, 0xa1, ... 0xbf.
const exampleBeacon = "drand quicknet round 24000000"

func exampleBeaconValue() []byte {
	v := make([]byte, 32)
	for i := range v {
		v[i] = 0xa0 + byte(i)
	}
	return v
}

var exampleTargets = Targets{
	{Area: "NE.DS", Skill: "driver", Count: 2},
	{Skill: "nurse", Count: 2},
	{Area: "NE.TH", Count: 3},
	{Area: "NE.ZI", Skill: "mechanic", Count: 2}, // one mechanic lives in NE.ZI: a shortfall of one
}

func newExample(t testing.TB) example {
	t.Helper()
	var ex example
	var err error
	if ex.entries, err = readListFile(t, "list.csv"); err != nil {
		t.Fatal(err)
	}
	ex.list = mustFreeze(t, ex.entries)
	ex.seed, ex.beacon = testSeed(42), exampleBeaconValue()
	frozenAt := time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("WAT", 3600))
	if ex.commit, err = NewCommit("NE-2026-CALLUP-01", "2026.1", frozenAt, ex.list, ex.seed, exampleBeacon, exampleTargets); err != nil {
		t.Fatal(err)
	}
	if ex.result, err = Draw(DrawKey(ex.seed, ex.beacon), ex.list, exampleTargets); err != nil {
		t.Fatal(err)
	}
	if ex.reveal, err = NewReveal(ex.commit, frozenAt.Add(26*time.Hour+500*time.Millisecond), ex.seed, ex.beacon, ex.result); err != nil {
		t.Fatal(err)
	}
	return ex
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got\n%s", name, got)
	}
}

func TestStatementGolden(t *testing.T) {
	ex := newExample(t)
	commitText, err := ex.commit.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "commit.txt", commitText)
	revealText, err := ex.reveal.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "reveal.txt", revealText)

	commit, err := ParseCommit(commitText)
	if err != nil || !reflect.DeepEqual(commit, ex.commit) {
		t.Errorf("ParseCommit = %+v, %v; want %+v", commit, err, ex.commit)
	}
	reveal, err := ParseReveal(revealText)
	if err != nil || !reflect.DeepEqual(reveal, ex.reveal) {
		t.Errorf("ParseReveal = %+v, %v; want %+v", reveal, err, ex.reveal)
	}
	if q := ex.result.Shortfalls(); len(q) != 1 || q[0].Target != exampleTargets[3] || q[0].Shortfall() != 1 {
		t.Errorf("the example's shortfalls are %+v, want one mechanic in NE.ZI", q)
	}
}

func TestLogEntries(t *testing.T) {
	ex := newExample(t)
	commitText, _ := ex.commit.MarshalText()
	commitEntry, err := ex.commit.LogEntry()
	if err != nil {
		t.Fatal(err)
	}
	revealText, _ := ex.reveal.MarshalText()
	revealEntry, err := ex.reveal.LogEntry()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		entry tlog.Entry
		text  []byte
		data  map[string]string
	}{
		{"commit", commitEntry, commitText, map[string]string{
			"list_root": ex.list.Root().String(), "seed_commitment": ex.seed.Commitment().String(), "list_size": "24"}},
		{"reveal", revealEntry, revealText, map[string]string{
			"seed": ex.seed.String(), "result_digest": ex.result.Digest().String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.entry
			if err := e.Validate(); err != nil {
				t.Errorf("the log refuses the entry: %v", err)
			}
			if e.DataHash != sha256.Sum256(tt.text) {
				t.Errorf("data hash is not SHA-256 of the statement text")
			}
			if e.Kind != LogKind || e.Subject != ex.commit.Campaign {
				t.Errorf("kind %q, subject %q", e.Kind, e.Subject)
			}
			for k, v := range tt.data {
				if e.Data[k] != v {
					t.Errorf("data %s = %q, want %q", k, e.Data[k], v)
				}
			}
			// No statement may carry a person's reference into the public log.
			leaf := string(e.MarshalLeaf())
			for _, entry := range ex.entries {
				if strings.Contains(leaf, entry.Ref) {
					t.Errorf("the log entry holds the ref %s", entry.Ref)
				}
			}
		})
	}
}

func TestNewRevealChecksTheSeed(t *testing.T) {
	ex := newExample(t)
	_, err := NewReveal(ex.commit, ex.reveal.At, testSeed(43), ex.beacon, ex.result)
	wantError(t, err, ErrSeedMismatch, ex.commit.Campaign)
	other, err := Draw(DrawKey(testSeed(43), ex.beacon), ex.list, exampleTargets)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewReveal(ex.commit, ex.reveal.At, ex.seed, ex.beacon, other)
	wantError(t, err, nil, "drawn with another seed or beacon value")
	// The seed alone, without the beacon, does not give the result.
	bare, err := Draw(ex.seed, ex.list, exampleTargets)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewReveal(ex.commit, ex.reveal.At, ex.seed, ex.beacon, bare)
	wantError(t, err, nil, "drawn with another seed or beacon value")
}

// TestBeaconValue: a commitment that names a beacon needs its value to be
// revealed, one without cannot take one afterwards, and the value changes
// the draw.
func TestBeaconValue(t *testing.T) {
	ex := newExample(t)
	_, err := NewReveal(ex.commit, ex.reveal.At, ex.seed, nil, ex.result)
	wantError(t, err, nil, "committed to the beacon", "its value is required")

	none := ex.commit
	none.Beacon = NoBeacon
	res, err := Draw(ex.seed, ex.list, exampleTargets)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewReveal(none, ex.reveal.At, ex.seed, ex.beacon, res)
	wantError(t, err, nil, "committed to no beacon")
	if _, err := NewReveal(none, ex.reveal.At, ex.seed, nil, res); err != nil {
		t.Errorf("a draw without beacon: %v", err)
	}

	if DrawKey(ex.seed, nil) != ex.seed {
		t.Error("without a beacon value the draw key is not the seed")
	}
	other := exampleBeaconValue()
	other[0] ^= 1
	if DrawKey(ex.seed, other) == DrawKey(ex.seed, ex.beacon) {
		t.Error("two beacon values give the same draw key")
	}

	// A reveal whose beacon value was changed afterwards does not verify.
	tampered := ex.reveal
	tampered.BeaconValue = other
	_, err = Verify(ex.commit, tampered, ex.entries)
	wantError(t, err, ErrResultDiffers)

	for _, bad := range []string{"", " drand", "drand ", "tab\there", "é", strings.Repeat("x", MaxBeaconLen+1)} {
		c := ex.commit
		c.Beacon = bad
		if err := c.Validate(); err == nil {
			t.Errorf("beacon %q accepted", bad)
		}
	}
	for _, bad := range []string{"", "ABCD", "abc", "zz", strings.Repeat("ab", MaxBeaconValueLen+1)} {
		if _, err := parseBeaconValue(bad); err == nil {
			t.Errorf("beacon-value %q accepted", bad)
		}
	}
	if v, err := ParseBeaconValue(" A0a1 "); err != nil || len(v) != 2 || v[0] != 0xa0 {
		t.Errorf("ParseBeaconValue = %x, %v", v, err)
	}
}

func TestParseCommitErrors(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("testdata", "commit.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(valid), "\n")
	with := func(line int, text string) string {
		l := append([]string(nil), lines...)
		l[line-1] = text
		return strings.Join(l, "")
	}
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "line 1: the statement ends early"},
		{"other version", with(1, "muster-campaign-commit/v1\n"), `line 1: first line "muster-campaign-commit/v1"`},
		{"missing policy", with(3, ""), `line 3: want "policy <value>", found "at `},
		{"bad campaign", with(2, "campaign NE 2026\n"), `campaign "NE 2026"`},
		{"local time", with(4, "at 2026-03-01T08:00:00.000+01:00\n"), "line 4: at"},
		{"no milliseconds", with(4, "at 2026-03-01T07:00:00Z\n"), "line 4: at"},
		{"size with leading zero", with(5, "list-size 024\n"), `line 5: list-size: "024"`},
		{"negative size", with(5, "list-size -1\n"), "line 5: list-size"},
		{"upper-case root", with(6, strings.ToUpper(lines[5][:len("list-root")])+strings.ToUpper(lines[5][len("list-root"):])), `line 6: want "list-root <value>"`},
		{"upper-case hex", with(6, "list-root "+strings.ToUpper(lines[5][len("list-root "):])), "line 6: list-root"},
		{"short commitment", with(7, "seed-commitment abcd\n"), "line 7: seed-commitment"},
		{"missing beacon", with(8, "target NE.DS driver 2\n"), `line 8: want "beacon <value>"`},
		{"beacon with a trailing space", with(8, "beacon drand \n"), `beacon "drand "`},
		{"target with two fields", with(9, "target NE.DS 2\n"), "line 9: target"},
		{"target with empty field", with(9, "target  driver 2\n"), "line 9: target"},
		{"target count zero", with(9, "target NE.DS driver 0\n"), "target 1: count 0"},
		{"no targets", strings.Join(lines[:8], ""), "at least one target"},
		{"no final line feed", strings.TrimSuffix(string(valid), "\n"), "does not end with a line feed"},
		{"CRLF", strings.ReplaceAll(string(valid), "\n", "\r\n"), "line 1"},
		{"unknown line", string(valid) + "note hello\n", `want "target <value>", found "note hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCommit([]byte(tt.text))
			wantError(t, err, nil, tt.want)
		})
	}
}

func TestParseRevealErrors(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("testdata", "reveal.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(valid), "\n")
	with := func(line int, text string) string {
		l := append([]string(nil), lines...)
		l[line-1] = text
		return strings.Join(l, "")
	}
	tests := []struct {
		name, text, want string
	}{
		{"commit header", with(1, CommitPrefix+"\n"), "line 1: first line"},
		{"short seed", with(4, "seed 00\n"), "line 4: seed"},
		{"beacon value in upper case", with(5, "beacon-value A0A1\n"), "line 5: beacon-value"},
		{"beacon value empty", with(5, "beacon-value \n"), "line 5: beacon-value"},
		{"selected not a number", with(6, "selected many\n"), "line 6: selected"},
		{"missing digest", strings.Join(lines[:6], ""), `line 7: the statement ends early, want "result-digest <value>"`},
		{"extra line", string(valid) + "x y\n", "line 8: unexpected line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseReveal([]byte(tt.text))
			wantError(t, err, nil, tt.want)
		})
	}
}
