package demo

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"regexp"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// The sinks the tests hand to Generate.

// hashSink digests everything it receives, in order.
type hashSink struct{ h hash.Hash }

func newHashSink() *hashSink { return &hashSink{h: sha256.New()} }

func (s *hashSink) write(kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.h, "%s %s\n", kind, b)
	return nil
}
func (s *hashSink) Areas(_ context.Context, a []area.Area) error { return s.write("areas", a) }
func (s *hashSink) Organisations(_ context.Context, o []registry.Organisation) error {
	return s.write("orgs", o)
}
func (s *hashSink) Persons(_ context.Context, ps []registry.Person) error {
	for _, p := range ps { // BirthDate is not in the JSON form
		fmt.Fprintf(s.h, "born %s\n", p.BirthDate.Format(time.RFC3339Nano))
	}
	return s.write("persons", ps)
}
func (s *hashSink) Resources(_ context.Context, r []registry.Resource) error {
	return s.write("resources", r)
}
func (s *hashSink) sum() string { return fmt.Sprintf("%x", s.h.Sum(nil)) }

// checkSink checks every record and the Sink contract as it receives them.
type checkSink struct {
	t        *testing.T
	tree     *area.Tree
	country  json.RawMessage
	leaves   map[string]bool
	owners   map[string]string // owner → area
	ids      map[string]bool
	phones   map[string]bool
	batches  [][]registry.Person // kept, to check that no batch is reused
	firstIDs []string
	persons  []registry.Person
	res      []registry.Resource
	orgs     []registry.Organisation
	areas    int
}

var phonePattern = regexp.MustCompile(`^\+227[89][0-9]{7}$`)

func (s *checkSink) Areas(_ context.Context, areas []area.Area) error {
	s.areas++
	if s.areas > 1 || len(s.owners) > 0 {
		s.t.Error("Areas called twice or late")
	}
	tree, err := area.NewTree(areas)
	if err != nil {
		return err
	}
	s.tree = tree
	ne, _ := tree.Get("NE")
	s.country = ne.Geometry
	for _, a := range areas {
		if a.Level == "commune" || a.Level == "arrondissement" {
			s.leaves[a.Code] = true
		}
	}
	return nil
}

func (s *checkSink) batch(n int) {
	if n == 0 || n > BatchSize {
		s.t.Errorf("batch of %d records", n)
	}
}

func (s *checkSink) owner(key, areaCode string) {
	if s.ids[key] {
		s.t.Errorf("%s sent twice", key)
	}
	s.ids[key] = true
	s.owners[key] = areaCode
	if !s.leaves[areaCode] {
		s.t.Errorf("%s: area %s is not a commune", key, areaCode)
	}
}

func (s *checkSink) Organisations(_ context.Context, orgs []registry.Organisation) error {
	s.batch(len(orgs))
	for _, o := range orgs {
		if errs := o.Validate(); len(errs) > 0 {
			s.t.Errorf("%s: %v", o.OrgID, errs)
		}
		if o.Protected && !slices.Contains([]string{"health", "humanitarian", "water", "food security"}, o.ProtectedReason) {
			s.t.Errorf("%s: protected for %q", o.OrgID, o.ProtectedReason)
		}
		s.owner("org:"+o.OrgID, o.Area)
	}
	s.orgs = append(s.orgs, orgs...)
	return nil
}

func (s *checkSink) Persons(_ context.Context, ps []registry.Person) error {
	s.batch(len(ps))
	s.batches = append(s.batches, ps)
	s.firstIDs = append(s.firstIDs, ps[0].NationalID)
	for _, p := range ps {
		if errs := p.Validate(today); len(errs) > 0 {
			s.t.Errorf("%s: %v", p.NationalID, errs)
		}
		if age := p.Age(today); age < 0 || age > 90 {
			s.t.Errorf("%s: age %d", p.NationalID, age)
		}
		if p.Phone != "" && (!phonePattern.MatchString(p.Phone) || s.phones[p.Phone]) {
			s.t.Errorf("%s: phone %q malformed or repeated", p.NationalID, p.Phone)
		}
		s.phones[p.Phone] = true
		if (p.Status == registry.Civilian) != (p.Rank == "") {
			s.t.Errorf("%s: status %s with rank %q", p.NationalID, p.Status, p.Rank)
		}
		for _, sk := range p.Skills {
			if !slices.Contains(skillNames, sk) {
				s.t.Errorf("%s: skill %q", p.NationalID, sk)
			}
		}
		s.owner("person:"+p.NationalID, p.Area)
	}
	s.persons = append(s.persons, ps...)
	return nil
}

func (s *checkSink) Resources(_ context.Context, rs []registry.Resource) error {
	s.batch(len(rs))
	for i, r := range rs {
		if errs := r.Validate(); len(errs) > 0 {
			s.t.Errorf("%s: %v", r.ResourceID, errs)
		}
		if s.ids[r.ResourceID] {
			s.t.Errorf("%s sent twice", r.ResourceID)
		}
		s.ids[r.ResourceID] = true
		where, ok := s.owners[r.Owner.String()]
		switch {
		case !ok:
			s.t.Errorf("%s: owner %s not sent before", r.ResourceID, r.Owner)
		case where != r.Area:
			s.t.Errorf("%s: in %s, owner in %s", r.ResourceID, r.Area, where)
		}
		if r.Location == nil || (i%5 == 0 && !area.Contains(s.country, *r.Location)) {
			s.t.Errorf("%s: location %v is not inside the country", r.ResourceID, r.Location)
		}
		if r.DeclaredValueXOF <= 0 {
			s.t.Errorf("%s: declared value %d", r.ResourceID, r.DeclaredValueXOF)
		}
	}
	s.res = append(s.res, rs...)
	return nil
}

// countSink counts records and samples the heap, keeping nothing.
type countSink struct {
	batches  int
	maxHeap  uint64
	persons  int
	canceler func(persons int)
}

func (s *countSink) sample() {
	if s.batches++; s.batches%25 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.maxHeap = max(s.maxHeap, m.HeapAlloc)
	}
}
func (s *countSink) Areas(context.Context, []area.Area) error { return nil }
func (s *countSink) Organisations(context.Context, []registry.Organisation) error {
	s.sample()
	return nil
}
func (s *countSink) Persons(_ context.Context, ps []registry.Person) error {
	s.sample()
	s.persons += len(ps)
	if s.canceler != nil {
		s.canceler(s.persons)
	}
	return nil
}
func (s *countSink) Resources(context.Context, []registry.Resource) error { s.sample(); return nil }
