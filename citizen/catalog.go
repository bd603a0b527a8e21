package citizen

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster/order"
)

// Message identifies one text a citizen reads, whatever the channel. The
// texts are in texts.go; menu numbers ("1 ", "9 ") are added by the channel,
// so the same text serves a USSD menu and a web button.
type Message int

// The messages. Arguments are in the order of the verbs, listed after each.
const (
	MsgLanguageMenu Message = iota + 1 // the same in every language: it is shown before one is chosen
	MsgMainTitle
	MsgMenuOrder    // see one's own order (code and birth date)
	MsgMenuVerify   // check an order is genuine (code only)
	MsgMenuLanguage // change language
	MsgAskCode
	MsgAskBirthDate
	MsgBadChoice
	MsgBadCode
	MsgBadBirthDate
	MsgMore
	MsgBack
	MsgMenu
	MsgConfirm
	MsgCancel
	MsgActAcknowledge
	MsgActClaim
	MsgActAppeal
	MsgGroundsTitle
	MsgConfirmExemption // ground label
	MsgConfirmDeferral  // ground label
	MsgConfirmAppeal
	MsgDoneAcknowledge // deadline
	MsgDoneClaim
	MsgDoneAppeal
	MsgNoMatch
	MsgLocked
	MsgRateLimited
	MsgNotAllowed
	MsgUnavailable
	MsgSessionEnded
	MsgCallUpOrder      // the kind, as a title
	MsgRequisitionOrder // the kind, as a title
	MsgViewCallUp       // service, place, deadline
	MsgViewRequisition  // items, place, deadline
	MsgViewState        // state in words
	MsgViewAuthority    // authority
	MsgViewLegalBasis   // legal basis
	MsgViewUnverified
	MsgVerifyGenuine // kind title, authority, state in words, deadline
	MsgVerifyUnknown
	MsgSMSIssued        // kind title, numeric code, deadline, USSD code, URL
	MsgSMSChanged       // numeric code, state in words, USSD code, URL
	MsgSMSExempted      // numeric code
	MsgSMSDeferred      // numeric code, new deadline
	MsgSMSClaimRejected // numeric code, deadline, USSD code
	MsgSMSUpheld        // numeric code
	MsgSMSDismissed     // numeric code, deadline
	MsgSMSCompensated   // amount, numeric code, USSD code
	MsgSMSHelp          // USSD code
	MsgSMSStopped       // USSD code
	MsgSMSNotUnderstood // (none)
	MsgSMSAcknowledged  // numeric code, deadline
	MsgViewCompensation // amount owed, amount paid
	MsgViewPaidInFull   // amount owed (and paid)
	numMessages         // keep last: the catalog test checks every message below it
)

// Text returns message m in l, formatted with args. A message missing in
// l falls back to French, the reference catalog, so a citizen always reads
// something; the catalog test keeps every language complete.
func (l Language) Text(m Message, args ...any) string {
	s, ok := texts[l][m]
	if !ok {
		s = texts[French][m]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// State returns the state of an order in plain words in l: what it means
// for the addressee, not the lifecycle's name.
func (l Language) State(s order.State) string {
	if t, ok := stateTexts[l][s]; ok {
		return t
	}
	if t, ok := stateTexts[French][s]; ok {
		return t
	}
	return string(s)
}

// KindTitle returns the kind of order as a title in l: "Ordre d'appel",
// "Requisition order".
func (l Language) KindTitle(k order.Kind) string {
	if k == order.CallUp {
		return l.Text(MsgCallUpOrder)
	}
	return l.Text(MsgRequisitionOrder)
}

// FormatDeadline writes a date and time as every citizen text does, in
// all languages: 05/03/2026 08:00, day first as Niger writes dates, in the
// time's own location (the caller passes local time).
func FormatDeadline(t time.Time) string { return t.Format("02/01/2006 15:04") }

// FormatAmount writes an amount of CFA francs grouped by thousands as l
// writes numbers: "125 000 FCFA" in French and Zarma, "125,000 FCFA" in
// English and Hausa. FCFA is how the notes and the administration write
// the currency in all four languages.
func (l Language) FormatAmount(xof int64) string {
	sep := " "
	if l == English || l == Hausa {
		sep = ","
	}
	sign := ""
	if xof < 0 {
		sign = "-"
	}
	digits := strconv.FormatUint(absInt64(xof), 10)
	var b strings.Builder
	b.WriteString(sign)
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteByte(digits[i])
	}
	b.WriteString(" FCFA")
	return b.String()
}

// absInt64 is |x| as an unsigned number, right even for the smallest int64.
func absInt64(x int64) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

// CompensationText says in one line what the addressee of an order is
// owed and what has been paid of it, the same on every channel: the
// amounts only, since the breakdown does not fit on a phone screen.
func (l Language) CompensationText(c CompensationView) string {
	if c.Settled {
		return l.Text(MsgViewPaidInFull, l.FormatAmount(c.OwedXOF))
	}
	return l.Text(MsgViewCompensation, l.FormatAmount(c.OwedXOF), l.FormatAmount(c.PaidXOF))
}

// VerifyText is the answer to a verification, the same on every channel.
func (l Language) VerifyText(v VerifyView) string {
	return l.Text(MsgVerifyGenuine, l.KindTitle(v.Kind), v.Authority, l.State(v.State), FormatDeadline(v.Deadline))
}
