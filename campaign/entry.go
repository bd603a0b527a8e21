package campaign

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// Limits on an entry. They bound the size of a leaf and of a line of the
// published list, and so what a verifier must accept.
const (
	MaxRefLen     = 64 // bytes of a reference
	MaxAreaDepth  = 8  // area codes in an area path
	MaxSkills     = 32 // skills of one entry
	areaSeparator = "/"
	skillsSep     = ";"
)

// LeafPrefix is the first line of every entry's leaf encoding. A later
// encoding gets a new version; the prefix keeps leaves of different
// versions, and of other muster trees, from ever being equal.
const LeafPrefix = "muster-campaign-entry/v1"

// Entry is one eligible person of a campaign, as published.
//
// Ref is an opaque pseudonymous reference (muster derives it with a keyed
// hash; the citizen sees their own on their order page), never a name or a
// national id: 1 to 64 ASCII letters, digits, '-', '_' or '.'.
//
// Area is the path of the person's residence area from the root of the
// area tree down, codes joined by '/', such as "NE/NE.DS/NE.DS.KO" (see
// AreaPath). Carrying the whole path makes "is this person in that area"
// a question anyone can answer from the published list alone, without the
// area tree of the day of the draw.
//
// Skills are registry skill names; their order does not matter (the leaf
// encoding sorts them) but a skill may appear only once.
type Entry struct {
	Ref    string
	Area   string
	Skills []string
}

// Validate reports the first field of e that breaks a rule, naming it.
func (e Entry) Validate() error { return newValidator().validate(e) }

// validator validates many entries, remembering the area paths and skills
// it has accepted: a national list has millions of entries but a few
// thousand areas and a few hundred skills, and their checks are regular
// expressions.
type validator struct {
	areas  map[string]bool
	skills map[string]bool
}

func newValidator() *validator {
	return &validator{areas: make(map[string]bool), skills: make(map[string]bool)}
}

func (v *validator) validate(e Entry) error {
	if !validRef(e.Ref) {
		return muster.Errorf(muster.Invalid, "ref %q is not 1 to %d ASCII letters, digits, '-', '_' or '.'", e.Ref, MaxRefLen)
	}
	if !v.areas[e.Area] {
		if err := validAreaPath(e.Area); err != nil {
			return muster.Wrap(muster.Invalid, err, "area %q", e.Area)
		}
		v.areas[e.Area] = true
	}
	if len(e.Skills) > MaxSkills {
		return muster.Errorf(muster.Invalid, "skills: more than %d", MaxSkills)
	}
	for i, s := range e.Skills {
		if !v.skills[s] {
			if !registry.ValidToken(s) {
				return muster.Errorf(muster.Invalid, "skills: %q is not a skill name (lower-case letters, digits, '_', '.', '-')", s)
			}
			v.skills[s] = true
		}
		if slices.Contains(e.Skills[:i], s) {
			return muster.Errorf(muster.Invalid, "skills: %q appears twice", s)
		}
	}
	return nil
}

// validRef reports whether s can be a reference. The alphabet covers hex,
// base32 and base64url and leaves out every separator of the formats.
func validRef(s string) bool {
	if s == "" || len(s) > MaxRefLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func validAreaPath(p string) error {
	if p == "" {
		return errors.New("is empty")
	}
	n := 0
	for code := range strings.SplitSeq(p, areaSeparator) {
		if n++; n > MaxAreaDepth {
			return fmt.Errorf("has more than %d levels", MaxAreaDepth)
		}
		if !area.ValidCode(code) {
			return fmt.Errorf("level %d: %q is not an area code (letters, digits, '.', '-', '_'; at most 40)", n, code)
		}
	}
	return nil
}

// AreaPath returns the area path of code in tree, the form Entry.Area
// takes: "NE/NE.DS/NE.DS.KO". It is a NotFound error when tree does not
// hold code.
func AreaPath(tree *area.Tree, code string) (string, error) {
	p := tree.Path(code)
	if p == "" {
		return "", muster.Errorf(muster.NotFound, "area %s is not in the area tree", code)
	}
	return strings.Trim(p, areaSeparator), nil
}

// inArea reports whether the entry's area path contains code (an entry is
// in every area of its path). The empty code matches every entry.
func (e Entry) inArea(code string) bool {
	if code == "" {
		return true
	}
	for c := range splitArea(e.Area) {
		if c == code {
			return true
		}
	}
	return false
}

// splitArea yields the codes of an area path, root first.
func splitArea(path string) iter.Seq[string] { return strings.SplitSeq(path, areaSeparator) }

// hasSkill reports whether the entry has skill; the empty skill matches
// every entry.
func (e Entry) hasSkill(skill string) bool {
	return skill == "" || slices.Contains(e.Skills, skill)
}

// Leaf returns the canonical encoding of e that the list's Merkle tree
// commits to (FORMAT.md):
//
//	muster-campaign-entry/v1 LF ref LF area LF skills
//
// where skills are sorted byte-wise and joined by ';', with no final LF.
// It does not validate e; Freeze and VerifyEntry do.
func (e Entry) Leaf() []byte { return e.appendLeaf(nil) }

func (e Entry) appendLeaf(b []byte) []byte {
	b = append(b, LeafPrefix...)
	b = append(b, '\n')
	b = append(b, e.Ref...)
	b = append(b, '\n')
	b = append(b, e.Area...)
	b = append(b, '\n')
	skills := e.Skills
	if !slices.IsSorted(skills) {
		skills = slices.Sorted(slices.Values(skills))
	}
	for i, s := range skills {
		if i > 0 {
			b = append(b, skillsSep...)
		}
		b = append(b, s...)
	}
	return b
}
