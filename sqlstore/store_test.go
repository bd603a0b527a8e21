package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/registry"
)

// eachDB runs test on a fresh SQLite database and, when
// MUSTER_TEST_POSTGRES holds a DSN, on a fresh PostgreSQL schema.
func eachDB(t *testing.T, test func(t *testing.T, db *DB)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, OpenTest(t, filepath.Join(t.TempDir(), "muster.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("MUSTER_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("MUSTER_TEST_POSTGRES is not set: PostgreSQL tests skipped")
		}
		test(t, OpenTest(t, dsn))
	})
}

var testAreas = []area.Area{
	{Code: "NE", Name: "Niger", Level: "country"},
	{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE", Label: &area.Point{Lat: 12.8, Lon: 3.5}, Population: 2037713},
	{Code: "NE.DS.D01", Name: "Dosso D01", Level: "department", Parent: "NE.DS"},
	{Code: "NE.DF", Name: "Diffa", Level: "region", Parent: "NE"},
}

func seedAreas(t *testing.T, db *DB) {
	t.Helper()
	if err := db.SaveAreas(context.Background(), testAreas); err != nil {
		t.Fatal(err)
	}
}

func person(nid, areaCode string) registry.Person {
	return registry.Person{NationalID: nid, GivenName: "Aïchatou", FamilyName: "Maïga-" + nid, Sex: registry.Female,
		BirthDate: time.Date(1991, 5, 17, 0, 0, 0, 0, time.UTC), Phone: "+22790112233", Area: areaCode,
		Skills: []string{"nurse", "driver"}, Status: registry.Reservist, Rank: "sergeant"}
}

func TestPersonsRoundTripAndScope(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		in := []registry.Person{person("NE0001", "NE.DS.D01"), person("NE0002", "NE.DF")}
		in[1].Phone, in[1].Skills, in[1].Status, in[1].Rank = "", nil, registry.Civilian, ""
		if err := db.UpsertPersons(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := db.Person(ctx, "NE0001", "NE.DS")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, in[0]) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, in[0])
		}
		// An officer of Dosso cannot read a person of Diffa.
		if _, err := db.Person(ctx, "NE0002", "NE.DS"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("Diffa person read from Dosso: err = %v, want not_found", err)
		}
		page, err := db.ListPersons(ctx, PersonFilter{Within: "NE.DS"})
		if err != nil || len(page.Items) != 1 || page.Items[0].NationalID != "NE0001" {
			t.Errorf("Dosso list = %+v, %v", page.Items, err)
		}
		page, _ = db.ListPersons(ctx, PersonFilter{Within: "NE", Skill: "driver"})
		if len(page.Items) != 1 {
			t.Errorf("skill search found %d, want 1", len(page.Items))
		}
		if _, err := db.ListPersons(ctx, PersonFilter{Within: "NE.XX"}); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("unknown jurisdiction: err = %v", err)
		}
	})
}

func TestUpsertIsIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		p := person("NE0001", "NE.DS")
		for range 3 {
			if err := db.UpsertPersons(ctx, []registry.Person{p}); err != nil {
				t.Fatal(err)
			}
		}
		p.FamilyName = "Souley"
		// The same key twice in one call: the later row wins.
		if err := db.UpsertPersons(ctx, []registry.Person{person("NE0001", "NE.DS"), p}); err != nil {
			t.Fatal(err)
		}
		page, _ := db.ListPersons(ctx, PersonFilter{Within: "NE"})
		if len(page.Items) != 1 || page.Items[0].FamilyName != "Souley" {
			t.Errorf("after re-imports: %+v", page.Items)
		}
	})
}

func TestPaging(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		var ps []registry.Person
		for i := range 25 {
			ps = append(ps, person(fmt.Sprintf("NE%04d", i), "NE.DS"))
		}
		if err := db.UpsertPersons(ctx, ps); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		f := PersonFilter{Within: "NE", Limit: 10}
		for pages := 0; ; pages++ {
			page, err := db.ListPersons(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Items {
				seen[p.NationalID] = true
			}
			if page.Next == 0 {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
			f.After = page.Next
		}
		if len(seen) != 25 {
			t.Errorf("paging saw %d persons, want 25", len(seen))
		}
	})
}

func TestOrganisationsAndResources(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		if err := db.UpsertPersons(ctx, []registry.Person{person("NE0001", "NE.DS")}); err != nil {
			t.Fatal(err)
		}
		orgs := []registry.Organisation{
			{OrgID: "ORG-1", Name: "Clinique de Dosso", Kind: "clinic", Area: "NE.DS", Protected: true, ProtectedReason: "health"},
			{OrgID: "ORG-2", Name: "Transports du Manga", Kind: "transporter", Area: "NE.DF"},
		}
		if err := db.UpsertOrganisations(ctx, orgs); err != nil {
			t.Fatal(err)
		}
		res := []registry.Resource{
			{ResourceID: "RES-1", Owner: registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, Type: "vehicle.pickup",
				Quantity: 1, Unit: "unit", Area: "NE.DS", Location: &area.Point{Lat: 13.05, Lon: 3.2}, Condition: "good", DeclaredValueXOF: 9_000_000},
			{ResourceID: "RES-2", Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-2"}, Type: "fuel.diesel",
				Quantity: 5000.5, Unit: "l", Area: "NE.DF", DeclaredValueXOF: 3_500_000},
		}
		if err := db.UpsertResources(ctx, res); err != nil {
			t.Fatal(err)
		}
		got, err := db.Resource(ctx, "RES-1", "NE.DS")
		if err != nil || !reflect.DeepEqual(got, res[0]) {
			t.Errorf("resource round trip: %+v, %v", got, err)
		}
		if _, err := db.Resource(ctx, "RES-2", "NE.DS"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("out-of-jurisdiction resource: %v", err)
		}
		page, _ := db.ListResources(ctx, ResourceFilter{Within: "NE", Type: "fuel"})
		if len(page.Items) != 1 || page.Items[0].ResourceID != "RES-2" || page.Items[0].Owner.String() != "org:ORG-2" {
			t.Errorf("class filter: %+v", page.Items)
		}
		owner := registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}
		page, _ = db.ListResources(ctx, ResourceFilter{Within: "NE", Owner: &owner})
		if len(page.Items) != 1 {
			t.Errorf("owner filter found %d", len(page.Items))
		}
		prot := true
		op, _ := db.ListOrganisations(ctx, OrganisationFilter{Within: "NE", Protected: &prot})
		if len(op.Items) != 1 || op.Items[0] != orgs[0] {
			t.Errorf("protected orgs: %+v", op.Items)
		}
		bad := res[0]
		bad.ResourceID, bad.Owner.ID = "RES-3", "NE9999"
		if err := db.UpsertResources(ctx, []registry.Resource{bad}); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("unknown owner: err = %v", err)
		}
		found, err := db.ExistingNationalIDs(ctx, []string{"NE0001", "NE9999"})
		if err != nil || !found["NE0001"] || found["NE9999"] {
			t.Errorf("ExistingNationalIDs = %v, %v", found, err)
		}
	})
}

func TestAreasTree(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		// Moving a department to another region moves what lies in it.
		if err := db.SaveAreas(ctx, []area.Area{{Code: "NE.DS.D01", Name: "Moved", Level: "department", Parent: "NE.DF"}}); err != nil {
			t.Fatal(err)
		}
		tree, err := db.AreaTree(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !tree.Within("NE.DS.D01", "NE.DF") || tree.Within("NE.DS.D01", "NE.DS") {
			t.Error("moved area not moved")
		}
		list, _ := db.ListAreas(ctx, AreaFilter{Within: "NE.DF"})
		if len(list) != 2 {
			t.Errorf("Diffa subtree has %d areas, want 2", len(list))
		}
		err = db.SaveAreas(ctx, []area.Area{{Code: "NE.X", Name: "X", Level: "region", Parent: "NE.NOPE"}})
		if muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("unknown parent: err = %v", err)
		}
		err = db.SaveAreas(ctx, []area.Area{{Code: "NE", Name: "Niger", Level: "country", Parent: "NE.DF"}})
		if muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("cycle: err = %v", err)
		}
		a, err := db.Area(ctx, "NE.DS")
		if err != nil || a.Label == nil || a.Population != 2037713 {
			t.Errorf("Area = %+v, %v", a, err)
		}
	})
}

func TestUsersAndSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		u, err := db.CreateUser(ctx, auth.User{Name: "dosso.registrar", Role: auth.Registrar, Area: "NE.DS"}, "$argon2id$fake")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, u, "x"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("duplicate user: err = %v", err)
		}
		tok, h := auth.NewToken()
		_ = tok
		if err := db.CreateSession(ctx, h, u.ID, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := db.SessionUser(ctx, h)
		if err != nil || got != u {
			t.Errorf("SessionUser = %+v, %v; want %+v", got, err, u)
		}
		_, h2 := auth.NewToken()
		db.CreateSession(ctx, h2, u.ID, time.Now().Add(-time.Minute))
		if _, err := db.SessionUser(ctx, h2); muster.ErrorKind(err) != muster.Unauthorized {
			t.Errorf("expired session: err = %v", err)
		}
		if err := db.LogAccess(ctx, u.ID, "persons.read", "person#1"); err != nil {
			t.Fatal(err)
		}
		log, err := db.AccessLog(ctx, 10)
		if err != nil || len(log) != 1 || log[0].User != "dosso.registrar" {
			t.Errorf("access log = %+v, %v", log, err)
		}
	})
}

// TestNoClearTextAtRest imports persons, then reads the database's own
// bytes (the SQLite file, or PostgreSQL's rows as text) and looks for
// their names, phones and IDs.
func TestNoClearTextAtRest(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		p := person("NE77441", "NE.DS")
		p.GivenName, p.FamilyName, p.Phone = "Zeinabou", "Kountché", "+22796554433"
		if err := db.UpsertPersons(ctx, []registry.Person{p}); err != nil {
			t.Fatal(err)
		}
		secrets := []string{p.GivenName, p.FamilyName, p.Phone, p.NationalID, "1991-05-17"}
		var dump []byte
		if db.dialect == sqlite {
			dump = sqliteFileBytes(t, db)
		} else {
			rows, err := db.sql.QueryContext(ctx, `SELECT p::text FROM persons p`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				dump = append(dump, s...)
			}
			rows.Close()
		}
		if len(dump) == 0 {
			t.Fatal("nothing read from the database")
		}
		for _, s := range secrets {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("%q is stored in clear text", s)
			}
		}
		if !bytes.Contains(dump, []byte("sergeant")) && db.dialect == sqlite {
			t.Error("sanity: a clear field (rank) is not found either; is the dump the database?")
		}
	})
}

func sqliteFileBytes(t *testing.T, db *DB) []byte {
	t.Helper()
	var path string
	if err := db.sql.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	// Fold the WAL into the main file so that every page is there.
	if _, err := db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err == nil {
			all = append(all, b...)
		}
	}
	return all
}
