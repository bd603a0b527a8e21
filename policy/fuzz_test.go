package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

// FuzzParse feeds the parser arbitrary files: it must never panic, and it
// must either load a policy with a version and a hash or refuse with an
// invalid error whose every line starts with the file's name.
func FuzzParse(f *testing.F) {
	f.Add(DefaultBytes())
	for _, pattern := range []string{"testdata/*.yaml", "testdata/bad/*"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %s: %v", muster.ErrorKind(err), err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("problem without its file: %q", line)
				}
			}
			return
		}
		if p.Version == "" || len(p.Hash) != 64 {
			t.Fatalf("loaded a policy with version %q and hash %q", p.Version, p.Hash)
		}
	})
}
