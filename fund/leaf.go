package fund

import (
	"strconv"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/tlog"
)

// LeafKind is the kind of the transparency-log entries of ledger
// transfers.
const LeafKind = "ledger.transfer"

// FromLeaf reads back, from a transparency-log entry, what the report
// needs of a ledger transfer: its id, accounts, amount, currency, time
// (to the millisecond, as the log keeps it) and what it reverses. ok is
// false for an entry of another kind. This is how anyone holding the log
// recomputes the fund's report without asking muster. Errors are
// muster.Invalid.
func FromLeaf(e tlog.Entry) (t ledger.Transfer, ok bool, err error) {
	if e.Kind != LeafKind {
		return ledger.Transfer{}, false, nil
	}
	amount, err := strconv.ParseInt(e.Data["amount"], 10, 64)
	if err != nil {
		return ledger.Transfer{}, true, muster.Errorf(muster.Invalid, "ledger leaf %s: amount %q is not a whole number", e.Subject, e.Data["amount"])
	}
	t = ledger.Transfer{ID: e.Subject, Debit: e.Data["debit"], Credit: e.Data["credit"], Amount: amount,
		Currency: e.Data["currency"], At: e.At, Reverses: e.Data["reverses"]}
	if err := t.Validate(); err != nil {
		return ledger.Transfer{}, true, muster.Errorf(muster.Invalid, "ledger leaf %s: %s", e.Subject, muster.ErrorMessage(err))
	}
	return t, true, nil
}

// ReportFromLeaves recomputes the report from the leaves of the
// transparency log (each leaf exactly as hashed, as /log/leaf/N serves
// it), keeping those of ledger transfers: what a third party holding the
// log does to check the published report. accounts name the programmes.
// A malformed leaf is muster.Invalid, naming its position.
func ReportFromLeaves(leaves [][]byte, accounts []ledger.Account, cp Checkpoint) (Report, error) {
	t := NewTally()
	for i, leaf := range leaves {
		e, err := tlog.ParseLeaf(leaf)
		if err != nil {
			return Report{}, muster.Wrap(muster.Invalid, err, "leaf %d", i)
		}
		tr, ok, err := FromLeaf(e)
		if ok && err == nil {
			err = t.Add(tr)
		}
		if err != nil {
			return Report{}, muster.Errorf(muster.Invalid, "leaf %d: %s", i, muster.ErrorMessage(err))
		}
	}
	return t.Report(accounts, cp), nil
}
