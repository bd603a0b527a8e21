package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// CreateUser adds an officer with an argon2id password hash. A taken name
// is a conflict.
func (db *DB) CreateUser(ctx context.Context, u auth.User, passwordHash string) (auth.User, error) {
	if err := auth.ValidateName(u.Name); err != nil {
		return u, err
	}
	areaID, err := db.areaID(ctx, u.Area)
	if err != nil {
		return u, err
	}
	err = db.sql.QueryRowContext(ctx, db.rebind(`INSERT INTO users (name, role, area_id, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), u.Name, string(u.Role), areaID, passwordHash, db.now().UTC()).Scan(&u.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return u, muster.Errorf(muster.Conflict, "user %s already exists", u.Name)
		}
		return u, fmt.Errorf("create user %s: %w", u.Name, err)
	}
	return u, nil
}

// SetPassword replaces a user's password hash.
func (db *DB) SetPassword(ctx context.Context, name, passwordHash string) error {
	res, err := db.sql.ExecContext(ctx, db.rebind(`UPDATE users SET password_hash = ? WHERE name = ?`), passwordHash, name)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return muster.Errorf(muster.NotFound, "no user %s", name)
	}
	return nil
}

const userColumns = `u.id, u.name, u.role, a.code`

// UserByName returns a user and their password hash.
func (db *DB) UserByName(ctx context.Context, name string) (auth.User, string, error) {
	var u auth.User
	var hash string
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT `+userColumns+`, u.password_hash
		FROM users u JOIN areas a ON a.id = u.area_id WHERE u.name = ?`), name).Scan(&u.ID, &u.Name, &u.Role, &u.Area, &hash)
	return u, hash, notFound(err, "no user %s", name)
}

// Users lists every user.
func (db *DB) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+userColumns+` FROM users u JOIN areas a ON a.id = u.area_id ORDER BY u.name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		var u auth.User
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.Area); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateSession records a bearer token (by its hash) for a user until
// expires.
func (db *DB) CreateSession(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.rebind(`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)`),
		tokenHash, userID, expires.UTC())
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns the user a live token belongs to; an unknown or
// expired token is unauthorized.
func (db *DB) SessionUser(ctx context.Context, tokenHash []byte) (auth.User, error) {
	var u auth.User
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT `+userColumns+` FROM sessions s
		JOIN users u ON u.id = s.user_id JOIN areas a ON a.id = u.area_id
		WHERE s.token_hash = ? AND s.expires_at > ?`), tokenHash, db.now().UTC()).Scan(&u.ID, &u.Name, &u.Role, &u.Area)
	if err != nil {
		if muster.ErrorKind(notFound(err, "")) == muster.NotFound {
			return u, muster.Errorf(muster.Unauthorized, "token unknown or expired; log in again")
		}
		return u, fmt.Errorf("session: %w", err)
	}
	return u, nil
}

// DeleteSession ends a session (logout).
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.sql.ExecContext(ctx, db.rebind(`DELETE FROM sessions WHERE token_hash = ?`), tokenHash)
	return err
}

// LogAccess records that a user read personal data: what they did and
// whose record (by row reference, never by name).
func (db *DB) LogAccess(ctx context.Context, userID int64, action, subject string) error {
	_, err := db.sql.ExecContext(ctx, db.rebind(`INSERT INTO access_log (at, user_id, action, subject) VALUES (?, ?, ?, ?)`),
		db.now().UTC(), userID, action, subject)
	if err != nil {
		return fmt.Errorf("record access: %w", err)
	}
	return nil
}

// AccessEntry is one recorded read of personal data.
type AccessEntry struct {
	At      time.Time `json:"at"`
	User    string    `json:"user"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
}

// AccessLog returns the most recent recorded reads, newest first.
func (db *DB) AccessLog(ctx context.Context, limit int) ([]AccessEntry, error) {
	rows, err := db.sql.QueryContext(ctx, db.rebind(fmt.Sprintf(`SELECT l.at, u.name, l.action, l.subject
		FROM access_log l JOIN users u ON u.id = l.user_id ORDER BY l.id DESC LIMIT %d`, clampLimit(limit))))
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	defer rows.Close()
	var out []AccessEntry
	for rows.Next() {
		var e AccessEntry
		if err := rows.Scan(&e.At, &e.User, &e.Action, &e.Subject); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// isUniqueViolation recognizes a unique-constraint failure on either
// engine without importing their error types.
func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
