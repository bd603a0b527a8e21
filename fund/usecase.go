package fund

import (
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
)

// The use cases. Each turns what the treasurer (or a provider's webhook)
// states into the ledger transfers that record it, with ids derived from a
// key the caller chooses, so that sending the same thing twice is a retry
// and moves no money twice.
//
// A zero At is left zero for the store to fill in: with the time of the
// stored transfer of the same id if there is one (so that a retry without
// a time is still the same transfer), else with its clock.

// MaxKeyLen bounds an idempotency key, so that every transfer id derived
// from it fits ledger.MaxIDLen.
const MaxKeyLen = 64

// ValidKey reports whether k can be an idempotency key: 1 to 64 ASCII
// letters, digits, '.', '_' and '-'.
func ValidKey(k string) bool {
	if len(k) == 0 || len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkKey(what, key string) error {
	if !ValidKey(key) {
		return muster.Errorf(muster.Invalid, "%s: id %q must be 1 to %d letters, digits, '.', '_' or '-'", what, key, MaxKeyLen)
	}
	return nil
}

func checkAmount(what string, amount int64) error {
	if amount <= 0 {
		return muster.Errorf(muster.Invalid, "%s: amount %d is not a positive number of %s", what, amount, Currency)
	}
	return nil
}

func checkMemo(what, memo string, required bool) error {
	if required && strings.TrimSpace(memo) == "" {
		return muster.Errorf(muster.Invalid, "%s: say what it is for (memo); it is public", what)
	}
	probe := ledger.Transfer{ID: "x", Debit: "a:b", Credit: "a:c", Amount: 1, Currency: Currency, At: time.Unix(1, 0), Memo: memo}
	if probe.Validate() != nil {
		return muster.Errorf(muster.Invalid, "%s: memo must be printable text of at most %d bytes", what, ledger.MaxMemoLen)
	}
	return nil
}

func checkProgramme(what, slug string) error {
	if !ValidSlug(slug) {
		return muster.Errorf(muster.Invalid, "%s: %q is not a programme slug", what, slug)
	}
	return nil
}

// Contribution is money given to the fund.
type Contribution struct {
	// Key identifies a contribution recorded by a treasurer; it is empty
	// for one notified by a mobile-money provider, which ProviderTx
	// identifies instead.
	Key     string
	Channel Channel
	Amount  int64
	At      time.Time
	// Contributor is the contributor's name, set only when they chose to
	// be named. It is never part of a transfer, so never in the log.
	Contributor string
	// Provider and ProviderTx name a mobile-money provider and its
	// transaction id (webhook contributions).
	Provider   string
	ProviderTx string
}

// TransferID is the id of the contribution's transfer: "ctb:<key>", or
// "mm:<provider>:<transaction id>" for a provider's notification.
func (c Contribution) TransferID() string {
	if c.Provider != "" {
		return "mm:" + c.Provider + ":" + c.ProviderTx
	}
	return "ctb:" + c.Key
}

// Validate checks the contribution's fields; errors are muster.Invalid.
func (c Contribution) Validate() error {
	if c.Provider != "" {
		if c.Key != "" {
			return muster.Errorf(muster.Invalid, "contribution: a provider's contribution is identified by its transaction id, not a key")
		}
		if !ValidSlug(c.Provider) {
			return muster.Errorf(muster.Invalid, "contribution: provider %q is not a provider name", c.Provider)
		}
		if !ValidKey(c.ProviderTx) {
			return muster.Errorf(muster.Invalid, "contribution: transaction id %q must be 1 to %d letters, digits, '.', '_' or '-'", c.ProviderTx, MaxKeyLen)
		}
		if c.Channel != MobileMoney {
			return muster.Errorf(muster.Invalid, "contribution: a provider's contribution comes by mobile_money, not %s", c.Channel)
		}
	} else {
		if c.ProviderTx != "" {
			return muster.Errorf(muster.Invalid, "contribution: a transaction id needs its provider")
		}
		if err := checkKey("contribution", c.Key); err != nil {
			return err
		}
	}
	if _, err := ParseChannel(string(c.Channel)); err != nil {
		return muster.Errorf(muster.Invalid, "contribution: %s", muster.ErrorMessage(err))
	}
	if err := checkAmount("contribution", c.Amount); err != nil {
		return err
	}
	if c.Contributor != "" {
		if err := ValidName(c.Contributor); err != nil {
			return err
		}
	}
	return nil
}

// ValidName checks a contributor's name: printable text of at most
// ledger.MaxNameLen bytes, not blank, not padded.
func ValidName(name string) error {
	a := ledger.Account{ID: "a:b", Kind: ledger.Asset, Currency: Currency, Name: name}
	if strings.TrimSpace(name) != name || name == "" || a.Validate() != nil {
		return muster.Errorf(muster.Invalid, "contributor name must be printable text of 1 to %d bytes without surrounding spaces", ledger.MaxNameLen)
	}
	return nil
}

// Contribute records a contribution: its holding is debited, the
// unallocated balance credited. The memo names the channel only.
func Contribute(c Contribution) ([]ledger.Transfer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return []ledger.Transfer{{ID: c.TransferID(), Debit: HoldingAccount(c.Channel), Credit: UnallocatedAccount,
		Amount: c.Amount, Currency: Currency, At: c.At, Memo: "contribution by " + string(c.Channel)}}, nil
}

// Allocation gives unallocated money to a programme.
type Allocation struct {
	Key       string
	Programme string // slug
	Amount    int64
	At        time.Time
	Memo      string // public
}

// Allocate records an allocation. The unallocated balance cannot go below
// zero, so only money that came in can be allocated.
func Allocate(a Allocation) ([]ledger.Transfer, error) {
	if err := checkKey("allocation", a.Key); err != nil {
		return nil, err
	}
	if err := checkProgramme("allocation", a.Programme); err != nil {
		return nil, err
	}
	if err := checkAmount("allocation", a.Amount); err != nil {
		return nil, err
	}
	if err := checkMemo("allocation", a.Memo, false); err != nil {
		return nil, err
	}
	memo := a.Memo
	if memo == "" {
		memo = "allocation to " + a.Programme
	}
	return []ledger.Transfer{{ID: "alc:" + a.Key, Debit: UnallocatedAccount, Credit: ProgrammeAccount(a.Programme),
		Amount: a.Amount, Currency: Currency, At: a.At, Memo: memo}}, nil
}

// Spending is money a programme pays out.
type Spending struct {
	Key       string
	Programme string // slug
	Channel   Channel
	Amount    int64
	At        time.Time
	Memo      string // what it paid for; public, so no personal data
}

// Spend records spending: the programme is debited and the holding the
// money leaves from credited; neither may go below zero. Compensation is
// not spent this way but paid to an order's payable (Pay).
func Spend(s Spending) ([]ledger.Transfer, error) {
	if err := checkKey("spending", s.Key); err != nil {
		return nil, err
	}
	if err := checkProgramme("spending", s.Programme); err != nil {
		return nil, err
	}
	if s.Programme == CompensationProgramme {
		return nil, muster.Errorf(muster.Invalid, "spending: the compensation programme pays orders' compensation only (fund pay)")
	}
	if _, err := ParseChannel(string(s.Channel)); err != nil {
		return nil, muster.Errorf(muster.Invalid, "spending: %s", muster.ErrorMessage(err))
	}
	if err := checkAmount("spending", s.Amount); err != nil {
		return nil, err
	}
	if err := checkMemo("spending", s.Memo, true); err != nil {
		return nil, err
	}
	return []ledger.Transfer{{ID: "spd:" + s.Key, Debit: ProgrammeAccount(s.Programme), Credit: HoldingAccount(s.Channel),
		Amount: s.Amount, Currency: Currency, At: s.At, Memo: s.Memo}}, nil
}

// Movement moves money between holdings: cash deposited at the bank, a
// mobile-money wallet emptied to the bank account.
type Movement struct {
	Key      string
	From, To Channel
	Amount   int64
	At       time.Time
	Memo     string
}

// Move records a movement between two holdings.
func Move(m Movement) ([]ledger.Transfer, error) {
	if err := checkKey("movement", m.Key); err != nil {
		return nil, err
	}
	for _, c := range []Channel{m.From, m.To} {
		if _, err := ParseChannel(string(c)); err != nil {
			return nil, muster.Errorf(muster.Invalid, "movement: %s", muster.ErrorMessage(err))
		}
	}
	if m.From == m.To {
		return nil, muster.Errorf(muster.Invalid, "movement: from and to are both %s", m.From)
	}
	if err := checkAmount("movement", m.Amount); err != nil {
		return nil, err
	}
	if err := checkMemo("movement", m.Memo, false); err != nil {
		return nil, err
	}
	memo := m.Memo
	if memo == "" {
		memo = "moved from " + string(m.From) + " to " + string(m.To)
	}
	return []ledger.Transfer{{ID: "mov:" + m.Key, Debit: HoldingAccount(m.To), Credit: HoldingAccount(m.From),
		Amount: m.Amount, Currency: Currency, At: m.At, Memo: memo}}, nil
}

// OwedTransferID is the id of the transfer that books an order's
// compensation: an order is returned or released once, so it owes once.
func OwedTransferID(orderID string) string { return "owed:" + orderID }

// Owe records the compensation computed for an order: the expense is
// debited and the order's payable credited. An amount of zero owes
// nothing and gives no transfer.
func Owe(orderID string, amount int64, at time.Time) ([]ledger.Transfer, error) {
	if !ValidOrderID(orderID) {
		return nil, muster.Errorf(muster.Invalid, "compensation owed: %q is not an order id", orderID)
	}
	if amount < 0 {
		return nil, muster.Errorf(muster.Invalid, "compensation owed for order %s: amount %d is negative", orderID, amount)
	}
	if amount == 0 {
		return nil, nil
	}
	return []ledger.Transfer{{ID: OwedTransferID(orderID), Debit: CompensationExpense, Credit: PayableAccount(orderID),
		Amount: amount, Currency: Currency, At: at, Memo: "compensation owed for order " + orderID}}, nil
}

// Settlement is what is owed and paid on one order's payable.
type Settlement struct {
	Owed, Paid int64
	Payments   []ledger.Transfer // the payments' transfers to the payable, in order
}

// Settled reports whether compensation is owed and all of it is paid.
func (s Settlement) Settled() bool { return s.Owed > 0 && s.Owed == s.Paid }

// Settle reads the settlement of a payable from the transfers on it, net
// of reversals.
func Settle(transfers []ledger.Transfer) Settlement {
	s := Settlement{Payments: []ledger.Transfer{}}
	for _, t := range transfers {
		switch kind, sign := Classify(t.Debit, t.Credit); kind {
		case Owed:
			s.Owed += sign * t.Amount
		case Paid:
			s.Paid += sign * t.Amount
			s.Payments = append(s.Payments, t)
		}
	}
	return s
}

// Payment is compensation paid to an order's addressee.
type Payment struct {
	Key     string
	Order   string // order id
	Channel Channel
	Amount  int64
	At      time.Time
	// Reference is the payout's reference (a mobile-money transaction
	// id, a cheque number); it goes into the memo, so no personal data.
	Reference string
}

// PaymentTransferID is the id of a payment's first transfer, which is
// also its link group.
func PaymentTransferID(key string) string { return "pay:" + key }

// Pay records a payment, as one linked batch of two transfers: the
// order's payable is debited and the holding it leaves from credited; and
// the same amount moves from the compensation programme to the expense, so
// that paying compensation uses money allocated to it. The payable cannot
// go below zero (no paying more than is owed), nor the programme or the
// holding.
func Pay(p Payment) ([]ledger.Transfer, error) {
	if err := checkKey("payment", p.Key); err != nil {
		return nil, err
	}
	if !ValidOrderID(p.Order) {
		return nil, muster.Errorf(muster.Invalid, "payment: %q is not an order id", p.Order)
	}
	if _, err := ParseChannel(string(p.Channel)); err != nil {
		return nil, muster.Errorf(muster.Invalid, "payment: %s", muster.ErrorMessage(err))
	}
	if err := checkAmount("payment", p.Amount); err != nil {
		return nil, err
	}
	memo := "compensation paid for order " + p.Order
	if p.Reference != "" {
		memo += ", reference " + p.Reference
	}
	if err := checkMemo("payment", memo, false); err != nil {
		return nil, muster.Errorf(muster.Invalid, "payment: reference must be printable text, short enough for a %d-byte memo", ledger.MaxMemoLen)
	}
	id := PaymentTransferID(p.Key)
	return []ledger.Transfer{
		{ID: id, Debit: PayableAccount(p.Order), Credit: HoldingAccount(p.Channel), Amount: p.Amount, Currency: Currency,
			At: p.At, Memo: memo, Linked: id},
		{ID: id + ":funded", Debit: ProgrammeAccount(CompensationProgramme), Credit: CompensationExpense, Amount: p.Amount,
			Currency: Currency, At: p.At, Memo: "compensation for order " + p.Order + " paid from the compensation programme", Linked: id},
	}, nil
}

// Undo returns the transfers that undo a use case: the reversal of each
// transfer of group, which must be every transfer the use case made (a
// payment's two legs; one transfer otherwise), linked together when there
// are several. Undoing only one leg of a payment would break the fund's
// identities, so a group with a leg missing is refused. The reversals'
// ids are "undo:<id>", so undoing twice is refused by the ledger and a
// retry moves nothing. why is the public memo.
func Undo(group []ledger.Transfer, at time.Time, why string) ([]ledger.Transfer, error) {
	if len(group) == 0 {
		return nil, muster.Errorf(muster.Invalid, "undo: nothing to undo")
	}
	if err := checkMemo("undo", why, true); err != nil {
		return nil, err
	}
	linked := group[0].Linked
	for _, t := range group {
		if t.Linked != linked {
			return nil, muster.Errorf(muster.Invalid, "undo: %s and %s were not made together", group[0].ID, t.ID)
		}
	}
	if linked == "" && len(group) > 1 {
		return nil, muster.Errorf(muster.Invalid, "undo: %d unlinked transfers; undo them one by one", len(group))
	}
	if kind, _ := Classify(group[0].Debit, group[0].Credit); (kind == Paid || kind == Funded) && len(group) != 2 {
		return nil, muster.Errorf(muster.Invalid, "undo: a payment is undone with both of its transfers")
	}
	out := make([]ledger.Transfer, len(group))
	for i, t := range group {
		out[i] = t.Reversal("undo:"+t.ID, at, why)
		if linked != "" {
			out[i].Linked = "undo:" + linked
		}
	}
	return out, nil
}
