package citizen

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// Contact is how a text message tells the citizen to reach muster: the
// USSD code to dial and the citizen page. Both are printed in every notice,
// so their length is bounded to keep French and English notices to one
// segment.
type Contact struct {
	USSD string // e.g. *384*123#
	URL  string // e.g. https://muster.gouv.ne/c
}

// Bounds of a Contact.
const (
	MaxContactUSSD = 16
	MaxContactURL  = 32
)

var ussdCodeForm = regexp.MustCompile(`^\*[0-9]+(\*[0-9]+)*#$`)

// Validate checks that c can be printed in a notice: a USSD code of
// digits and stars ending in #, and an http(s) URL in plain ASCII.
func (c Contact) Validate() error {
	switch {
	case !ussdCodeForm.MatchString(c.USSD) || len(c.USSD) > MaxContactUSSD:
		return muster.Errorf(muster.Invalid, "contact: USSD code %q is not like *384*123# in at most %d characters", c.USSD, MaxContactUSSD)
	case !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://"):
		return muster.Errorf(muster.Invalid, "contact: URL %q does not start with https://", c.URL)
	case len(c.URL) > MaxContactURL:
		return muster.Errorf(muster.Invalid, "contact: URL %q is longer than %d characters", c.URL, MaxContactURL)
	case strings.IndexFunc(c.URL, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		return muster.Errorf(muster.Invalid, "contact: URL %q has a space or a character outside ASCII", c.URL)
	}
	return nil
}

// NoticeKind is what a notice tells the addressee.
type NoticeKind string

// The notices muster sends by SMS.
const (
	NoticeIssued  NoticeKind = "issued"  // a new order: its number, deadline and how to check it
	NoticeChanged NoticeKind = "changed" // the order moved to State (cancelled, fulfilled, ...)
	NoticeDecided NoticeKind = "decided" // the review board decided a claim or an appeal
	NoticePaid    NoticeKind = "paid"    // compensation was paid
)

// Notice is a text message to an order's addressee. It has no field for a
// name, an identity number or a birth date, so no notice can carry one: a
// text message is read on shared phones and kept by operators. The order
// number is random and says nothing about the addressee.
type Notice struct {
	Kind      NoticeKind
	Code      order.Code
	OrderKind order.Kind  // NoticeIssued
	State     order.State // NoticeChanged and NoticeDecided: the state now
	Deadline  time.Time   // local time: NoticeIssued, and the decisions that leave a deadline
	AmountXOF int64       // NoticePaid
}

// SMS writes the notice in l. The order is named by its numeric form, the
// one a keypad can type back into the USSD menu.
func (n Notice) SMS(l Language, c Contact) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	num := NumericCode(n.Code)
	if num == "" {
		return "", muster.Errorf(muster.Invalid, "%s notice: %q is not an order code", n.Kind, n.Code)
	}
	needDeadline := func() error {
		if n.Deadline.IsZero() {
			return muster.Errorf(muster.Invalid, "%s notice for order %s in state %q: the deadline is empty", n.Kind, n.Code, n.State)
		}
		return nil
	}
	switch n.Kind {
	case NoticeIssued:
		if n.OrderKind != order.CallUp && n.OrderKind != order.Requisition {
			return "", muster.Errorf(muster.Invalid, "issued notice for order %s: kind %q is not call_up or requisition", n.Code, n.OrderKind)
		}
		if err := needDeadline(); err != nil {
			return "", err
		}
		return l.Text(MsgSMSIssued, l.KindTitle(n.OrderKind), num, FormatDeadline(n.Deadline), c.USSD, c.URL), nil
	case NoticeChanged:
		if _, err := order.ParseState(string(n.State)); err != nil || n.State == order.StateNone {
			return "", muster.Errorf(muster.Invalid, "changed notice for order %s: %q is not an order state", n.Code, n.State)
		}
		return l.Text(MsgSMSChanged, num, l.State(n.State), c.USSD, c.URL), nil
	case NoticeDecided:
		return n.decision(l, c, num, needDeadline)
	case NoticePaid:
		if n.AmountXOF <= 0 {
			return "", muster.Errorf(muster.Invalid, "paid notice for order %s: amount %d is not positive", n.Code, n.AmountXOF)
		}
		return l.Text(MsgSMSCompensated, l.FormatAmount(n.AmountXOF), num, c.USSD), nil
	}
	return "", muster.Errorf(muster.Invalid, "notice kind %q is not issued, changed, decided or paid", n.Kind)
}

// decision writes the review board's decision, which only the states a
// decision leads to can carry.
func (n Notice) decision(l Language, c Contact, num string, needDeadline func() error) (string, error) {
	switch n.State {
	case order.StateExempted:
		return l.Text(MsgSMSExempted, num), nil
	case order.StateUpheld:
		return l.Text(MsgSMSUpheld, num), nil
	case order.StateDeferred, order.StateClaimRejected, order.StateDismissed:
		if err := needDeadline(); err != nil {
			return "", err
		}
		d := FormatDeadline(n.Deadline)
		switch n.State {
		case order.StateDeferred:
			return l.Text(MsgSMSDeferred, num, d), nil
		case order.StateClaimRejected:
			return l.Text(MsgSMSClaimRejected, num, d, c.USSD), nil
		}
		return l.Text(MsgSMSDismissed, num, d), nil
	}
	return "", muster.Errorf(muster.Invalid, "decided notice for order %s: %q is not a decision (exempted, deferred, claim_rejected, upheld, dismissed)", n.Code, n.State)
}

// CommandKind is what an inbound text message asks.
type CommandKind string

// The commands a citizen can text.
const (
	CommandAcknowledge CommandKind = "acknowledge" // OK <number> <birth date>
	CommandVerify      CommandKind = "verify"      // VERIFIER <number>
	CommandStop        CommandKind = "stop"        // STOP: no more text messages
	CommandHelp        CommandKind = "help"        // AIDE, HELP
)

// Command is an inbound text message, understood.
type Command struct {
	Kind      CommandKind
	Code      order.Code // CommandAcknowledge and CommandVerify
	BirthDate time.Time  // CommandAcknowledge: the second factor
	// Language is the language of the keyword, for the reply when the
	// phone has no preferred language; empty for words every language
	// uses (OK, STOP).
	Language Language
}

// keywords maps each keyword, in upper case without accents, to its
// command and language. Acknowledging needs the birth date as well as the
// number, as on every channel: a number alone is on the paper, which other
// people may have seen.
var keywords = map[string]struct {
	kind CommandKind
	lang Language
}{
	"OK":       {CommandAcknowledge, ""},
	"VERIFIER": {CommandVerify, French}, "VERIF": {CommandVerify, French},
	"VERIFY": {CommandVerify, English}, "CHECK": {CommandVerify, English},
	"TANTANCE": {CommandVerify, Hausa},
	"STOP":     {CommandStop, ""}, "ARRET": {CommandStop, French}, "DAINA": {CommandStop, Hausa},
	"AIDE": {CommandHelp, French}, "HELP": {CommandHelp, English}, "TAIMAKO": {CommandHelp, Hausa},
}

// The reasons ParseCommand refuses a message, for errors.Is: the reply
// differs (a bad number is worth saying so; anything else gets the help).
var (
	ErrUnknownKeyword  = errors.New("unknown keyword")
	ErrMissingArgument = errors.New("missing argument")
	ErrBadCode         = errors.New("bad order number")
	ErrBadBirthDate    = errors.New("bad birth date")
)

// maxSMS bounds an inbound message: a concatenated message is at most a
// few hundred characters, and nothing longer is worth reading.
const maxSMS = 1000

// ParseCommand reads an inbound text message: a keyword (any case, French,
// English or Hausa, accents optional) and its arguments, separated by any
// spaces. The order number may be written in groups; the birth date is the
// last word, or the last three when written "05 03 1990". Errors are
// Invalid, name the word at fault and wrap one of ErrUnknownKeyword,
// ErrMissingArgument, ErrBadCode or ErrBadBirthDate.
func ParseCommand(text string) (Command, error) {
	if len(text) > maxSMS {
		return Command{}, muster.Wrap(muster.Invalid, ErrUnknownKeyword, "SMS of %d bytes is longer than %d", len(text), maxSMS)
	}
	words := strings.Fields(text)
	if len(words) == 0 {
		return Command{}, muster.Wrap(muster.Invalid, ErrUnknownKeyword, "SMS is empty")
	}
	key := plainUpper(strings.TrimRight(words[0], ":,.;!"))
	kw, ok := keywords[key]
	if !ok {
		return Command{}, muster.Wrap(muster.Invalid, ErrUnknownKeyword, "SMS word 1: %q is not a keyword (OK, VERIFIER, VERIFY, STOP, AIDE, HELP)", truncate(words[0], 20))
	}
	cmd, args := Command{Kind: kw.kind, Language: kw.lang}, words[1:]
	switch kw.kind {
	case CommandVerify:
		if len(args) == 0 {
			return Command{}, muster.Wrap(muster.Invalid, ErrMissingArgument, "SMS %s: the order number is missing: %s <number>", key, key)
		}
		code, err := ParseCodeInput(strings.Join(args, ""))
		if err != nil {
			return Command{}, muster.Wrap(muster.Invalid, fmt.Errorf("%w: %w", ErrBadCode, err), "SMS %s, words 2 to %d", key, len(words))
		}
		cmd.Code = code
	case CommandAcknowledge:
		code, birth, err := codeAndBirthDate(key, args)
		if err != nil {
			return Command{}, err
		}
		cmd.Code, cmd.BirthDate = code, birth
	}
	return cmd, nil
}

// codeAndBirthDate reads "<number> <birth date>", the birth date written
// as one word or as three ("05 03 1990").
func codeAndBirthDate(key string, args []string) (order.Code, time.Time, error) {
	if len(args) < 2 {
		return "", time.Time{}, muster.Wrap(muster.Invalid, ErrMissingArgument, "SMS %s: the order number and the birth date are needed: %s <number> <DDMMYYYY>", key, key)
	}
	dateWords := 1
	birth, err := ParseBirthDate(args[len(args)-1])
	if err != nil && len(args) >= 4 {
		if b, err3 := ParseBirthDate(strings.Join(args[len(args)-3:], "/")); err3 == nil {
			birth, err, dateWords = b, nil, 3
		}
	}
	if err != nil {
		return "", time.Time{}, muster.Wrap(muster.Invalid, fmt.Errorf("%w: %w", ErrBadBirthDate, err), "SMS %s, word %d", key, len(args)+1)
	}
	codeWords := args[:len(args)-dateWords]
	code, err := ParseCodeInput(strings.Join(codeWords, ""))
	if err != nil {
		return "", time.Time{}, muster.Wrap(muster.Invalid, fmt.Errorf("%w: %w", ErrBadCode, err), "SMS %s, words 2 to %d", key, len(codeWords)+1)
	}
	return code, birth, nil
}

// ReplyTo returns the message that answers a ParseCommand error: what was
// wrong when it is worth saying, the help otherwise.
func ReplyTo(err error) Message {
	switch {
	case errors.Is(err, ErrBadCode):
		return MsgBadCode
	case errors.Is(err, ErrBadBirthDate):
		return MsgBadBirthDate
	}
	return MsgSMSNotUnderstood
}

// plainUpper writes a keyword in upper case without accents: VÉRIFIER,
// vérifier and Verifier are all VERIFIER.
func plainUpper(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// truncate cuts s to at most n runes for an error message.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
