package area

import (
	"fmt"
	"slices"
	"strings"

	"github.com/muster-org/muster"
)

// Tree is a consistent hierarchy of areas: every parent exists and there
// is no cycle. It answers the jurisdiction question "is X within Y".
type Tree struct {
	byCode map[string]Area
	paths  map[string]string
}

// NewTree checks areas for missing parents and cycles and indexes them.
func NewTree(areas []Area) (*Tree, error) {
	t := &Tree{byCode: make(map[string]Area, len(areas)), paths: make(map[string]string, len(areas))}
	for _, a := range areas {
		if _, dup := t.byCode[a.Code]; dup {
			return nil, muster.Errorf(muster.Invalid, "area %s appears twice", a.Code)
		}
		t.byCode[a.Code] = a
	}
	for _, a := range areas {
		if a.Parent != "" {
			if _, ok := t.byCode[a.Parent]; !ok {
				return nil, muster.Errorf(muster.Invalid, "area %s: parent %s does not exist", a.Code, a.Parent)
			}
		}
	}
	for _, a := range areas {
		if _, err := t.path(a.Code, len(areas)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// path builds the materialized path "/ROOT/.../CODE/" of code, memoized.
func (t *Tree) path(code string, limit int) (string, error) {
	if p, ok := t.paths[code]; ok {
		return p, nil
	}
	var chain []string
	for c := code; c != ""; c = t.byCode[c].Parent {
		if p, ok := t.paths[c]; ok {
			return t.fill(chain, p), nil
		}
		chain = append(chain, c)
		if len(chain) > limit {
			return "", muster.Errorf(muster.Invalid, "area %s: its parents form a cycle", code)
		}
	}
	return t.fill(chain, "/"), nil
}

// fill records the paths of chain (leaf first) under the known prefix.
func (t *Tree) fill(chain []string, prefix string) string {
	p := prefix
	for i := len(chain) - 1; i >= 0; i-- {
		p += chain[i] + "/"
		t.paths[chain[i]] = p
	}
	return p
}

// Get returns the area with the given code.
func (t *Tree) Get(code string) (Area, bool) {
	a, ok := t.byCode[code]
	return a, ok
}

// Len is the number of areas.
func (t *Tree) Len() int { return len(t.byCode) }

// Path returns the materialized path of code, "/NE/NE.DS/", used by stores
// to select a subtree with a prefix match; "" when code is unknown.
func (t *Tree) Path(code string) string { return t.paths[code] }

// Depth is the number of ancestors of code (0 for a root).
func (t *Tree) Depth(code string) int { return strings.Count(t.paths[code], "/") - 2 }

// Within reports whether code lies in the subtree rooted at root
// (an area is within itself).
func (t *Tree) Within(code, root string) bool {
	p, r := t.paths[code], t.paths[root]
	return p != "" && r != "" && strings.HasPrefix(p, r)
}

// Areas returns every area, parents before their children.
func (t *Tree) Areas() []Area {
	out := make([]Area, 0, len(t.byCode))
	for _, a := range t.byCode {
		out = append(out, a)
	}
	// Sorting by path puts every parent before its children.
	slices.SortFunc(out, func(a, b Area) int { return strings.Compare(t.paths[a.Code], t.paths[b.Code]) })
	return out
}

func (t *Tree) String() string { return fmt.Sprintf("area.Tree(%d areas)", len(t.byCode)) }
