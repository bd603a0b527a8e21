package officerweb

import (
	"net/http"
	"strings"
	"testing"

	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// accessLog returns the access log's entries recorded since before (the
// log's length then), newest first.
func accessLog(t *testing.T, db *sqlstore.DB, before int) []sqlstore.AccessEntry {
	t.Helper()
	all, err := db.AccessLog(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return all[:len(all)-before]
}

func accessCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	return len(accessLog(t, db, 0))
}

// TestPersonSearch: the persons' search lists nothing until asked, then
// the jurisdiction's persons matching, and every listing is recorded
// with its filters, a national ID only by its blind index.
func TestPersonSearch(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := f.as(t, "niger.registrar")
		before := accessCount(t, db)
		res := f.get(t, c, "/o/persons")
		if res.status != http.StatusOK || strings.Contains(res.body, "/o/persons/DS") || !strings.Contains(res.text(), msg(fr, "persons_hint")) {
			t.Fatalf("the search before searching: %d\n%s", res.status, res.text())
		}
		if n := accessCount(t, db); n != before {
			t.Errorf("opening the search recorded %d reads", n-before)
		}
		// An empty search lists everyone of the jurisdiction.
		res = f.get(t, c, "/o/persons?search=1&national_id=&area=&status=&skill=")
		if got := strings.Count(res.body, `href="/o/persons/`); got != 7 {
			t.Errorf("an empty search shows %d persons, want 7\n%s", got, res.text())
		}
		res = f.get(t, c, "/o/persons?search=1&area=NE.DS&skill=driver&status=reservist")
		text := res.text()
		if got := strings.Count(res.body, `href="/o/persons/DS`); got != 6 || strings.Contains(text, "DF0001") ||
			!strings.Contains(text, "Famille Prénom") || !strings.Contains(text, "réserviste") {
			t.Errorf("drivers of Dosso: %d rows\n%s", got, text)
		}
		log := accessLog(t, db, before)
		if len(log) != 2 || log[0].Action != "persons.list" || log[0].User != "niger.registrar" ||
			log[0].Subject != "web list area=NE.DS status=reservist skill=driver count=6" {
			t.Errorf("access log %+v", log)
		}
		// A national ID is matched exactly and recorded by its index.
		res = f.get(t, c, "/o/persons?search=1&national_id=DS0003")
		if got := strings.Count(res.body, `href="/o/persons/`); got != 1 || !strings.Contains(res.body, `href="/o/persons/DS0003"`) {
			t.Errorf("search by national ID: %d rows\n%s", got, res.text())
		}
		last := accessLog(t, db, before)[0]
		if strings.Contains(last.Subject, "DS0003") || !strings.Contains(last.Subject, "nid_index="+f.h.nidIndex("DS0003")) {
			t.Errorf("search by national ID recorded as %q", last.Subject)
		}
		if res := f.get(t, c, "/o/persons?search=1&national_id=NOBODY"); !strings.Contains(res.text(), msg(fr, "no_persons")) {
			t.Errorf("no match:\n%s", res.text())
		}
		for _, bad := range []string{"status=sleeping", "skill=Chauffeur", "national_id=a%20b", "after=x", "area=NE.XX"} {
			if res := f.get(t, c, "/o/persons?search=1&"+bad); res.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", bad, res.status)
			}
		}
		// English.
		if res := f.get(t, c, "/o/persons?lang=en&search=1&area=NE.DF"); !strings.Contains(res.text(), "Registry of persons") ||
			!strings.Contains(res.text(), "civilian") {
			t.Errorf("in English:\n%s", res.text())
		}
	})
}

// TestPersonPage: a person's page shows their personal data, what they
// own and the orders addressed to them (to the roles that read those),
// and records the read.
func TestPersonPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		before := accessCount(t, db)
		res := f.get(t, f.as(t, "niger.officer"), "/o/persons/DS0004")
		text := res.text()
		for _, want := range []string{"Prénom Famille", "DS0004", "1990-03-05", "femme", "Dosso D01", "driver", msg(fr, "read_recorded"),
			"M-DS4", "food.millet", "800 kg", msg(fr, "orders_addressed")} {
			if !strings.Contains(text, want) {
				t.Errorf("person's page lacks %q:\n%s", want, text)
			}
		}
		log := accessLog(t, db, before)
		if len(log) != 1 || log[0].Action != "persons.read" || log[0].Subject != "web nid_index="+f.h.nidIndex("DS0004") {
			t.Errorf("access log %+v", log)
		}
		// Their orders, for a role that reads orders.
		if text := f.get(t, f.as(t, "niger.reviewer"), "/o/persons/DS0003").text(); !strings.Contains(text, f.claimedDS.String()) ||
			!strings.Contains(text, "réclamation") {
			t.Errorf("the orders of DS0003:\n%s", text)
		}
		// A registrar does not read orders: no such section.
		if text := f.get(t, f.as(t, "niger.registrar"), "/o/persons/DS0003").text(); strings.Contains(text, msg(fr, "orders_addressed")) ||
			strings.Contains(text, f.claimedDS.String()) {
			t.Errorf("a registrar sees orders:\n%s", text)
		}
		// Outside the jurisdiction, and a malformed ID.
		dosso := f.as(t, "dosso.officer")
		if res := f.get(t, dosso, "/o/persons/DF0001"); res.status != http.StatusNotFound || strings.Contains(res.text(), "DF0001") {
			t.Errorf("a person of Diffa from Dosso: %d\n%s", res.status, res.text())
		}
		if res := f.get(t, dosso, "/o/persons/a%20b"); res.status != http.StatusBadRequest {
			t.Errorf("a malformed national ID: %d", res.status)
		}
		if res := f.get(t, f.as(t, "niger.officer"), "/o/persons/DS0004?lang=en"); !strings.Contains(res.text(), "Date of birth") {
			t.Errorf("in English:\n%s", res.text())
		}
	})
}

// TestOrganisationsAndResources: the organisations' and resources' lists
// and pages, a person owner named by reference in lists, and the read of
// a person owner recorded.
func TestOrganisationsAndResources(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		officer := f.as(t, "niger.officer")
		res := f.get(t, officer, "/o/organisations?area=NE.DS")
		if text := res.text(); !strings.Contains(text, "Transports du Dallol") || !strings.Contains(text, "Énergie du Dallol") ||
			strings.Contains(text, "Manga") || !strings.Contains(text, "service public") {
			t.Errorf("organisations of Dosso:\n%s", text)
		}
		if res := f.get(t, officer, "/o/organisations?kind=utility"); strings.Count(res.body, `href="/o/organisations/`) != 1 {
			t.Errorf("utilities:\n%s", res.text())
		}
		for _, bad := range []string{"kind=bakery", "protected=maybe", "area=NE.XX"} {
			if res := f.get(t, officer, "/o/organisations?"+bad); res.status != http.StatusBadRequest {
				t.Errorf("organisations?%s: %d", bad, res.status)
			}
		}
		// An organisation with what it owns and the orders addressed to it.
		text := f.get(t, officer, "/o/organisations/ORG-DS-GEN").text()
		for _, want := range []string{"Énergie du Dallol", "G-DS1", "equipment.generator", f.handedDS.String(), "exécuté"} {
			if !strings.Contains(text, want) {
				t.Errorf("organisation's page lacks %q:\n%s", want, text)
			}
		}
		// Resources: a person owner by reference, nothing recorded.
		before := accessCount(t, db)
		ref := db.AddresseeRef(registry.Owner{Kind: registry.OwnerPerson, ID: "DS0004"})
		res = f.get(t, officer, "/o/resources?area=NE.DS")
		if text := res.text(); !strings.Contains(text, "M-DS4") || !strings.Contains(text, "personne "+ref) || strings.Contains(res.body, "DS0004") ||
			!strings.Contains(text, "T-DS1") || strings.Contains(text, "T-DF1") {
			t.Errorf("resources of Dosso:\n%s", text)
		}
		if res := f.get(t, officer, "/o/resources?type=vehicle"); strings.Count(res.body, `href="/o/resources/`) != 5 {
			t.Errorf("vehicles:\n%s", res.text())
		}
		if n := accessCount(t, db); n != before {
			t.Errorf("a resources list without a person owner recorded %d reads", n-before)
		}
		// Filtering on a person owner says what they own: recorded.
		res = f.get(t, officer, "/o/resources?owner=person:DS0004")
		if strings.Count(res.body, `href="/o/resources/`) != 1 {
			t.Errorf("resources of DS0004:\n%s", res.text())
		}
		log := accessLog(t, db, before)
		if len(log) != 1 || log[0].Action != "resources.list" || log[0].Subject != "web list owner_nid_index="+f.h.nidIndex("DS0004")+" count=1" {
			t.Errorf("access log %+v", log)
		}
		for _, bad := range []string{"owner=DS0004", "type=vehicle.rocket", "after=-1"} {
			if res := f.get(t, officer, "/o/resources?"+bad); res.status != http.StatusBadRequest {
				t.Errorf("resources?%s: %d", bad, res.status)
			}
		}
		// A resource owned by a person names them, and that is recorded.
		before = accessCount(t, db)
		res = f.get(t, officer, "/o/resources/M-DS4")
		if text := res.text(); !strings.Contains(text, "DS0004") || !strings.Contains(res.body, `href="/o/persons/DS0004"`) ||
			!strings.Contains(text, "240 000 XOF") && !strings.Contains(text, "240\u202f000 XOF") {
			t.Errorf("resource M-DS4:\n%s", text)
		}
		log = accessLog(t, db, before)
		if len(log) != 1 || log[0].Action != "resources.read" || log[0].Subject != "web resource=M-DS4 owner_nid_index="+f.h.nidIndex("DS0004") {
			t.Errorf("access log %+v", log)
		}
		// The generator's page lists the order that took it; a truck's none.
		if text := f.get(t, officer, "/o/resources/G-DS1").text(); !strings.Contains(text, f.handedDS.String()) {
			t.Errorf("the generator's orders:\n%s", text)
		}
		if text := f.get(t, officer, "/o/resources/T-DS1").text(); !strings.Contains(text, msg(fr, "no_orders")) {
			t.Errorf("a truck never taken:\n%s", text)
		}
		// Outside the jurisdiction.
		dosso := f.as(t, "dosso.officer")
		for _, path := range []string{"/o/organisations/ORG-DF", "/o/resources/T-DF1"} {
			if res := f.get(t, dosso, path); res.status != http.StatusNotFound {
				t.Errorf("%s from Dosso: %d", path, res.status)
			}
		}
		for _, path := range []string{"/o/organisations?area=NE.DF", "/o/resources?area=NE.DF", "/o/persons?area=NE.DF"} {
			if res := f.get(t, dosso, path); res.status != http.StatusForbidden {
				t.Errorf("%s from Dosso: %d", path, res.status)
			}
		}
		if text := f.get(t, dosso, "/o/resources").text(); strings.Contains(text, "T-DF1") || !strings.Contains(text, "T-DS1") {
			t.Errorf("Dosso's resources:\n%s", text)
		}
		// Roles that read organisations only see the registry through them.
		auditor := f.get(t, f.as(t, "niger.auditor"), "/o/organisations?lang=en")
		if !strings.Contains(auditor.body, `<a href="/o/organisations" aria-current="page">Registry</a>`) ||
			strings.Contains(auditor.body, `href="/o/persons"`) || strings.Contains(auditor.body, `href="/o/resources"`) {
			t.Errorf("an auditor's registry:\n%s", auditor.body)
		}
	})
}
