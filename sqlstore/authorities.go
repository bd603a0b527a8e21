package sqlstore

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/trust"
)

// Authority is an issuing office: it signs the orders of its jurisdiction.
type Authority struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Area string `json:"area"`
}

// CreateAuthority adds an issuing authority. A taken code is a conflict.
func (db *DB) CreateAuthority(ctx context.Context, a Authority) error {
	areaID, err := db.areaID(ctx, a.Area)
	if err != nil {
		return err
	}
	_, err = db.sql.ExecContext(ctx, db.rebind(`INSERT INTO authorities (code, name, area_id, created_at) VALUES (?, ?, ?, ?)`),
		a.Code, a.Name, areaID, db.now().UTC())
	if err != nil && isUniqueViolation(err) {
		return muster.Errorf(muster.Conflict, "authority %s already exists", a.Code)
	}
	return err
}

// Authorities lists the issuing authorities.
func (db *DB) Authorities(ctx context.Context) ([]Authority, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT au.code, au.name, a.code FROM authorities au JOIN areas a ON a.id = au.area_id ORDER BY au.code`)
	if err != nil {
		return nil, fmt.Errorf("authorities: %w", err)
	}
	defer rows.Close()
	var out []Authority
	for rows.Next() {
		var a Authority
		if err := rows.Scan(&a.Code, &a.Name, &a.Area); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func keyAAD(keyID string) []byte { return []byte("authority_keys.private|" + keyID) }

// AddKey stores an authority's signing key; the private half is sealed
// with the master key.
func (db *DB) AddKey(ctx context.Context, k trust.Key, priv ed25519.PrivateKey) error {
	var authorityID int64
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT id FROM authorities WHERE code = ?`), k.Authority).Scan(&authorityID)
	if err != nil {
		return notFound(err, "no authority %s", k.Authority)
	}
	_, err = db.sql.ExecContext(ctx, db.rebind(`INSERT INTO authority_keys (key_id, authority_id, public_key, private_key, not_before, not_after, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), k.ID, authorityID, []byte(k.Public), db.keys.Seal(priv, keyAAD(k.ID)),
		k.NotBefore.UTC(), k.NotAfter.UTC(), db.now().UTC())
	if err != nil && isUniqueViolation(err) {
		return muster.Errorf(muster.Conflict, "key %s already exists", k.ID)
	}
	return err
}

// RevokeKey marks a key revoked from the given time: orders it signed
// before still verify, later ones do not.
func (db *DB) RevokeKey(ctx context.Context, keyID string, at time.Time) error {
	res, err := db.sql.ExecContext(ctx, db.rebind(`UPDATE authority_keys SET revoked_at = ? WHERE key_id = ?`), at.UTC(), keyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return muster.Errorf(muster.NotFound, "no key %s", keyID)
	}
	return nil
}

const keyColumns = `k.key_id, au.code, k.public_key, k.not_before, k.not_after, k.revoked_at`

func scanKey(s interface{ Scan(...any) error }) (trust.Key, error) {
	var k trust.Key
	var pub []byte
	var revoked sql.NullTime
	if err := s.Scan(&k.ID, &k.Authority, &pub, &k.NotBefore, &k.NotAfter, &revoked); err != nil {
		return k, err
	}
	k.Public = ed25519.PublicKey(pub)
	if revoked.Valid {
		t := revoked.Time
		k.Revoked = &t
	}
	return k, nil
}

// Keys returns every authority key, for the trust list.
func (db *DB) Keys(ctx context.Context) ([]trust.Key, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+keyColumns+` FROM authority_keys k JOIN authorities au ON au.id = k.authority_id ORDER BY au.code, k.not_before`)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer rows.Close()
	var out []trust.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// signingKey returns the key an authority signs with at a given time: not
// revoked, valid then, and the most recent such key.
func (db *DB) signingKey(ctx context.Context, q querier, authority string, at time.Time) (trust.Key, ed25519.PrivateKey, error) {
	row := q.QueryRowContext(ctx, db.rebind(`SELECT `+keyColumns+`, k.private_key FROM authority_keys k
		JOIN authorities au ON au.id = k.authority_id
		WHERE au.code = ? AND k.revoked_at IS NULL AND k.not_before <= ? AND k.not_after > ?
		ORDER BY k.not_before DESC, k.created_at DESC LIMIT 1`), authority, at.UTC(), at.UTC())
	var k trust.Key
	var pub, sealed []byte
	var revoked sql.NullTime
	if err := row.Scan(&k.ID, &k.Authority, &pub, &k.NotBefore, &k.NotAfter, &revoked, &sealed); err != nil {
		return k, nil, notFound(err, "authority %s has no valid signing key; give it one with muster authority rotate", authority)
	}
	k.Public = ed25519.PublicKey(pub)
	priv, err := db.keys.Open(sealed, keyAAD(k.ID))
	if err != nil {
		return k, nil, muster.Wrap(muster.Internal, err, "signing key %s does not open", k.ID)
	}
	return k, ed25519.PrivateKey(priv), nil
}
