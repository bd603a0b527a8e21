package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/tlog"
)

// StoredPolicy is a policy version as muster loaded it.
type StoredPolicy struct {
	Version  string    `json:"version"`
	Hash     string    `json:"hash"`
	LoadedBy string    `json:"loaded_by"`
	LoadedAt time.Time `json:"loaded_at"`
	LogIndex uint64    `json:"log_index"`
}

// LoadPolicy makes the policy file body the active policy: it is parsed
// (a bad file is refused with its line), stored whole, and its version
// and SHA-256 are published in the transparency log in the same
// transaction, so that anyone can check which rules were in force when.
// Loading a file already loaded is a conflict: go back to an earlier
// version by loading it under a new version name.
func (db *DB) LoadPolicy(ctx context.Context, name string, body []byte, by string) (StoredPolicy, error) {
	p, err := policy.Parse(name, body)
	if err != nil {
		return StoredPolicy{}, err
	}
	sp := StoredPolicy{Version: p.Version, Hash: p.Hash, LoadedBy: by, LoadedAt: db.now().UTC()}
	err = db.inTx(ctx, func(tx *dbTx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.rebind(`SELECT count(*) FROM policies WHERE hash = ?`), p.Hash).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return muster.Errorf(muster.Conflict, "policy %s (sha256 %s) is already loaded", p.Version, p.Hash)
		}
		idx, err := db.transparencyLog(tx).Append(ctx, policyEntry(p.Version, p.Hash, body, sp.LoadedAt))
		if err != nil {
			return err
		}
		sp.LogIndex = idx
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO policies (version, hash, body, loaded_by, loaded_at, log_index)
			VALUES (?, ?, ?, ?, ?, ?)`), p.Version, p.Hash, body, by, sp.LoadedAt, int64(idx))
		return err
	})
	if err != nil {
		return StoredPolicy{}, err
	}
	return sp, nil
}

// ActivePolicy returns the policy in force: the last one loaded, or the
// built-in default when none has been, with how it was loaded (zero for
// the default).
func (db *DB) ActivePolicy(ctx context.Context) (*policy.Policy, StoredPolicy, error) {
	var (
		sp   StoredPolicy
		body []byte
		idx  int64
	)
	err := db.sql.QueryRowContext(ctx, `SELECT version, hash, body, loaded_by, loaded_at, log_index FROM policies
		ORDER BY id DESC LIMIT 1`).Scan(&sp.Version, &sp.Hash, &body, &sp.LoadedBy, &sp.LoadedAt, &idx)
	if err == sql.ErrNoRows {
		p := policy.Default()
		return p, StoredPolicy{Version: p.Version, Hash: p.Hash}, nil
	}
	if err != nil {
		return nil, sp, err
	}
	sp.LogIndex, sp.LoadedAt = uint64(idx), sp.LoadedAt.UTC()
	p, err := policy.Parse("policy "+sp.Version, body)
	if err != nil {
		return nil, sp, muster.Wrap(muster.Internal, err, "stored policy %s no longer parses", sp.Version)
	}
	if p.Hash != sp.Hash {
		return nil, sp, muster.Errorf(muster.Internal, "stored policy %s: its body hashes to %s, not the logged %s", sp.Version, p.Hash, sp.Hash)
	}
	return p, sp, nil
}

// Policies lists the loaded policy versions, oldest first.
func (db *DB) Policies(ctx context.Context) ([]StoredPolicy, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT version, hash, loaded_by, loaded_at, log_index FROM policies ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredPolicy
	for rows.Next() {
		var sp StoredPolicy
		var idx int64
		if err := rows.Scan(&sp.Version, &sp.Hash, &sp.LoadedBy, &sp.LoadedAt, &idx); err != nil {
			return nil, err
		}
		sp.LogIndex, sp.LoadedAt = uint64(idx), sp.LoadedAt.UTC()
		out = append(out, sp)
	}
	return out, rows.Err()
}

// PolicyBody returns the file of a loaded policy version by its hash.
func (db *DB) PolicyBody(ctx context.Context, hash string) ([]byte, error) {
	var body []byte
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT body FROM policies WHERE hash = ?`), hash).Scan(&body)
	if err != nil {
		return nil, notFound(err, "no policy with sha256 %s", hash)
	}
	return body, nil
}

// policyEntry is the log leaf that publishes a policy version: its name,
// the SHA-256 of its file, and that hash again as the leaf's data hash.
func policyEntry(version, hash string, body []byte, at time.Time) tlog.Entry {
	return tlog.Entry{Kind: "policy", Event: "loaded", At: at.UTC(),
		Data: map[string]string{"version": version, "sha256": hash}, DataHash: sha256.Sum256(body)}
}
