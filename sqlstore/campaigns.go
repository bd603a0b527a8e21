package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/campaign"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// Campaign states: a campaign is created as a draft, committed when its
// eligible list is frozen and the seed's commitment is logged, and drawn
// when the seed is revealed.
const (
	CampaignDraft     = "draft"
	CampaignCommitted = "committed"
	CampaignDrawn     = "drawn"
)

// Campaign is a call-up campaign as stored.
type Campaign struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Scope     string           `json:"scope"`     // area whose residents may be called
	Condition string           `json:"condition"` // CEL over person, on top of liability; "" for none
	Targets   campaign.Targets `json:"targets"`
	Force     string           `json:"force,omitempty"` // the force target its call-ups count towards
	State     string           `json:"state"`
	CreatedBy string           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`

	PolicyVersion string `json:"policy_version,omitempty"`
	PolicyHash    string `json:"policy_hash,omitempty"`
	CommitText    string `json:"commit,omitempty"` // the published commitment (campaign.CommitStatement's text)
	CommitIndex   int64  `json:"commit_log_index,omitempty"`
	RevealText    string `json:"reveal,omitempty"`
	RevealIndex   int64  `json:"reveal_log_index,omitempty"`
}

// CreateCampaign stores a new draft campaign.
func (db *DB) CreateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	if err := c.Targets.Validate(); err != nil {
		return c, err
	}
	if strings.TrimSpace(c.Name) == "" || len(c.Name) > 200 {
		return c, muster.Errorf(muster.Invalid, "name: 1 to 200 characters")
	}
	if _, err := db.areaID(ctx, c.Scope); err != nil {
		return c, muster.Wrap(muster.Invalid, err, "scope")
	}
	if c.Force != "" {
		if _, err := db.forceTarget(ctx, c.Force); err != nil {
			return c, muster.Wrap(muster.Invalid, err, "force")
		}
	}
	now := db.now().UTC()
	c.ID, c.State, c.CreatedAt = "C-"+order.NewID(now), CampaignDraft, now
	targets, err := json.Marshal(c.Targets)
	if err != nil {
		return c, err
	}
	_, err = db.sql.ExecContext(ctx, db.rebind(`INSERT INTO campaigns (id, name, scope, condition, targets, force, state, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), c.ID, c.Name, c.Scope, c.Condition, string(targets), c.Force, c.State, c.CreatedBy, now)
	return c, err
}

// Campaign returns one campaign.
func (db *DB) Campaign(ctx context.Context, id string) (Campaign, error) {
	return db.loadCampaign(ctx, db.sql, id)
}

func (db *DB) loadCampaign(ctx context.Context, q querier, id string) (Campaign, error) {
	var (
		c                        Campaign
		targets                  string
		commitIndex, revealIndex sql.NullInt64
	)
	err := q.QueryRowContext(ctx, db.rebind(`SELECT id, name, scope, condition, targets, force, state, created_by, created_at,
		policy_version, policy_hash, commit_text, commit_index, reveal_text, reveal_index FROM campaigns WHERE id = ?`), id).Scan(
		&c.ID, &c.Name, &c.Scope, &c.Condition, &targets, &c.Force, &c.State, &c.CreatedBy, &c.CreatedAt,
		&c.PolicyVersion, &c.PolicyHash, &c.CommitText, &commitIndex, &c.RevealText, &revealIndex)
	if err != nil {
		return c, notFound(err, "no campaign %s", id)
	}
	c.CreatedAt, c.CommitIndex, c.RevealIndex = c.CreatedAt.UTC(), commitIndex.Int64, revealIndex.Int64
	if err := json.Unmarshal([]byte(targets), &c.Targets); err != nil {
		return c, muster.Wrap(muster.Internal, err, "campaign %s: targets", id)
	}
	return c, nil
}

// Campaigns lists the campaigns, newest first.
func (db *DB) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM campaigns ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Campaign, 0, len(ids))
	for _, id := range ids {
		c, err := db.Campaign(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Eligibility decides whether a resident of a campaign's scope may be
// called up by it (policy liability and the campaign's condition).
type Eligibility func(p registry.Person) (bool, error)

// FreezeCampaign freezes the eligible list of a draft campaign and
// commits to it: every resident of its scope whom eligible accepts becomes
// an entry (their addressee reference, area path and skills), a fresh seed
// is drawn, and the commitment (list root, seed hash, the public beacon
// the draw will mix in, targets, policy version) is appended to the
// transparency log. The entries, the sealed
// seed and the commitment are stored in the same transaction.
func (db *DB) FreezeCampaign(ctx context.Context, id, policyVersion, policyHash, beacon string, eligible Eligibility) (Campaign, error) {
	c, err := db.Campaign(ctx, id)
	if err != nil {
		return c, err
	}
	if c.State != CampaignDraft {
		return c, muster.Errorf(muster.Conflict, "campaign %s is %s: its list is frozen already", id, c.State)
	}
	tree, err := db.AreaTree(ctx)
	if err != nil {
		return c, err
	}
	entries, personIDs, err := db.eligibleEntries(ctx, c.Scope, tree, eligible)
	if err != nil {
		return c, err
	}
	list, err := campaign.Freeze(entries)
	if err != nil {
		return c, fmt.Errorf("campaign %s: %w", id, err)
	}
	seed, err := campaign.NewSeed()
	if err != nil {
		return c, err
	}
	commit, err := campaign.NewCommit(c.ID, policyVersion, db.now(), list, seed, beacon, c.Targets)
	if err != nil {
		return c, err
	}
	text, err := commit.MarshalText()
	if err != nil {
		return c, err
	}
	entry, err := commit.LogEntry()
	if err != nil {
		return c, err
	}
	err = db.inTx(ctx, func(tx *dbTx) error {
		idx, err := db.transparencyLog(tx).Append(ctx, entry)
		if err != nil {
			return err
		}
		rows := make([][]any, list.Len())
		for i := range list.Len() {
			e := list.Entry(i)
			rows[i] = []any{c.ID, i, e.Ref, e.Area, strings.Join(e.Skills, ";"), personIDs[e.Ref]}
		}
		if err := db.insertMany(ctx, tx, "campaign_entries", []string{"campaign_id", "idx", "ref", "area", "skills", "person_id"}, rows); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE campaigns SET state = ?, policy_version = ?, policy_hash = ?, seed_sealed = ?,
			commit_text = ?, commit_index = ? WHERE id = ? AND state = ?`), CampaignCommitted, policyVersion, policyHash,
			db.keys.Seal(seed[:], []byte("campaigns.seed|"+c.ID)), string(text), int64(idx), c.ID, CampaignDraft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return muster.Errorf(muster.Conflict, "campaign %s changed meanwhile", id)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	return db.Campaign(ctx, id)
}

// eligibleEntries reads every resident of scope, keeps those eligible
// accepts, and returns their entries and, by entry ref, their row ids.
func (db *DB) eligibleEntries(ctx context.Context, scope string, tree *area.Tree, eligible Eligibility) ([]campaign.Entry, map[string]int64, error) {
	var entries []campaign.Entry
	ids := map[string]int64{}
	paths := map[string]string{}
	err := db.eachPerson(ctx, scope, func(p registry.Person, id int64) error {
		ok, err := eligible(p)
		if err != nil || !ok {
			return err
		}
		path, seen := paths[p.Area]
		if !seen {
			if path, err = campaign.AreaPath(tree, p.Area); err != nil {
				return err
			}
			paths[p.Area] = path
		}
		ref := db.AddresseeRef(registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID})
		entries = append(entries, campaign.Entry{Ref: ref, Area: path, Skills: p.Skills})
		ids[ref] = id
		return nil
	})
	return entries, ids, err
}

// eachPerson calls fn for every person living within the area, in row
// order, a thousand rows per query.
func (db *DB) eachPerson(ctx context.Context, within string, fn func(p registry.Person, id int64) error) error {
	clause, args, err := db.withinClause(ctx, "p.area_id", within)
	if err != nil {
		return err
	}
	q := db.rebind(`SELECT ` + personColumns + ` FROM persons p JOIN areas a ON a.id = p.area_id WHERE p.id > ? AND ` + clause + ` ORDER BY p.id LIMIT 1000`)
	for after := int64(0); ; {
		rows, err := db.sql.QueryContext(ctx, q, append([]any{after}, args...)...)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			p, id, err := db.scanPerson(rows)
			if err == nil {
				err = fn(p, id)
			}
			if err != nil {
				rows.Close()
				return err
			}
			after, n = id, n+1
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n < 1000 {
			return nil
		}
	}
}

// CampaignEntries returns the frozen eligible list of a committed or
// drawn campaign, in list order: the file a campaign publishes so that
// anyone can recompute its root and its draw. It holds no names.
func (db *DB) CampaignEntries(ctx context.Context, id string) ([]campaign.Entry, error) {
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT ref, area, skills FROM campaign_entries WHERE campaign_id = ? ORDER BY idx`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []campaign.Entry
	for rows.Next() {
		var e campaign.Entry
		var skills string
		if err := rows.Scan(&e.Ref, &e.Area, &skills); err != nil {
			return nil, err
		}
		if skills != "" {
			e.Skills = strings.Split(skills, ";")
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DrawCampaign draws a committed campaign: the stored list is frozen
// again and must give the committed root (a row changed since the
// commitment stops the draw), the seed is unsealed and mixed with the
// beacon's value (nil when the commitment names no beacon), the draw is
// made, and the reveal (seed, beacon value and result digest) is appended
// to the log with the selection stored, in one transaction.
func (db *DB) DrawCampaign(ctx context.Context, id string, beaconValue []byte) (Campaign, *campaign.Result, error) {
	c, err := db.Campaign(ctx, id)
	if err != nil {
		return c, nil, err
	}
	if c.State != CampaignCommitted {
		return c, nil, muster.Errorf(muster.Conflict, "campaign %s is %s, not committed", id, c.State)
	}
	commit, err := campaign.ParseCommit([]byte(c.CommitText))
	if err != nil {
		return c, nil, muster.Wrap(muster.Internal, err, "campaign %s: stored commitment", id)
	}
	entries, err := db.CampaignEntries(ctx, id)
	if err != nil {
		return c, nil, err
	}
	list, err := campaign.Freeze(entries)
	if err != nil {
		return c, nil, muster.Wrap(muster.Internal, err, "campaign %s: stored list", id)
	}
	if list.Root() != commit.ListRoot || list.Len() != commit.ListSize {
		return c, nil, muster.Errorf(muster.Internal, "campaign %s: the stored eligible list (%d entries, root %s) is not the committed one (%d, %s): it was changed after the commitment",
			id, list.Len(), list.Root(), commit.ListSize, commit.ListRoot)
	}
	var sealed []byte
	if err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT seed_sealed FROM campaigns WHERE id = ?`), id).Scan(&sealed); err != nil {
		return c, nil, err
	}
	opened, err := db.keys.Open(sealed, []byte("campaigns.seed|"+id))
	if err != nil || len(opened) != len(campaign.Seed{}) {
		return c, nil, muster.Errorf(muster.Internal, "campaign %s: the sealed seed does not open", id)
	}
	var seed campaign.Seed
	copy(seed[:], opened)
	res, err := campaign.Draw(campaign.DrawKey(seed, beaconValue), list, commit.Targets)
	if err != nil {
		return c, nil, err
	}
	reveal, err := campaign.NewReveal(commit, db.now(), seed, beaconValue, res)
	if err != nil {
		return c, nil, err
	}
	text, err := reveal.MarshalText()
	if err != nil {
		return c, nil, err
	}
	entry, err := reveal.LogEntry()
	if err != nil {
		return c, nil, err
	}
	err = db.inTx(ctx, func(tx *dbTx) error {
		idx, err := db.transparencyLog(tx).Append(ctx, entry)
		if err != nil {
			return err
		}
		up, err := tx.PrepareContext(ctx, db.rebind(`UPDATE campaign_entries SET selected = ?, target = ? WHERE campaign_id = ? AND idx = ?`))
		if err != nil {
			return err
		}
		defer up.Close()
		for pos, s := range res.Selected {
			if _, err := up.ExecContext(ctx, pos, s.Target, id, s.Index); err != nil {
				return err
			}
		}
		r, err := tx.ExecContext(ctx, db.rebind(`UPDATE campaigns SET state = ?, reveal_text = ?, reveal_index = ? WHERE id = ? AND state = ?`),
			CampaignDrawn, string(text), int64(idx), id, CampaignCommitted)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return muster.Errorf(muster.Conflict, "campaign %s changed meanwhile", id)
		}
		return nil
	})
	if err != nil {
		return c, nil, err
	}
	c, err = db.Campaign(ctx, id)
	return c, res, err
}

// CampaignSelected returns the persons a drawn campaign selected, in
// selection order, with the target each counts for: the addressees of
// its call-up orders.
func (db *DB) CampaignSelected(ctx context.Context, id string) ([]registry.Person, []int, error) {
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT e.target, `+personColumns+` FROM campaign_entries e
		JOIN persons p ON p.id = e.person_id JOIN areas a ON a.id = p.area_id
		WHERE e.campaign_id = ? AND e.selected IS NOT NULL ORDER BY e.selected`), id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var persons []registry.Person
	var targets []int
	for rows.Next() {
		var target int
		p, _, err := db.scanPerson(prefixScanner{rows, []any{&target}})
		if err != nil {
			return nil, nil, err
		}
		persons = append(persons, p)
		targets = append(targets, target)
	}
	return persons, targets, rows.Err()
}

// prefixScanner scans the first columns of a row into pre and hands the
// rest to the caller's Scan.
type prefixScanner struct {
	rows *sql.Rows
	pre  []any
}

func (s prefixScanner) Scan(dest ...any) error { return s.rows.Scan(append(s.pre, dest...)...) }
