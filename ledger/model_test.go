package ledger

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/muster-org/muster"
)

// model is a deliberately naive second implementation of the rules, used to
// tell which batches Apply must accept and what balances must result.
type model struct {
	accts    map[string]Account
	bal      map[string]int64 // by the kind's sign convention
	ts       map[string]Transfer
	order    []string
	reversed map[string]bool
	groups   map[string]bool
	total    int64
}

var modelAccounts = []Account{
	{ID: "fund:cash", Kind: Asset, Currency: "XOF", NoOverdraft: true},
	{ID: "fund:momo", Kind: Asset, Currency: "XOF", NoOverdraft: true},
	{ID: "fund:bank", Kind: Asset, Currency: "XOF"},
	{ID: "income:contributions", Kind: Income, Currency: "XOF"},
	{ID: "programme:agriculture", Kind: Liability, Currency: "XOF", NoOverdraft: true},
	{ID: "programme:equipment", Kind: Liability, Currency: "XOF", NoOverdraft: true},
	{ID: "expense:agriculture", Kind: Expense, Currency: "XOF"},
	{ID: "payable:order:01J", Kind: Liability, Currency: "XOF", NoOverdraft: true},
	{ID: "equity:fund", Kind: Equity, Currency: "XOF"},
	{ID: "fund:euro", Kind: Asset, Currency: "EUR"},
}

func newModel(b *Book) *model {
	m := &model{accts: map[string]Account{}, bal: map[string]int64{}, ts: map[string]Transfer{},
		reversed: map[string]bool{}, groups: map[string]bool{}}
	for _, a := range modelAccounts {
		if err := b.Open(a); err != nil {
			panic(err)
		}
		m.accts[a.ID] = a
	}
	return m
}

func (m *model) sign(id string, debit bool) int64 {
	if m.accts[id].Kind.debitNormal() == debit {
		return 1
	}
	return -1
}

// apply runs the batch on the model: it returns the transfers newly
// applied, or the kind of error Apply must return, leaving m unchanged.
func (m *model) apply(batch []Transfer) ([]Transfer, muster.Kind) {
	bal := map[string]int64{}
	ts := map[string]Transfer{}
	rev := map[string]bool{}
	groups := map[string]bool{}
	total := m.total
	get := func(id string) (Transfer, bool) {
		if t, ok := ts[id]; ok {
			return t, true
		}
		t, ok := m.ts[id]
		return t, ok
	}
	var out []Transfer
	for _, t := range batch {
		if t.Validate() != nil {
			return nil, muster.Invalid
		}
		if old, ok := get(t.ID); ok {
			if old.Same(t) {
				continue
			}
			return nil, muster.Conflict
		}
		d, okd := m.accts[t.Debit]
		c, okc := m.accts[t.Credit]
		if !okd || !okc {
			return nil, muster.NotFound
		}
		if d.Currency != t.Currency || c.Currency != t.Currency || t.Amount > math.MaxInt64-total {
			return nil, muster.Invalid
		}
		if t.Reverses != "" {
			x, ok := get(t.Reverses)
			if !ok {
				return nil, muster.NotFound
			}
			if !mirrors(t, x) {
				return nil, muster.Invalid
			}
			if m.reversed[x.ID] || rev[x.ID] {
				return nil, muster.Conflict
			}
			rev[x.ID] = true
		}
		if t.Linked != "" && m.groups[t.Linked] {
			return nil, muster.Conflict
		}
		groups[t.Linked] = true
		total += t.Amount
		ts[t.ID] = t
		out = append(out, t)
		for _, id := range [2]string{t.Debit, t.Credit} {
			if _, ok := bal[id]; !ok {
				bal[id] = m.bal[id]
			}
		}
		bal[t.Debit] += m.sign(t.Debit, true) * t.Amount
		bal[t.Credit] += m.sign(t.Credit, false) * t.Amount
		if d.NoOverdraft && bal[d.ID] < 0 || c.NoOverdraft && bal[c.ID] < 0 {
			return nil, muster.Conflict
		}
	}
	for id, v := range bal {
		m.bal[id] = v
	}
	for _, t := range out {
		m.ts[t.ID] = t
		m.order = append(m.order, t.ID)
	}
	for id := range rev {
		m.reversed[id] = true
	}
	for g := range groups {
		if g != "" {
			m.groups[g] = true
		}
	}
	m.total = total
	return out, ""
}

// driver makes batches of operations from a stream of choices, which a
// seeded generator or a fuzzer's bytes supply.
type driver struct {
	pick func(n int) int
	seq  int
}

func (d *driver) one(m *model) Transfer {
	at := time.Date(2025, 1, 1, 0, 0, d.seq, 0, time.UTC)
	d.seq++
	id := "t" + strconv.Itoa(d.seq)
	anyOld := func() (Transfer, bool) {
		if len(m.order) == 0 {
			return Transfer{}, false
		}
		return m.ts[m.order[d.pick(len(m.order))]], true
	}
	switch op := d.pick(20); {
	case op < 7: // a contribution, so that the fund has money to move
		from := []string{"fund:cash", "fund:momo", "fund:bank"}[d.pick(3)]
		return Transfer{ID: id, Debit: from, Credit: "income:contributions", Amount: 1 + int64(d.pick(1000)), Currency: "XOF", At: at}
	case op < 12: // any movement between two accounts, often an overdraft
		a, c := modelAccounts[d.pick(len(modelAccounts))], modelAccounts[d.pick(len(modelAccounts))]
		return Transfer{ID: id, Debit: a.ID, Credit: c.ID, Amount: 1 + int64(d.pick(1500)), Currency: "XOF", At: at, Memo: "move"}
	case op < 15: // a retry
		if t, ok := anyOld(); ok {
			return t
		}
	case op < 16: // a retry with altered content
		if t, ok := anyOld(); ok {
			t.Amount++
			return t
		}
	case op < 19: // a reversal, perhaps a second one
		if t, ok := anyOld(); ok {
			return t.Reversal(id, at, "correction")
		}
	default: // a transfer bound to fail: unknown account or overflowing
		if d.pick(2) == 0 {
			return Transfer{ID: id, Debit: "fund:nope", Credit: "fund:cash", Amount: 1, Currency: "XOF", At: at}
		}
		return Transfer{ID: id, Debit: "fund:bank", Credit: "equity:fund", Amount: math.MaxInt64 / 2, Currency: "XOF", At: at}
	}
	return Transfer{ID: id, Debit: "fund:cash", Credit: "income:contributions", Amount: 1, Currency: "XOF", At: at}
}

// batch returns 1 to 8 transfers, sometimes sharing a link group.
func (d *driver) batch(m *model) []Transfer {
	n := 1 + d.pick(8)
	group := ""
	if d.pick(3) == 0 {
		group = "g" + strconv.Itoa(d.seq)
	}
	out := make([]Transfer, 0, n)
	for range n {
		t := d.one(m)
		if group != "" && m.ts[t.ID].ID == "" {
			t.Linked = group
		}
		out = append(out, t)
	}
	return out
}

// step applies one batch to b and m and returns what disagrees, if
// anything, and whether the batch was refused.
func step(b *Book, m *model, batch []Transfer) (refused bool, _ error) {
	n, before := b.Len(), snapshot(b)
	got, err := b.Apply(batch)
	want, kind := m.apply(batch)
	if k := muster.ErrorKind(err); k != kind {
		return err != nil, fmt.Errorf("Apply(%+v) error %v (kind %q), want kind %q", batch, err, k, kind)
	}
	if err != nil && (b.Len() != n || snapshot(b) != before) {
		return err != nil, fmt.Errorf("failed batch %+v changed the book", batch)
	}
	if len(got) != len(want) {
		return err != nil, fmt.Errorf("Apply applied %d, want %d", len(got), len(want))
	}
	for id, a := range m.accts {
		if b.Balance(id) != m.bal[id] {
			return err != nil, fmt.Errorf("balance of %s (%s) = %d, model %d", id, a.Kind, b.Balance(id), m.bal[id])
		}
	}
	if ps := b.Check(); ps != nil {
		return err != nil, fmt.Errorf("Check: %v", ps)
	}
	if dr, cr := b.Totals(); dr != cr {
		return err != nil, fmt.Errorf("total debits %d != total credits %d", dr, cr)
	}
	return err != nil, nil
}
