package campaign

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

func addSeedFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzReadList checks that the list reader never panics, that its errors
// are Invalid and name the file and a line, and that what it accepts
// freezes and survives a write and a read unchanged.
func FuzzReadList(f *testing.F) {
	addSeedFiles(f, "list*.csv")
	f.Add([]byte("ref,area,skills\n\"a\"\"b\",NE,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadList(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid || !strings.HasPrefix(err.Error(), "fuzz.csv:") {
				t.Fatalf("error without kind or place: %v", err)
			}
			return
		}
		list, err := Freeze(entries)
		if err != nil {
			t.Fatalf("ReadList accepted a list that Freeze refuses: %v", err)
		}
		var out bytes.Buffer
		if err := WriteList(&out, list); err != nil {
			t.Fatal(err)
		}
		again, err := ReadList(&out, "written.csv")
		if err != nil {
			t.Fatalf("reading the written list: %v", err)
		}
		relisted, err := Freeze(again)
		if err != nil || relisted.Root() != list.Root() || !reflect.DeepEqual(relisted.entries, list.entries) {
			t.Fatalf("the list changed on a write and a read: %v", err)
		}
	})
}

// FuzzParseCommit checks that the parser never panics and accepts only
// the canonical spelling: what it accepts marshals back to the same bytes.
func FuzzParseCommit(f *testing.F) {
	addSeedFiles(f, "commit.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCommit(data)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %s: %v", muster.ErrorKind(err), err)
			}
			return
		}
		text, err := c.MarshalText()
		if err != nil || !bytes.Equal(text, data) {
			t.Fatalf("accepted %q, which marshals to %q (%v)", data, text, err)
		}
	})
}

// FuzzParseReveal is FuzzParseCommit for reveals.
func FuzzParseReveal(f *testing.F) {
	addSeedFiles(f, "reveal.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReveal(data)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %s: %v", muster.ErrorKind(err), err)
			}
			return
		}
		text, err := r.MarshalText()
		if err != nil || !bytes.Equal(text, data) {
			t.Fatalf("accepted %q, which marshals to %q (%v)", data, text, err)
		}
	})
}
