package campaign

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

// testAreas are the area paths synthetic entries live in: two regions,
// one with two departments.
var testAreas = []string{
	"NE/NE.DS/NE.DS.KO",
	"NE/NE.DS/NE.DS.NI",
	"NE/NE.TH/NE.TH.01",
	"NE/NE.ZI",
}

var testSkills = []string{"driver", "mechanic", "nurse", "radio_operator"}

// syntheticEntries returns n valid entries with refs derived from their
// number, spread over testAreas, with zero to two skills.
func syntheticEntries(n int) []Entry {
	entries := make([]Entry, n)
	var buf [8]byte
	for i := range entries {
		binary.BigEndian.PutUint64(buf[:], uint64(i))
		h := sha256.Sum256(buf[:])
		var skills []string
		switch h[8] % 4 {
		case 1:
			skills = []string{testSkills[h[9]%4]}
		case 2:
			skills = []string{testSkills[h[9]%2], testSkills[2+h[10]%2]}
		}
		entries[i] = Entry{Ref: hex.EncodeToString(h[:8]), Area: testAreas[h[11]%4], Skills: skills}
	}
	return entries
}

// testSeed returns a deterministic seed numbered i.
func testSeed(i int) Seed {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(i))
	return Seed(sha256.Sum256(append([]byte("campaign test seed "), buf[:]...)))
}

func mustFreeze(t testing.TB, entries []Entry) *List {
	t.Helper()
	l, err := Freeze(entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// wantError fails unless err is an Invalid error wrapping sentinel (when
// not nil) whose message contains every fragment.
func wantError(t *testing.T, err error, sentinel error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", fragments)
	}
	if k := muster.ErrorKind(err); k != muster.Invalid {
		t.Errorf("error kind %s, want invalid: %v", k, err)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("error %q does not wrap %q", err, sentinel)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}
