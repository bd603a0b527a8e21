package policy

import (
	"path/filepath"
	"testing"
)

// loadFixture loads a policy from testdata, failing the test if it does not load.
func loadFixture(t *testing.T, name string) *Policy {
	t.Helper()
	p, err := Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return p
}
