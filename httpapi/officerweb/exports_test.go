package officerweb

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// hxlTag is an HXL hashtag with its attributes: #item+type.
var hxlTag = regexp.MustCompile(`^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$`)

// readExport reads a CSV export and checks its shape: a header, an HXL
// row with a hashtag for every column, and rows as wide as the header.
func readExport(t *testing.T, res response, path string) [][]string {
	t.Helper()
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(res.header.Get("Content-Disposition"), `attachment; filename="muster-`) {
		t.Fatalf("%s: %d %s %s\n%s", path, res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"), res.body)
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %v\n%s", path, err, res.body)
	}
	for i, tag := range rows[1] {
		if !hxlTag.MatchString(tag) {
			t.Errorf("%s: column %s has HXL tag %q", path, rows[0][i], tag)
		}
	}
	return rows
}

// columnValues returns the values of the named column of an export's rows.
func columnValues(rows [][]string, name string) []string {
	i := slices.Index(rows[0], name)
	var out []string
	for _, r := range rows[2:] {
		if i >= 0 {
			out = append(out, r[i])
		}
	}
	return out
}

// TestCSVExports: every list's CSV parses, carries an HXL hashtag for
// every column, holds the jurisdiction's rows of the list, and nothing
// personal beyond what the list shows.
func TestCSVExports(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		officer, reviewer := f.as(t, "niger.officer"), f.as(t, "niger.reviewer")
		for _, c := range []struct {
			who      *client
			path     string
			column   string
			want     []string
			personal []string // values that must not be in the file
		}{
			{officer, "/o/needs.csv", "need_id", []string{"N-DS-1", "N-DF-1"}, nil},
			{officer, "/o/dashboard.csv", "area_code", []string{"NE.DS", "NE.DF"}, nil},
			{officer, "/o/orders.csv", "code", []string{f.issuedDS.String(), f.draftDS.String(), f.handedDS.String()}, []string{"DS0002", "DS0001"}},
			{officer, "/o/orders.csv?state=returned", "code", nil, nil},
			{f.as(t, "dosso.officer"), "/o/orders.csv?state=issued", "code", []string{f.issuedDS.String()}, []string{f.issuedDF.String()}},
			{reviewer, "/o/persons.csv?search=1&area=NE.DS", "national_id", []string{"DS0000", "DS0005"}, []string{"1990-03-01", "DF0001"}},
			{reviewer, "/o/organisations.csv", "org_id", []string{"ORG-DS", "ORG-DF", "ORG-DS-GEN"}, nil},
			{reviewer, "/o/resources.csv?area=NE.DS", "resource_id", []string{"T-DS1", "G-DS1", "M-DS4"}, []string{"DS0004", "T-DF1"}},
			{reviewer, "/o/claims.csv", "ground", []string{"medical"}, []string{"Certificat"}},
			{reviewer, "/o/claims.csv?state=appealed", "decision", []string{"reject_claim"}, nil},
			{f.as(t, "niger.treasurer"), "/o/claims.csv", "ground", []string{""}, []string{"medical"}},
		} {
			rows := readExport(t, f.get(t, c.who, c.path), c.path)
			got := columnValues(rows, c.column)
			for _, want := range c.want {
				if !slices.Contains(got, want) {
					t.Errorf("%s: column %s lacks %q: %v", c.path, c.column, want, got)
				}
			}
			if c.want == nil && len(got) != 0 {
				t.Errorf("%s: %d rows, want none", c.path, len(got))
			}
			file := f.get(t, c.who, c.path).body
			for _, p := range c.personal {
				if strings.Contains(file, p) {
					t.Errorf("%s holds %q", c.path, p)
				}
			}
		}
		// A persons' export is recorded, with its filters.
		before := accessCount(t, db)
		f.get(t, reviewer, "/o/persons.csv?search=1&skill=driver")
		if log := accessLog(t, db, before); len(log) != 1 || log[0].Action != "persons.export" || log[0].Subject != "web export skill=driver" {
			t.Errorf("access log %+v", log)
		}
		// Exports are filtered like their lists, and refuse what they refuse.
		for _, path := range []string{"/o/orders.csv?state=nowhere", "/o/claims.csv?state=issued", "/o/persons.csv?status=x"} {
			if res := f.get(t, officer, path); res.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", path, res.status)
			}
		}
		if res := f.get(t, f.as(t, "dosso.officer"), "/o/resources.csv?area=NE.DF"); res.status != http.StatusForbidden {
			t.Errorf("Diffa's resources from Dosso: %d", res.status)
		}
	})
}

// TestOrdersCSVPages: an export holds every page of its list, read from
// the store a thousand rows at a time.
func TestOrdersCSVPages(t *testing.T) {
	db := sqlstore.OpenTest(t, t.TempDir()+"/muster.db")
	f := newFixture(t, db)
	var drafts []order.Order
	for i := range 1100 {
		drafts = append(drafts, order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: fmt.Sprintf("DS%04d", i%6)},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne"}, Deadline: time.Now().AddDate(0, 1, 0),
			LegalBasis: "Loi 2026-01", Authority: "NE-MOB", Reason: "renfort"})
	}
	if _, err := db.DraftOrders(t.Context(), drafts, order.Actor{Role: auth.Officer, Name: "niger.officer"}); err != nil {
		t.Fatal(err)
	}
	rows := readExport(t, f.get(t, f.as(t, "niger.officer"), "/o/orders.csv"), "/o/orders.csv")
	if want := 2 + 1100 + 6; len(rows) != want {
		t.Errorf("orders CSV: %d rows, want %d", len(rows), want)
	}
	seen := map[string]bool{}
	for _, id := range columnValues(rows, "order_id") {
		if seen[id] {
			t.Errorf("order %s twice", id)
		}
		seen[id] = true
	}
}

// TestNeedsGeoJSON: needs as GeoJSON features, placed where they were
// filed, else at their area's label point, else on its shape.
func TestNeedsGeoJSON(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		deadline := time.Now().AddDate(0, 1, 0)
		n := func(id, areaCode string) need.Need {
			return need.Need{ID: id, Unit: "Protection civile", Type: "food.millet", Quantity: 500, Area: areaCode, Deadline: deadline, Priority: 3,
				Justification: "vivres", LegalBasis: "Décret 2026-114"}
		}
		if _, err := db.FileNeeds(t.Context(), []need.Need{n("N-LABEL", "NE.DS.D01"), n("N-SHAPE", "NE")}, "seed"); err != nil {
			t.Fatal(err)
		}
		res := f.get(t, f.as(t, "niger.officer"), "/o/needs.geojson?state=open")
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("GeoJSON: %d %s", res.status, res.header.Get("Content-Type"))
		}
		var fc struct {
			Type     string
			Features []struct {
				Type     string
				ID       string
				Geometry struct {
					Type        string
					Coordinates json.RawMessage
				}
				Properties map[string]any
			}
		}
		if err := json.Unmarshal([]byte(res.body), &fc); err != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("GeoJSON: %v\n%s", err, res.body)
		}
		got := map[string]string{}
		for _, ft := range fc.Features {
			if ft.Type != "Feature" || ft.Properties["need_id"] != ft.ID || ft.Properties["state"] != "open" {
				t.Errorf("feature %+v", ft)
			}
			got[ft.ID] = fmt.Sprint(ft.Properties["location_source"], " ", ft.Geometry.Type, " ", string(ft.Geometry.Coordinates))
		}
		for id, want := range map[string]string{"N-DS-1": "need Point [3.2,13.05]", "N-LABEL": "area_label Point [3.2,13]",
			"N-SHAPE": "area_geometry Polygon [[[0.2,11.7],"} {
			if !strings.HasPrefix(got[id], want) {
				t.Errorf("%s: %q, want %q…", id, got[id], want)
			}
		}
		if len(fc.Features) != 5 {
			t.Errorf("%d features, want the 5 open needs", len(fc.Features))
		}
		// A Dosso officer's: Dosso's needs only.
		res = f.get(t, f.as(t, "dosso.officer"), "/o/needs.geojson")
		if strings.Contains(res.body, "N-DF-1") || !strings.Contains(res.body, "N-DS-1") {
			t.Errorf("Dosso's GeoJSON:\n%s", res.body)
		}
	})
}
