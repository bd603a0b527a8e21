package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

// Blind-index domains: the same value indexed in two domains gives two
// unrelated indexes.
const (
	nidDomain         = "person.national_id"
	personPhoneDomain = "person.phone"
)

var personUpsert = upsert{
	table: "persons",
	cols:  []string{"nid_index", "personal", "sex", "area_id", "skills", "status", "rank", "language", "phone_index", "updated_at"},
}

// phoneIndex is the blind index of a person's phone number, nil for none.
func (db *DB) phoneIndex(phone string) []byte {
	if phone == "" {
		return nil
	}
	return db.keys.Index(personPhoneDomain, phone)
}

// NationalIDIndex is the blind index under which a national ID is stored.
func (db *DB) NationalIDIndex(nationalID string) []byte {
	return db.keys.Index(nidDomain, nationalID)
}

// UpsertPersons inserts or updates persons by national ID, in one
// transaction, sealing their personal fields. Every area must exist.
func (db *DB) UpsertPersons(ctx context.Context, persons []registry.Person) error {
	write, err := db.PreparePersons(ctx, persons)
	if err != nil {
		return err
	}
	return write(ctx)
}

// PreparePersons does the CPU work of UpsertPersons (sealing, ordering)
// and returns the database work: an importer seals one batch while the
// previous one is written.
func (db *DB) PreparePersons(ctx context.Context, persons []registry.Person) (func(context.Context) error, error) {
	rows, err := db.PersonRows(ctx, persons)
	if err != nil {
		return nil, err
	}
	return db.prepareWrite(personUpsert, rows), nil
}

// PersonRows returns the column values UpsertPersons writes for persons,
// personal fields sealed.
func (db *DB) PersonRows(ctx context.Context, persons []registry.Person) ([][]any, error) {
	rows := make([][]any, len(persons))
	now := db.now().UTC()
	for i, p := range persons {
		areaID, err := db.areaID(ctx, p.Area)
		if err != nil {
			return nil, fmt.Errorf("person %s: %w", p.NationalID, err)
		}
		idx := db.NationalIDIndex(p.NationalID)
		rows[i] = []any{
			idx,
			db.sealPersonal(idx, personal{p.NationalID, p.GivenName, p.FamilyName, p.BirthDate.Format(registry.DateLayout), p.Phone}),
			string(p.Sex), areaID, joinSkills(p.Skills), string(p.Status), p.Rank, p.Language, db.phoneIndex(p.Phone), now,
		}
	}
	return rows, nil
}

func joinSkills(skills []string) string {
	if len(skills) == 0 {
		return ""
	}
	return ";" + strings.Join(skills, ";") + ";"
}

func splitSkills(s string) []string {
	return registry.ParseSkills(s)
}

// PersonFilter selects persons. Within is the caller's jurisdiction (an
// area code whose subtree is visible); the other fields narrow the search.
type PersonFilter struct {
	Within     string
	Area       string // a subtree, like Within
	NationalID string
	Status     registry.Status
	Skill      string
	After      int64 // keyset cursor: the Next of the previous page
	Limit      int
}

// Page is one page of a listing; Next, when not zero, is the After of the
// following page.
type Page[T any] struct {
	Items []T
	Next  int64
}

const personColumns = `p.id, p.nid_index, p.personal, p.sex, a.code, p.skills, p.status, p.rank, p.language`

// Person returns the person with the given national ID if they live within
// the given jurisdiction; otherwise not found, so that a search outside
// one's jurisdiction does not even tell whether the person exists.
func (db *DB) Person(ctx context.Context, nationalID, within string) (registry.Person, error) {
	page, err := db.ListPersons(ctx, PersonFilter{Within: within, NationalID: nationalID, Limit: 1})
	if err != nil {
		return registry.Person{}, err
	}
	if len(page.Items) == 0 {
		return registry.Person{}, muster.Errorf(muster.NotFound, "no person %s in your jurisdiction", nationalID)
	}
	return page.Items[0], nil
}

// ListPersons returns persons matching f, in a stable order.
func (db *DB) ListPersons(ctx context.Context, f PersonFilter) (Page[registry.Person], error) {
	q := `SELECT ` + personColumns + ` FROM persons p JOIN areas a ON a.id = p.area_id WHERE p.id > ?`
	args := []any{f.After}
	for _, root := range []string{f.Within, f.Area} {
		if root == "" {
			continue
		}
		clause, arg, err := db.withinClause(ctx, "p.area_id", root)
		if err != nil {
			return Page[registry.Person]{}, err
		}
		q += " AND " + clause
		args = append(args, arg...)
	}
	if f.NationalID != "" {
		q += ` AND p.nid_index = ?`
		args = append(args, db.NationalIDIndex(f.NationalID))
	}
	if f.Status != "" {
		q += ` AND p.status = ?`
		args = append(args, string(f.Status))
	}
	if f.Skill != "" {
		q += ` AND p.skills LIKE ?`
		args = append(args, "%;"+f.Skill+";%")
	}
	limit := clampLimit(f.Limit)
	q += fmt.Sprintf(` ORDER BY p.id LIMIT %d`, limit+1)
	rows, err := db.sql.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return Page[registry.Person]{}, fmt.Errorf("list persons: %w", err)
	}
	defer rows.Close()
	var page Page[registry.Person]
	var lastID int64
	for rows.Next() {
		if len(page.Items) == limit {
			page.Next = lastID
			break
		}
		p, id, err := db.scanPerson(rows)
		if err != nil {
			return Page[registry.Person]{}, err
		}
		page.Items = append(page.Items, p)
		lastID = id
	}
	return page, rows.Err()
}

func (db *DB) scanPerson(s interface{ Scan(...any) error }) (registry.Person, int64, error) {
	var (
		p                   registry.Person
		id                  int64
		idx, sealed         []byte
		sex, skills, status string
	)
	if err := s.Scan(&id, &idx, &sealed, &sex, &p.Area, &skills, &status, &p.Rank, &p.Language); err != nil {
		return p, 0, fmt.Errorf("read person: %w", err)
	}
	pf, err := db.openPersonal(idx, sealed)
	if err != nil {
		return p, 0, muster.Wrap(muster.Internal, err, "person row %d", id)
	}
	p.NationalID, p.GivenName, p.FamilyName, p.Phone = pf.nationalID, pf.givenName, pf.familyName, pf.phone
	if p.BirthDate, err = registry.ParseDate(pf.birthDate); err != nil {
		return p, 0, muster.Wrap(muster.Internal, err, "person row %d: birth date", id)
	}
	p.Sex, p.Status, p.Skills = registry.Sex(sex), registry.Status(status), splitSkills(skills)
	return p, id, nil
}

// ExistingNationalIDs returns which of the given national IDs are in the
// registry (anywhere: importers check owners, not visibility).
func (db *DB) ExistingNationalIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	byIndex := make(map[string]string, len(ids))
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		idx := db.NationalIDIndex(id)
		byIndex[string(idx)] = id
		args = append(args, idx)
	}
	found := make(map[string]bool, len(ids))
	err := db.inChunks(ctx, `SELECT nid_index FROM persons WHERE nid_index IN `, args, func(rows *sql.Rows) error {
		var idx []byte
		if err := rows.Scan(&idx); err != nil {
			return err
		}
		found[byIndex[string(idx)]] = true
		return nil
	})
	return found, err
}

// inChunks runs query (ending in "IN ") over args in chunks that stay under
// every database's parameter limit, calling each for every row.
func (db *DB) inChunks(ctx context.Context, query string, args []any, each func(*sql.Rows) error) error {
	return db.inChunksQ(ctx, db.sql, query, args, each)
}

// inChunksQ is inChunks on a given handle (a transaction).
func (db *DB) inChunksQ(ctx context.Context, q querier, query string, args []any, each func(*sql.Rows) error) error {
	const chunk = 500
	for start := 0; start < len(args); start += chunk {
		part := args[start:min(start+chunk, len(args))]
		rows, err := q.QueryContext(ctx, db.rebind(query+placeholders(1, len(part))), part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}
