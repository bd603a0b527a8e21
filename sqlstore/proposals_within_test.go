package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
)

// TestProposalsWithin: a jurisdiction lists the proposals whose scope is
// its area or lies below it, newest first, up to the limit, and none of
// another region's.
func TestProposalsWithin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		ids := map[string]string{}
		for i, scope := range []string{"NE.DS", "NE.DF", "NE.DS.D01", "NE", "NE.DS"} {
			at := start.Add(time.Duration(i) * time.Hour)
			db.SetClock(func() time.Time { return at })
			sp, err := db.SaveProposal(ctx, allocate.Proposal{TotalCost: float64(i)}, scope, "officer", "v1", "hash", 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			ids[sp.ID] = scope
		}
		db.SetClock(time.Now)
		scopes := func(within string, limit int) []string {
			t.Helper()
			got, err := db.ProposalsWithin(ctx, within, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, sp := range got {
				if ids[sp.ID] != sp.Scope || sp.CreatedBy != "officer" || sp.PolicyVersion != "v1" || sp.CreatedAt.Location() != time.UTC {
					t.Errorf("proposal %+v", sp)
				}
				out = append(out, sp.Scope)
			}
			return out
		}
		for _, c := range []struct {
			within string
			limit  int
			want   []string
		}{
			{"NE.DS", 100, []string{"NE.DS", "NE.DS.D01", "NE.DS"}},
			{"NE.DS", 2, []string{"NE.DS", "NE.DS.D01"}},
			{"NE.DS.D01", 100, []string{"NE.DS.D01"}},
			{"NE.DF", 100, []string{"NE.DF"}},
			{"NE", 100, []string{"NE.DS", "NE", "NE.DS.D01", "NE.DF", "NE.DS"}},
		} {
			got := scopes(c.within, c.limit)
			if len(got) != len(c.want) {
				t.Errorf("within %s (limit %d): %v, want %v", c.within, c.limit, got, c.want)
				continue
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("within %s (limit %d): %v, want %v", c.within, c.limit, got, c.want)
					break
				}
			}
		}
		if _, err := db.ProposalsWithin(ctx, "NE.XX", 10); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("an unknown area: %v", err)
		}
	})
}
