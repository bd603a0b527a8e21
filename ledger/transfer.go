package ledger

import (
	"time"

	"github.com/muster-org/muster"
)

// Transfer moves Amount from Credit to Debit: it debits one account and
// credits another. Transfers are immutable once applied; a correction is a
// new transfer that Reverses the wrong one.
type Transfer struct {
	// ID is chosen by the client and is the idempotency key: re-sending a
	// transfer after a timeout cannot move the money twice.
	ID       string    `json:"id"`
	Debit    string    `json:"debit"`
	Credit   string    `json:"credit"`
	Amount   int64     `json:"amount"` // in the currency's minor unit, > 0
	Currency string    `json:"currency"`
	At       time.Time `json:"at"`
	// Memo describes the movement; it is public (a transparency-log leaf)
	// and must hold no personal data.
	Memo string `json:"memo,omitempty"`
	// Linked is the id of the group of transfers applied together. Apply
	// makes its whole batch atomic, so Linked adds no rule beyond that a
	// group cannot be reopened by a later batch; it is kept for audit.
	Linked string `json:"linked,omitempty"`
	// Reverses is the id of the transfer this one undoes.
	Reverses string `json:"reverses,omitempty"`
}

// Validate checks what a transfer can be checked for alone; Book.Apply
// checks the rest against the ledger. Errors are muster.Invalid.
func (t Transfer) Validate() error {
	if !validKey(t.ID) {
		return muster.Errorf(muster.Invalid, "transfer %q: id must be 1 to %d bytes of letters, digits, '.', '_', '-', ':'", t.ID, MaxIDLen)
	}
	if t.Amount <= 0 {
		return muster.Errorf(muster.Invalid, "transfer %s: amount %d is not positive", t.ID, t.Amount)
	}
	if t.Debit == t.Credit {
		return muster.Errorf(muster.Invalid, "transfer %s: debits and credits the same account %q", t.ID, t.Debit)
	}
	if !ValidAccountID(t.Debit) || !ValidAccountID(t.Credit) {
		return muster.Errorf(muster.Invalid, "transfer %s: malformed account id", t.ID)
	}
	if !validCurrency(t.Currency) {
		return muster.Errorf(muster.Invalid, "transfer %s: currency %q is not a three-letter code", t.ID, t.Currency)
	}
	if t.At.IsZero() {
		return muster.Errorf(muster.Invalid, "transfer %s: no time", t.ID)
	}
	if len(t.Memo) > MaxMemoLen || !validText(t.Memo) {
		return muster.Errorf(muster.Invalid, "transfer %s: memo must be printable UTF-8 of at most %d bytes", t.ID, MaxMemoLen)
	}
	if t.Linked != "" && !validKey(t.Linked) {
		return muster.Errorf(muster.Invalid, "transfer %s: malformed link group %q", t.ID, t.Linked)
	}
	if t.Reverses != "" && !validKey(t.Reverses) {
		return muster.Errorf(muster.Invalid, "transfer %s: malformed reversed id %q", t.ID, t.Reverses)
	}
	if t.Reverses == t.ID {
		return muster.Errorf(muster.Invalid, "transfer %s: reverses itself", t.ID)
	}
	return nil
}

// Same reports whether t and u have the same content; times compare as
// instants, so a retry decoded in another time zone is still the same.
func (t Transfer) Same(u Transfer) bool {
	return t.ID == u.ID && t.Debit == u.Debit && t.Credit == u.Credit &&
		t.Amount == u.Amount && t.Currency == u.Currency && t.At.Equal(u.At) &&
		t.Memo == u.Memo && t.Linked == u.Linked && t.Reverses == u.Reverses
}

// Reversal returns the transfer that undoes t, with the given id and time.
func (t Transfer) Reversal(id string, at time.Time, memo string) Transfer {
	return Transfer{ID: id, Debit: t.Credit, Credit: t.Debit, Amount: t.Amount,
		Currency: t.Currency, At: at, Memo: memo, Reverses: t.ID}
}
