package campaign

import (
	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// MaxTargets bounds the targets of one campaign, and so the size of its
// commitment (about 60 bytes a target).
const MaxTargets = 10_000

// Target is one quota of a campaign: Count persons whose area path contains
// Area and who have Skill. An empty Area means any area, an empty Skill any
// skill (or none).
type Target struct {
	Area  string
	Skill string
	Count int
}

// matches reports whether e counts towards t.
func (t Target) matches(e Entry) bool { return e.inArea(t.Area) && e.hasSkill(t.Skill) }

// Targets are the quotas of a campaign, in the order they are filled.
//
// Order rule: Draw walks the list once in rank order and gives each person
// to the first target, in this order, that they match and that still has
// room. This is the same as letting each target in turn take the first
// Count persons it matches that no earlier target took. A person matching
// several targets thus counts for the earliest one: put the narrow or
// scarce quotas ("NE.DS nurse") before the broad ones ("NE.DS any skill").
// The order is part of the commitment.
type Targets []Target

// Validate checks every target and that no two name the same area and
// skill; errors name the target by its position, counting from 1.
func (ts Targets) Validate() error {
	if len(ts) == 0 {
		return muster.Errorf(muster.Invalid, "a campaign needs at least one target")
	}
	if len(ts) > MaxTargets {
		return muster.Errorf(muster.Invalid, "a campaign has at most %d targets, not %d", MaxTargets, len(ts))
	}
	seen := make(map[targetKey]int, len(ts))
	for i, t := range ts {
		if t.Area != "" && !area.ValidCode(t.Area) {
			return muster.Errorf(muster.Invalid, "target %d: area %q is not an area code", i+1, t.Area)
		}
		if t.Skill != "" && !registry.ValidToken(t.Skill) {
			return muster.Errorf(muster.Invalid, "target %d: skill %q is not a skill name", i+1, t.Skill)
		}
		if t.Count < 1 || t.Count > MaxEntries {
			return muster.Errorf(muster.Invalid, "target %d: count %d is not between 1 and %d", i+1, t.Count, MaxEntries)
		}
		k := targetKey{t.Area, t.Skill}
		if j, dup := seen[k]; dup {
			return muster.Errorf(muster.Invalid, "target %d: area %q and skill %q are already target %d", i+1, t.Area, t.Skill, j+1)
		}
		seen[k] = i
	}
	return nil
}

type targetKey struct{ area, skill string }

// targetIndex finds, for an entry, the first target with room that it
// matches, with a handful of map look-ups instead of a scan of every
// target.
type targetIndex struct {
	byKey map[targetKey]int
	room  []int
	open  int // targets with room left
}

func newTargetIndex(ts Targets) *targetIndex {
	x := &targetIndex{byKey: make(map[targetKey]int, len(ts)), room: make([]int, len(ts)), open: len(ts)}
	for i, t := range ts {
		x.byKey[targetKey{t.Area, t.Skill}] = i
		x.room[i] = t.Count
	}
	return x
}

// take returns the first target with room that e matches, and counts e
// against it; -1 when there is none.
func (x *targetIndex) take(e Entry) int {
	best := -1
	try := func(area, skill string) {
		if i, ok := x.byKey[targetKey{area, skill}]; ok && x.room[i] > 0 && (best < 0 || i < best) {
			best = i
		}
	}
	trySkills := func(area string) {
		try(area, "")
		for _, s := range e.Skills {
			try(area, s)
		}
	}
	trySkills("")
	for code := range splitArea(e.Area) {
		trySkills(code)
	}
	if best >= 0 {
		if x.room[best]--; x.room[best] == 0 {
			x.open--
		}
	}
	return best
}
