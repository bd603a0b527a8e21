// Package ledger is the pure double-entry core of the fund and compensation
// ledger: accounts, immutable transfers and an in-memory Book that applies
// batches of transfers atomically and idempotently and can verify its own
// invariants. It knows nothing of storage or transport: a store persists
// what Apply accepted, and `muster ledger check` reports what Check finds.
package ledger

import (
	"unicode/utf8"

	"github.com/muster-org/muster"
)

// Kind is an account's kind; it decides the sign convention of its balance.
type Kind string

// The account kinds of double-entry bookkeeping.
const (
	Asset     Kind = "asset"
	Liability Kind = "liability"
	Income    Kind = "income"
	Expense   Kind = "expense"
	Equity    Kind = "equity"
)

// Valid reports whether k is one of the five account kinds.
func (k Kind) Valid() bool {
	switch k {
	case Asset, Liability, Income, Expense, Equity:
		return true
	}
	return false
}

// debitNormal reports whether a debit increases the balance of an account
// of kind k (assets and expenses); for the others a credit does.
func (k Kind) debitNormal() bool { return k == Asset || k == Expense }

// Limits on identifiers and text, so that a stored row, a transparency-log
// leaf and a CSV line stay bounded whatever a client sends.
const (
	MaxIDLen   = 128
	MaxMemoLen = 256
	MaxNameLen = 128
)

// Account is a ledger account. Its ID is a colon-separated path whose first
// segment is a lowercase category, e.g. "fund:cash", "programme:agriculture"
// or "payable:order:01J...": the category groups accounts in reports.
type Account struct {
	ID          string `json:"id"`
	Kind        Kind   `json:"kind"`
	Currency    string `json:"currency"`
	NoOverdraft bool   `json:"no_overdraft,omitempty"`
	Name        string `json:"name,omitempty"`
}

// Validate checks the account's fields; errors are muster.Invalid.
func (a Account) Validate() error {
	if !ValidAccountID(a.ID) {
		return muster.Errorf(muster.Invalid, "account %q: id must be category:name[:...] of letters, digits, '.', '_', '-', at most %d bytes", a.ID, MaxIDLen)
	}
	if !a.Kind.Valid() {
		return muster.Errorf(muster.Invalid, "account %s: kind %q is not asset, liability, income, expense or equity", a.ID, a.Kind)
	}
	if !validCurrency(a.Currency) {
		return muster.Errorf(muster.Invalid, "account %s: currency %q is not a three-letter code", a.ID, a.Currency)
	}
	if len(a.Name) > MaxNameLen || !validText(a.Name) {
		return muster.Errorf(muster.Invalid, "account %s: name must be printable UTF-8 of at most %d bytes", a.ID, MaxNameLen)
	}
	return nil
}

// ValidAccountID reports whether id is a well-formed account id: at least
// two non-empty segments separated by ':', the first of lowercase letters,
// the others of ASCII letters, digits, '.', '_' and '-'.
func ValidAccountID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLen {
		return false
	}
	segments, start := 0, 0
	for i := 0; i <= len(id); i++ {
		if i < len(id) && id[i] != ':' {
			c := id[i]
			if segments == 0 && (c < 'a' || c > 'z') {
				return false
			}
			if !idChar(c) {
				return false
			}
			continue
		}
		if i == start {
			return false // empty segment
		}
		segments++
		start = i + 1
	}
	return segments >= 2
}

// validKey reports whether s is a well-formed transfer id or link group:
// printable ASCII without spaces, so it is safe in logs, URLs and CSV.
func validKey(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idChar(s[i]) && s[i] != ':' {
			return false
		}
	}
	return true
}

func idChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

func validCurrency(c string) bool {
	return len(c) == 3 && 'A' <= c[0] && c[0] <= 'Z' && 'A' <= c[1] && c[1] <= 'Z' && 'A' <= c[2] && c[2] <= 'Z'
}

// validText reports whether s is UTF-8 without control characters, which
// would corrupt a CSV report or a terminal.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
