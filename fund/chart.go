// Package fund is the national fund's bookkeeping on top of package
// ledger: its chart of accounts, the treasurer's use cases as functions
// that produce ledger transfers (contributions, allocations to programmes,
// spending, compensation owed and paid, moves between holdings), the
// mobile-money webhook's contract, and the public report computed from
// transfers alone, so that anyone holding the transparency log's ledger
// leaves can recompute it.
//
// The chart, in one currency (XOF):
//
//	fund:cash:<channel>    asset, no overdraft: money held, per channel (cash, bank, mobile_money)
//	fund:unallocated       equity, no overdraft: contributions not yet allocated to a programme
//	programme:<slug>       equity, no overdraft: what a programme holds (allocated − spent)
//	programme:compensation the programme that pays compensation
//	payable:order:<id>     liability, no overdraft: compensation owed for one order, not yet paid
//	expense:compensation   expense: compensation owed and not yet paid by the fund
//
// A contribution debits a holding and credits fund:unallocated; an
// allocation moves unallocated money to a programme; spending debits the
// programme and credits the holding it leaves from. Compensation owed is
// booked when an order's compensation is computed (debit the expense,
// credit the order's payable); a payment debits the payable and credits a
// holding, and, in the same batch, moves the same amount from the
// compensation programme to the expense. So, at every moment,
//
//	holdings = unallocated + Σ programmes   and   Σ payables = compensation expense
//
// which is what Report checks, along with what came in minus what went out
// equalling what is held. No-overdraft accounts make the ledger refuse any
// spending beyond what a programme holds, any payment beyond what is owed,
// and any outflow a holding cannot cover.
//
// The package is pure: it imports no storage or transport.
package fund

import (
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
)

// Currency is the fund's currency: compensation is computed in XOF, and one
// currency keeps every total of the report a plain sum.
const Currency = "XOF"

// Channel is how money comes in or goes out.
type Channel string

// The channels. Each has its own holding account, so that a treasurer's
// cash box, the bank statement and the mobile-money wallet each reconcile
// with one balance.
const (
	Cash        Channel = "cash"
	Bank        Channel = "bank"
	MobileMoney Channel = "mobile_money"
)

// Channels lists the channels in report order.
var Channels = []Channel{Cash, Bank, MobileMoney}

// ParseChannel reads a channel name.
func ParseChannel(s string) (Channel, error) {
	for _, c := range Channels {
		if string(c) == s {
			return c, nil
		}
	}
	return "", muster.Errorf(muster.Invalid, "channel %q is not cash, bank or mobile_money", s)
}

// Account ids of the fixed part of the chart.
const (
	UnallocatedAccount  = "fund:unallocated"
	CompensationExpense = "expense:compensation"
	// CompensationProgramme is the slug of the programme that pays
	// compensation; it exists from the start and cannot be spent from
	// except by a payment to an order's payable.
	CompensationProgramme = "compensation"

	holdingPrefix   = "fund:cash:"
	programmePrefix = "programme:"
	payablePrefix   = "payable:order:"
)

// HoldingAccount is the account of the money held in channel c.
func HoldingAccount(c Channel) string { return holdingPrefix + string(c) }

// ProgrammeAccount is the account of programme slug.
func ProgrammeAccount(slug string) string { return programmePrefix + slug }

// PayableAccount is the account of the compensation owed for one order. It
// names the order by id, which carries no personal data.
func PayableAccount(orderID string) string { return payablePrefix + orderID }

// Role is what part an account plays in the fund.
type Role int

// The roles; Outside is an account that is not part of the fund's chart
// (the ledger may hold others), which the report leaves out.
const (
	Outside Role = iota
	Holding
	Unallocated
	Programme
	Payable
	Expense
)

// Ref is an account id read against the chart.
type Ref struct {
	Role      Role
	Channel   Channel // of a holding
	Programme string  // slug of a programme
	Order     string  // order id of a payable
}

// Parse reads an account id against the chart. An id of the chart's shape
// with an unknown channel or a malformed slug or order id is Outside.
func Parse(id string) Ref {
	switch {
	case id == UnallocatedAccount:
		return Ref{Role: Unallocated}
	case id == CompensationExpense:
		return Ref{Role: Expense}
	case strings.HasPrefix(id, holdingPrefix):
		if c, err := ParseChannel(id[len(holdingPrefix):]); err == nil {
			return Ref{Role: Holding, Channel: c}
		}
	case strings.HasPrefix(id, programmePrefix):
		if slug := id[len(programmePrefix):]; ValidSlug(slug) {
			return Ref{Role: Programme, Programme: slug}
		}
	case strings.HasPrefix(id, payablePrefix):
		if o := id[len(payablePrefix):]; ValidOrderID(o) {
			return Ref{Role: Payable, Order: o}
		}
	}
	return Ref{}
}

// Standard returns the definition of an account the fund opens by itself
// on first use: the holdings, the unallocated balance, the compensation
// programme and expense, and any order's payable. Other programmes must be
// added (see Programme): a typo in a programme's name must not open a new
// one.
func Standard(id string) (ledger.Account, bool) {
	ref := Parse(id)
	a := ledger.Account{ID: id, Currency: Currency}
	switch ref.Role {
	case Holding:
		a.Kind, a.NoOverdraft, a.Name = ledger.Asset, true, "Holdings: "+string(ref.Channel)
	case Unallocated:
		a.Kind, a.NoOverdraft, a.Name = ledger.Equity, true, "Unallocated contributions"
	case Expense:
		a.Kind, a.Name = ledger.Expense, "Compensation owed, not yet paid"
	case Payable:
		a.Kind, a.NoOverdraft, a.Name = ledger.Liability, true, "Compensation payable"
	case Programme:
		if ref.Programme != CompensationProgramme {
			return ledger.Account{}, false
		}
		a.Kind, a.NoOverdraft, a.Name = ledger.Equity, true, "Compensation"
	default:
		return ledger.Account{}, false
	}
	return a, true
}

// MaxSlugLen bounds a programme's slug.
const MaxSlugLen = 48

// ValidSlug reports whether s can name a programme: 1 to 48 lowercase
// letters, digits, '_' and '-', starting with a letter.
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > MaxSlugLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidOrderID reports whether s can be an order id in an account id:
// 1 to 64 ASCII letters and digits (order ids are 26-character ULIDs).
func ValidOrderID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ProgrammeDef is a programme the treasurer adds: a slug for its account
// and a public name.
type ProgrammeDef struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Account returns the programme's ledger account, or an Invalid error
// naming the bad field.
func (p ProgrammeDef) Account() (ledger.Account, error) {
	if !ValidSlug(p.Slug) {
		return ledger.Account{}, muster.Errorf(muster.Invalid, "programme slug %q: want 1 to %d lowercase letters, digits, '_' or '-', starting with a letter", p.Slug, MaxSlugLen)
	}
	if p.Slug == CompensationProgramme {
		return ledger.Account{}, muster.Errorf(muster.Invalid, "programme slug %q is reserved: the compensation programme exists already", p.Slug)
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		return ledger.Account{}, muster.Errorf(muster.Invalid, "programme %s: a name is required (it is shown on the public report)", p.Slug)
	}
	a := ledger.Account{ID: ProgrammeAccount(p.Slug), Kind: ledger.Equity, Currency: Currency, NoOverdraft: true, Name: name}
	if err := a.Validate(); err != nil {
		return ledger.Account{}, muster.Errorf(muster.Invalid, "programme %s: name must be printable text of at most %d bytes", p.Slug, ledger.MaxNameLen)
	}
	return a, nil
}
