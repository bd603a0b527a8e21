package fund

import (
	"cmp"
	"slices"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
)

// Report is the fund's public account: what came in, where it went, what
// compensation is owed and paid, as of one transparency-log checkpoint. It
// is computed from transfers alone (accounts, amounts, months), which the
// log's ledger leaves carry, so anyone can recompute it; Checks are the
// identities the totals must satisfy, each with both of its sides.
type Report struct {
	Currency   string            `json:"currency"`
	Checkpoint Checkpoint        `json:"checkpoint"`
	Totals     Totals            `json:"totals"`
	Months     []MonthTotals     `json:"months"`
	Channels   []ChannelTotals   `json:"channels"`
	Programmes []ProgrammeTotals `json:"programmes"`
	Checks     []Check           `json:"checks"`
	// Named lists recent contributions whose contributors chose to be
	// named; it comes from the store, not from the log, which never holds
	// a name.
	Named []Named `json:"named"`
	// Transfers is how many fund transfers were counted; Unclassified how
	// many of them fit no use case (a check fails if any does); Outside
	// how many transfers between accounts outside the fund were left out.
	Transfers    int64 `json:"transfers"`
	Unclassified int64 `json:"unclassified"`
	Outside      int64 `json:"outside"`
}

// Checkpoint is the transparency-log state a report was computed at: the
// transfers it counts are the ledger leaves among the first Size leaves.
type Checkpoint struct {
	Size     uint64 `json:"size"`
	RootHash []byte `json:"root_hash"`      // base64 in JSON
	Note     string `json:"note,omitempty"` // the signed checkpoint (C2SP signed note), if one was signed at Size
}

// Totals are the report's headline figures. Flows (contributions,
// allocated, spent, compensation owed and paid) are sums of transfers by
// what they did, net of reversals; balances (held, unallocated,
// programmes, outstanding) are sums of accounts.
type Totals struct {
	Contributions    int64 `json:"contributions"`
	Allocated        int64 `json:"allocated"`
	Spent            int64 `json:"spent"`
	CompensationOwed int64 `json:"compensation_owed"`
	CompensationPaid int64 `json:"compensation_paid"`
	Held             int64 `json:"held"`
	Unallocated      int64 `json:"unallocated"`
	Programmes       int64 `json:"programmes"`
	Outstanding      int64 `json:"outstanding"`
	// OrdersOwed counts the orders with compensation booked, and
	// OrdersSettled those of them paid in full.
	OrdersOwed    int64 `json:"orders_owed"`
	OrdersSettled int64 `json:"orders_settled"`
}

// MonthTotals are the flows of one calendar month (UTC), "2006-01".
type MonthTotals struct {
	Month            string `json:"month"`
	Contributions    int64  `json:"contributions"`
	Allocated        int64  `json:"allocated"`
	Spent            int64  `json:"spent"`
	CompensationOwed int64  `json:"compensation_owed"`
	CompensationPaid int64  `json:"compensation_paid"`
}

// ChannelTotals are the flows through one channel and what it holds.
type ChannelTotals struct {
	Channel          Channel `json:"channel"`
	Contributions    int64   `json:"contributions"`
	Spent            int64   `json:"spent"`
	CompensationPaid int64   `json:"compensation_paid"`
	MovedIn          int64   `json:"moved_in"`
	MovedOut         int64   `json:"moved_out"`
	Held             int64   `json:"held"`
}

// ProgrammeTotals are one programme's allocations, what it spent (for the
// compensation programme: the compensation it paid) and its balance.
type ProgrammeTotals struct {
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	Allocated int64  `json:"allocated"`
	Spent     int64  `json:"spent"`
	Balance   int64  `json:"balance"`
}

// Check is one identity of the report: Left must equal Right.
type Check struct {
	Name  string `json:"name"`
	Left  int64  `json:"left"`
	Right int64  `json:"right"`
	Holds bool   `json:"holds"`
}

// Named is a contribution whose contributor chose to be named.
type Named struct {
	Name    string  `json:"name"`
	Date    string  `json:"date"` // 2006-01-02, UTC
	Amount  int64   `json:"amount"`
	Channel Channel `json:"channel"`
}

// OK reports whether every check holds.
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if !c.Holds {
			return false
		}
	}
	return true
}

// Flow is a number of transfers between the same two accounts in the same
// month, with their summed amount: a store aggregates transfers into flows
// in SQL, and a Tally treats one flow exactly as its transfers.
type Flow struct {
	Debit, Credit string
	Month         string // "2006-01"
	Amount        int64
	Count         int64
}

// Kind is what a transfer did, read from its two accounts.
type Kind int

// The kinds of fund transfer. Funded is the second leg of a payment, from
// the compensation programme to the expense.
const (
	Unclassified Kind = iota
	Contributed
	Allocated
	Spent
	Owed
	Paid
	Funded
	Moved
)

// Classify tells what a transfer from credit to debit did, and its sign:
// +1 for the movement itself, −1 for its mirror (a reversal or a refund).
func Classify(debit, credit string) (Kind, int64) {
	d, c := Parse(debit), Parse(credit)
	if k := classify(d, c); k != Unclassified {
		return k, 1
	}
	if k := classify(c, d); k != Unclassified && k != Moved {
		return k, -1
	}
	return Unclassified, 0
}

func classify(d, c Ref) Kind {
	switch {
	case d.Role == Holding && c.Role == Unallocated:
		return Contributed
	case d.Role == Unallocated && c.Role == Programme:
		return Allocated
	case d.Role == Programme && d.Programme != CompensationProgramme && c.Role == Holding:
		return Spent
	case d.Role == Expense && c.Role == Payable:
		return Owed
	case d.Role == Payable && c.Role == Holding:
		return Paid
	case d.Role == Programme && d.Programme == CompensationProgramme && c.Role == Expense:
		return Funded
	case d.Role == Holding && c.Role == Holding && d.Channel != c.Channel:
		return Moved
	}
	return Unclassified
}

// Month is the report month of a time: "2006-01" in UTC.
func Month(t time.Time) string { return t.UTC().Format("2006-01") }

type sums struct{ debits, credits int64 }

type payable struct{ owed, paid int64 }

// Tally accumulates transfers (or flows) into a Report. The zero value is
// not usable; use NewTally.
type Tally struct {
	accounts   map[string]*sums
	months     map[string]*MonthTotals
	channels   map[Channel]*ChannelTotals
	programmes map[string]*ProgrammeTotals
	payables   map[string]*payable
	totals     Totals
	count      int64
	unclass    int64
	outside    int64
	overflow   bool
	// The month of the last transfer added, and its key.
	lastYear  int
	lastMonth time.Month
	lastKey   string
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{accounts: map[string]*sums{}, months: map[string]*MonthTotals{}, channels: map[Channel]*ChannelTotals{},
		programmes: map[string]*ProgrammeTotals{}, payables: map[string]*payable{}}
}

// Add counts one transfer.
func (t *Tally) Add(tr ledger.Transfer) error {
	// Transfers come mostly in time order: reuse the month's string.
	at := tr.At.UTC()
	if y, m := at.Year(), at.Month(); y != t.lastYear || m != t.lastMonth || t.lastKey == "" {
		t.lastYear, t.lastMonth, t.lastKey = y, m, at.Format("2006-01")
	}
	if tr.Amount <= 0 {
		return muster.Errorf(muster.Invalid, "fund report: transfer %s has amount %d", tr.ID, tr.Amount)
	}
	t.addFlow(Flow{Debit: tr.Debit, Credit: tr.Credit, Month: t.lastKey, Amount: tr.Amount, Count: 1})
	return nil
}

// AddFlow counts a flow. A flow with a non-positive amount or count, or a
// malformed month, is muster.Invalid and counts nothing.
func (t *Tally) AddFlow(f Flow) error {
	if f.Amount <= 0 || f.Count <= 0 {
		return muster.Errorf(muster.Invalid, "fund report: flow %s → %s has amount %d over %d transfers", f.Credit, f.Debit, f.Amount, f.Count)
	}
	if m, err := time.Parse("2006-01", f.Month); err != nil || m.Format("2006-01") != f.Month {
		return muster.Errorf(muster.Invalid, "fund report: flow %s → %s has month %q, not YYYY-MM", f.Credit, f.Debit, f.Month)
	}
	t.addFlow(f)
	return nil
}

func (t *Tally) addFlow(f Flow) {
	d, c := Parse(f.Debit), Parse(f.Credit)
	if d.Role == Outside && c.Role == Outside {
		t.outside += f.Count
		return
	}
	t.count += f.Count
	if d.Role != Outside {
		t.add(&t.account(f.Debit).debits, f.Amount)
	}
	if c.Role != Outside {
		t.add(&t.account(f.Credit).credits, f.Amount)
	}
	kind, sign := Classify(f.Debit, f.Credit)
	if kind == Unclassified {
		t.unclass += f.Count
		return
	}
	a := sign * f.Amount
	m := t.month(f.Month)
	if kind == Moved {
		t.add(&t.channel(c.Channel).MovedOut, f.Amount)
		t.add(&t.channel(d.Channel).MovedIn, f.Amount)
		return
	}
	// The accounts in the roles Classify matched, whichever way this
	// flow goes: fd is the forward movement's debit, fc its credit.
	fd, fc := d, c
	if sign < 0 {
		fd, fc = c, d
	}
	switch kind {
	case Contributed:
		t.add(&t.totals.Contributions, a)
		t.add(&m.Contributions, a)
		t.add(&t.channel(fd.Channel).Contributions, a)
	case Allocated:
		t.add(&t.totals.Allocated, a)
		t.add(&m.Allocated, a)
		t.add(&t.programme(fc.Programme).Allocated, a)
	case Spent:
		t.add(&t.totals.Spent, a)
		t.add(&m.Spent, a)
		t.add(&t.channel(fc.Channel).Spent, a)
		t.add(&t.programme(fd.Programme).Spent, a)
	case Owed:
		t.add(&t.totals.CompensationOwed, a)
		t.add(&m.CompensationOwed, a)
		t.add(&t.payable(fc.Order).owed, a)
	case Paid:
		t.add(&t.totals.CompensationPaid, a)
		t.add(&m.CompensationPaid, a)
		t.add(&t.channel(fc.Channel).CompensationPaid, a)
		t.add(&t.payable(fd.Order).paid, a)
	case Funded:
		t.add(&t.programme(CompensationProgramme).Spent, a)
	}
}

// add adds v to *x, remembering an overflow (which only a forged or
// corrupt input can cause: the ledger bounds the sum of all amounts).
func (t *Tally) add(x *int64, v int64) {
	s := *x + v
	if (v > 0 && s < *x) || (v < 0 && s > *x) {
		t.overflow = true
		return
	}
	*x = s
}

func (t *Tally) account(id string) *sums {
	s := t.accounts[id]
	if s == nil {
		s = &sums{}
		t.accounts[id] = s
	}
	return s
}

func (t *Tally) month(m string) *MonthTotals {
	x := t.months[m]
	if x == nil {
		x = &MonthTotals{Month: m}
		t.months[m] = x
	}
	return x
}

func (t *Tally) channel(c Channel) *ChannelTotals {
	x := t.channels[c]
	if x == nil {
		x = &ChannelTotals{Channel: c}
		t.channels[c] = x
	}
	return x
}

func (t *Tally) programme(slug string) *ProgrammeTotals {
	x := t.programmes[slug]
	if x == nil {
		x = &ProgrammeTotals{Slug: slug}
		t.programmes[slug] = x
	}
	return x
}

func (t *Tally) payable(order string) *payable {
	x := t.payables[order]
	if x == nil {
		x = &payable{}
		t.payables[order] = x
	}
	return x
}

// balance is an account's balance by the ledger's convention.
func (t *Tally) balance(id string) int64 {
	s := t.accounts[id]
	if s == nil {
		return 0
	}
	switch Parse(id).Role {
	case Holding, Expense:
		return s.debits - s.credits
	}
	return s.credits - s.debits
}

// Report returns what was tallied. accounts names the programmes (any
// account of the chart may be given; others are ignored), so that a
// programme with no transfer yet is listed too.
func (t *Tally) Report(accounts []ledger.Account, cp Checkpoint) Report {
	r := Report{Currency: Currency, Checkpoint: cp, Totals: t.totals, Transfers: t.count, Unclassified: t.unclass, Outside: t.outside,
		Named: []Named{}}
	names := map[string]string{}
	for _, a := range accounts {
		if ref := Parse(a.ID); ref.Role == Programme {
			names[ref.Programme] = a.Name
			t.programme(ref.Programme)
		}
	}
	t.programme(CompensationProgramme)
	for _, c := range Channels {
		ch := *t.channel(c)
		ch.Held = t.balance(HoldingAccount(c))
		t.add(&r.Totals.Held, ch.Held)
		r.Channels = append(r.Channels, ch)
	}
	for _, p := range t.programmes {
		row := *p
		row.Name = names[p.Slug]
		row.Balance = t.balance(ProgrammeAccount(p.Slug))
		t.add(&r.Totals.Programmes, row.Balance)
		r.Programmes = append(r.Programmes, row)
	}
	slices.SortFunc(r.Programmes, func(a, b ProgrammeTotals) int { return cmp.Compare(a.Slug, b.Slug) })
	for _, m := range t.months {
		r.Months = append(r.Months, *m)
	}
	slices.SortFunc(r.Months, func(a, b MonthTotals) int { return cmp.Compare(a.Month, b.Month) })
	r.Totals.Unallocated = t.balance(UnallocatedAccount)
	for order, p := range t.payables {
		t.add(&r.Totals.Outstanding, t.balance(PayableAccount(order)))
		if p.owed > 0 {
			r.Totals.OrdersOwed++
			if p.owed == p.paid {
				r.Totals.OrdersSettled++
			}
		}
	}
	if r.Months == nil {
		r.Months = []MonthTotals{}
	}
	r.Checks = t.checks(r)
	return r
}

// checks are the identities a sound fund satisfies, each computed two
// independent ways: flows by what they did, balances by account.
func (t *Tally) checks(r Report) []Check {
	tot := r.Totals
	var cs []Check
	check := func(name string, left, right int64) { cs = append(cs, Check{name, left, right, left == right}) }
	check("in_minus_out_equals_held", tot.Contributions-tot.Spent-tot.CompensationPaid, tot.Held)
	check("held_equals_unallocated_plus_programmes", tot.Held, tot.Unallocated+tot.Programmes)
	check("contributions_minus_allocated_equals_unallocated", tot.Contributions-tot.Allocated, tot.Unallocated)
	check("allocated_minus_spent_minus_paid_equals_programmes", tot.Allocated-tot.Spent-tot.CompensationPaid, tot.Programmes)
	check("owed_minus_paid_equals_outstanding", tot.CompensationOwed-tot.CompensationPaid, tot.Outstanding)
	check("outstanding_equals_compensation_expense", tot.Outstanding, t.balance(CompensationExpense))
	var m MonthTotals
	for _, x := range r.Months {
		m.Contributions += x.Contributions
		m.Allocated += x.Allocated
		m.Spent += x.Spent
		m.CompensationOwed += x.CompensationOwed
		m.CompensationPaid += x.CompensationPaid
	}
	check("months_add_up_to_contributions", m.Contributions, tot.Contributions)
	check("months_add_up_to_allocated", m.Allocated, tot.Allocated)
	check("months_add_up_to_spent", m.Spent, tot.Spent)
	check("months_add_up_to_compensation_owed", m.CompensationOwed, tot.CompensationOwed)
	check("months_add_up_to_compensation_paid", m.CompensationPaid, tot.CompensationPaid)
	var c ChannelTotals
	for _, x := range r.Channels {
		c.Contributions += x.Contributions
		c.Spent += x.Spent
		c.CompensationPaid += x.CompensationPaid
		c.MovedIn += x.MovedIn
		c.MovedOut += x.MovedOut
		check("channel_"+string(x.Channel)+"_in_minus_out_equals_held",
			x.Contributions-x.Spent-x.CompensationPaid+x.MovedIn-x.MovedOut, x.Held)
	}
	check("channels_add_up_to_contributions", c.Contributions, tot.Contributions)
	check("channels_add_up_to_spent", c.Spent, tot.Spent)
	check("channels_add_up_to_compensation_paid", c.CompensationPaid, tot.CompensationPaid)
	check("moves_in_equal_moves_out", c.MovedIn, c.MovedOut)
	var p ProgrammeTotals
	for _, x := range r.Programmes {
		p.Allocated += x.Allocated
		p.Spent += x.Spent
		check("programme_"+x.Slug+"_allocated_minus_spent_equals_balance", x.Allocated-x.Spent, x.Balance)
	}
	check("programmes_add_up_to_allocated", p.Allocated, tot.Allocated)
	check("programmes_add_up_to_spent_and_paid", p.Spent, tot.Spent+tot.CompensationPaid)
	check("every_transfer_classified", r.Unclassified, 0)
	overflow := int64(0)
	if t.overflow {
		overflow = 1
	}
	check("no_sum_overflows", overflow, 0)
	return cs
}

// Compute is the report of a list of transfers: a Tally of them all.
func Compute(transfers []ledger.Transfer, accounts []ledger.Account, cp Checkpoint) (Report, error) {
	t := NewTally()
	for _, tr := range transfers {
		if err := t.Add(tr); err != nil {
			return Report{}, err
		}
	}
	return t.Report(accounts, cp), nil
}
