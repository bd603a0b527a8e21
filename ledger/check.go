package ledger

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// Problem is one broken invariant found by Check, naming the account or
// transfer concerned (either may be empty).
type Problem struct {
	Account  string `json:"account,omitempty"`
	Transfer string `json:"transfer,omitempty"`
	What     string `json:"what"`
}

func (p Problem) String() string {
	switch {
	case p.Account != "":
		return "account " + p.Account + ": " + p.What
	case p.Transfer != "":
		return "transfer " + p.Transfer + ": " + p.What
	}
	return p.What
}

// Totals returns the sums of the debit and credit sides over all accounts,
// as the book keeps them. In a sound book they are equal.
func (b *Book) Totals() (debits, credits int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.accounts {
		debits += e.debits
		credits += e.credits
	}
	return debits, credits
}

// Check verifies the book's invariants from scratch and returns what is
// wrong, or nil: the stored debit and credit sides add up to the same
// total; every account's sums equal those recomputed from its transfers;
// every transfer is well formed, between existing accounts of its
// currency, and every reversal mirrors a single earlier transfer; and no
// no-overdraft account is below zero. It trusts none of the running sums
// that Apply maintains, which is the point: it backs `muster ledger check`.
func (b *Book) Check() []Problem {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ps []Problem
	type sums struct{ debits, credits uint64 }
	re := make(map[string]*sums, len(b.accounts))
	for id := range b.accounts {
		re[id] = &sums{}
	}
	var total uint64
	seen := make(map[string]int, len(b.log))
	reversed := map[string]string{}
	for i, t := range b.log {
		if err := t.Validate(); err != nil {
			ps = append(ps, Problem{Transfer: t.ID, What: "malformed: " + err.Error()})
		}
		if j, ok := seen[t.ID]; ok {
			ps = append(ps, Problem{Transfer: t.ID, What: fmt.Sprintf("applied twice, at positions %d and %d", j, i)})
		}
		seen[t.ID] = i
		if j, ok := b.index[t.ID]; !ok || j != i {
			ps = append(ps, Problem{Transfer: t.ID, What: "missing from the index by id"})
		}
		for _, id := range [2]string{t.Debit, t.Credit} {
			if e, ok := b.accounts[id]; !ok {
				ps = append(ps, Problem{Transfer: t.ID, What: "names unknown account " + id})
			} else if e.acct.Currency != t.Currency {
				ps = append(ps, Problem{Transfer: t.ID, What: "currency " + t.Currency + " differs from account " + id + "'s " + e.acct.Currency})
			}
		}
		if t.Reverses != "" {
			j, ok := seen[t.Reverses]
			switch {
			case !ok || j >= i:
				ps = append(ps, Problem{Transfer: t.ID, What: "reverses " + t.Reverses + ", which is not an earlier transfer"})
			case !mirrors(t, b.log[j]):
				ps = append(ps, Problem{Transfer: t.ID, What: "does not mirror the transfer " + t.Reverses + " it reverses"})
			}
			if by, ok := reversed[t.Reverses]; ok {
				ps = append(ps, Problem{Transfer: t.ID, What: t.Reverses + " is already reversed by " + by})
			}
			reversed[t.Reverses] = t.ID
		}
		if t.Amount <= 0 {
			continue // reported as malformed; summing it would only confuse
		}
		var carry uint64
		total, carry = bits.Add64(total, uint64(t.Amount), 0)
		if carry != 0 || total > math.MaxInt64 {
			ps = append(ps, Problem{Transfer: t.ID, What: "the sum of all amounts overflows"})
			return ps // every later sum is meaningless
		}
		if s, ok := re[t.Debit]; ok {
			s.debits += uint64(t.Amount)
		}
		if s, ok := re[t.Credit]; ok {
			s.credits += uint64(t.Amount)
		}
	}
	if uint64(b.total) != total || b.total < 0 {
		ps = append(ps, Problem{What: fmt.Sprintf("running total %d differs from the sum of all amounts %d", b.total, total)})
	}
	ids := make([]string, 0, len(b.accounts))
	for id := range b.accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var debits, credits uint64
	for _, id := range ids {
		e, s := b.accounts[id], re[id]
		debits += uint64(e.debits)
		credits += uint64(e.credits)
		if e.debits < 0 || uint64(e.debits) != s.debits {
			ps = append(ps, Problem{Account: id, What: fmt.Sprintf("debits %d, but its transfers debit %d", e.debits, s.debits)})
		}
		if e.credits < 0 || uint64(e.credits) != s.credits {
			ps = append(ps, Problem{Account: id, What: fmt.Sprintf("credits %d, but its transfers credit %d", e.credits, s.credits)})
		}
		if e.acct.NoOverdraft && e.balance() < 0 {
			ps = append(ps, Problem{Account: id, What: "no-overdraft account has balance " + strconv.FormatInt(e.balance(), 10)})
		}
	}
	if debits != credits {
		ps = append(ps, Problem{What: fmt.Sprintf("total debits %d differ from total credits %d", debits, credits)})
	}
	return ps
}

func mirrors(t, x Transfer) bool {
	return t.Debit == x.Credit && t.Credit == x.Debit && t.Amount == x.Amount && t.Currency == x.Currency
}

func itoa(i int) string { return strconv.Itoa(i) }
