package ledger

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/muster-org/muster"
)

// entry is an account with the running sums of what was debited to and
// credited from it. Keeping both sums, rather than one signed balance,
// lets Check compare each against a recomputation.
type entry struct {
	acct    Account
	debits  int64
	credits int64
}

func (e *entry) balance() int64 {
	// Both sums are at most Book.total ≤ MaxInt64, so neither difference
	// can overflow.
	if e.acct.Kind.debitNormal() {
		return e.debits - e.credits
	}
	return e.credits - e.debits
}

// Book is an in-memory ledger: accounts, their balances and the transfers
// in the order they were applied. It is safe for concurrent use; each Apply
// is serialised, which is what makes a batch atomic to other callers.
type Book struct {
	mu         sync.Mutex
	accounts   map[string]*entry
	log        []Transfer
	index      map[string]int    // transfer id → position in log
	reversedBy map[string]string // transfer id → id of its reversal
	groups     map[string]int    // link group → position of its first transfer
	// total is the sum of the amounts of all transfers. Refusing any
	// transfer that would overflow it bounds every debit and credit sum,
	// and so every balance, by MaxInt64.
	total int64
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{
		accounts:   map[string]*entry{},
		index:      map[string]int{},
		reversedBy: map[string]string{},
		groups:     map[string]int{},
	}
}

// Open adds an account. Opening an existing account again with the same
// fields is a no-op, so that a setup script can be re-run; with different
// fields it is muster.Conflict, since accounts, like transfers, are not
// edited once in use.
func (b *Book) Open(a Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.accounts[a.ID]; ok {
		if e.acct != a {
			return muster.Errorf(muster.Conflict, "account %s exists with different fields", a.ID)
		}
		return nil
	}
	b.accounts[a.ID] = &entry{acct: a}
	return nil
}

// Account returns the account with the given id.
func (b *Book) Account(id string) (Account, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.accounts[id]
	if !ok {
		return Account{}, false
	}
	return e.acct, true
}

// Accounts returns all accounts, sorted by id.
func (b *Book) Accounts() []Account {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Account, 0, len(b.accounts))
	for _, e := range b.accounts {
		out = append(out, e.acct)
	}
	slices.SortFunc(out, func(x, y Account) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Balance returns the balance of an account by the usual convention:
// debits − credits for assets and expenses, credits − debits for
// liabilities, income and equity. An unknown account has balance 0.
func (b *Book) Balance(id string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.accounts[id]; ok {
		return e.balance()
	}
	return 0
}

// Transfer returns the applied transfer with the given id.
func (b *Book) Transfer(id string) (Transfer, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, ok := b.index[id]
	if !ok {
		return Transfer{}, false
	}
	return b.log[i], true
}

// Transfers returns the applied transfers in the order they were applied.
func (b *Book) Transfers() []Transfer {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.log)
}

// Len returns the number of applied transfers.
func (b *Book) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.log)
}

// Apply applies a batch of transfers, in order, all or nothing: if any
// transfer is refused, none of the batch is applied and the error names
// the first refused one. The whole batch is the unit of atomicity, which is
// the simplest rule that makes linked transfers succeed or fail together:
// send a link group in one batch. A new transfer naming a link group that
// an earlier batch committed is muster.Conflict, so a group is never
// reopened.
//
// A transfer whose id is already applied, by an earlier batch or earlier in
// this one, with the same content is a retry: it succeeds without moving
// money again. With different content it is muster.Conflict. applied holds
// only the transfers newly applied by this call, so a store persists, and
// the transparency log records, each transfer exactly once.
//
// No-overdraft accounts are checked after each transfer, not only at the
// end of the batch: the batch is a sequence of real movements, and one
// that would spend money before it arrives is refused whatever follows.
//
// A transfer that Reverses another must mirror it (debit and credit
// swapped, same amount and currency), and a transfer is reversed at most
// once.
//
// Errors: muster.Invalid for a malformed transfer, a currency mismatch, a
// reversal that does not mirror, or an amount that would overflow the
// ledger's totals; muster.NotFound for an unknown account or reversed
// transfer; muster.Conflict for a changed retry, an overdraft, a second
// reversal or a reopened link group.
func (b *Book) Apply(batch []Transfer) (applied []Transfer, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	start := len(b.log)
	for i, t := range batch {
		if err := b.apply(start, t); err != nil {
			b.rollback(start)
			return nil, &muster.Error{Kind: muster.ErrorKind(err), Message: "batch[" + itoa(i) + "]: " + muster.ErrorMessage(err)}
		}
	}
	return slices.Clone(b.log[start:]), nil
}

// apply applies one transfer of a batch whose first transfer, if any, is
// at position start of the log. On error the book may hold the transfer
// (an overdraft is found after the move); the caller rolls back.
func (b *Book) apply(start int, t Transfer) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if i, ok := b.index[t.ID]; ok {
		if b.log[i].Same(t) {
			return nil
		}
		return muster.Errorf(muster.Conflict, "transfer %s already exists with different content", t.ID)
	}
	d, ok := b.accounts[t.Debit]
	if !ok {
		return muster.Errorf(muster.NotFound, "transfer %s: no account %s", t.ID, t.Debit)
	}
	c, ok := b.accounts[t.Credit]
	if !ok {
		return muster.Errorf(muster.NotFound, "transfer %s: no account %s", t.ID, t.Credit)
	}
	if d.acct.Currency != t.Currency || c.acct.Currency != t.Currency {
		return muster.Errorf(muster.Invalid, "transfer %s: currency %s does not match accounts (%s, %s)", t.ID, t.Currency, d.acct.Currency, c.acct.Currency)
	}
	if t.Amount > math.MaxInt64-b.total {
		return muster.Errorf(muster.Invalid, "transfer %s: amount %d would overflow the ledger's totals", t.ID, t.Amount)
	}
	if t.Reverses != "" {
		i, ok := b.index[t.Reverses]
		if !ok {
			return muster.Errorf(muster.NotFound, "transfer %s reverses unknown transfer %s", t.ID, t.Reverses)
		}
		x := b.log[i]
		if t.Debit != x.Credit || t.Credit != x.Debit || t.Amount != x.Amount || t.Currency != x.Currency {
			return muster.Errorf(muster.Invalid, "transfer %s does not mirror the transfer %s it reverses", t.ID, x.ID)
		}
		if by, ok := b.reversedBy[x.ID]; ok {
			return muster.Errorf(muster.Conflict, "transfer %s is already reversed by %s", x.ID, by)
		}
	}
	if t.Linked != "" {
		if i, ok := b.groups[t.Linked]; ok && i < start {
			return muster.Errorf(muster.Conflict, "transfer %s: link group %s was committed by an earlier batch", t.ID, t.Linked)
		}
	}

	d.debits += t.Amount
	c.credits += t.Amount
	b.total += t.Amount
	b.index[t.ID] = len(b.log)
	if t.Reverses != "" {
		b.reversedBy[t.Reverses] = t.ID
	}
	if _, ok := b.groups[t.Linked]; t.Linked != "" && !ok {
		b.groups[t.Linked] = len(b.log)
	}
	b.log = append(b.log, t)
	for _, e := range [2]*entry{d, c} {
		if e.acct.NoOverdraft && e.balance() < 0 {
			return muster.Errorf(muster.Conflict, "transfer %s would overdraw account %s by %d", t.ID, e.acct.ID, -e.balance())
		}
	}
	return nil
}

// rollback undoes, newest first, the transfers applied since position start.
func (b *Book) rollback(start int) {
	for i := len(b.log) - 1; i >= start; i-- {
		t := b.log[i]
		b.accounts[t.Debit].debits -= t.Amount
		b.accounts[t.Credit].credits -= t.Amount
		b.total -= t.Amount
		delete(b.index, t.ID)
		if t.Reverses != "" {
			delete(b.reversedBy, t.Reverses)
		}
		if t.Linked != "" && b.groups[t.Linked] == i {
			delete(b.groups, t.Linked)
		}
	}
	clear(b.log[start:]) // drop references for the garbage collector
	b.log = b.log[:start]
}
