// Package printout renders the papers a citizen is handed: an official order
// (call-up or requisition) and the receipt for property handed over, as A4
// PDFs in French, English, Hausa or Zarma, each with the order's signed QR
// code and its short typable code.
//
// It is pure: plain structs in, PDF bytes out. The fonts are embedded in the
// binary, so printing works on an offline machine. The output depends only
// on the input (the PDF dates come from the order, not the clock), so the same
// order always gives the same bytes. It must not import the store, the HTTP
// layer or the signing code: the caller maps its domain order to Order.
package printout

import (
	"time"

	"github.com/muster-org/muster"
)

// Kind is what an order asks of its addressee.
type Kind string

// The order kinds, spelled as in the rest of muster.
const (
	CallUp      Kind = "call_up"     // a person reports for service at a place and time
	Requisition Kind = "requisition" // property or a service is handed over
)

// Party is a named party printed on a paper: an authority, an addressee, an
// owner or an officer. Ref is the short identifier printed next to the name
// (authority id, addressee reference, officer number); it is never a national
// ID, because the paper may be lost or photographed.
type Party struct {
	Name string
	Ref  string
}

// Item is one line of a requisition or a receipt. Description and Unit are
// printed as given: the caller passes them in the paper's language.
type Item struct {
	Description string
	Quantity    float64
	Unit        string
}

// Verification tells the citizen how to check an order without trusting the
// paper: any empty field is left out.
type Verification struct {
	USSD string // e.g. "*384*123#"
	SMS  string // number to text the code to
	URL  string // citizen verification page
}

// Order is what a printed order shows. The QR and the short code are made by
// the caller (signing is not this package's job); everything else is
// printed as text.
type Order struct {
	Kind   Kind
	ID     string // order id, printed in the footer
	Code   string // short typable code, already grouped: "7KQ4-M9TX-2HZP-R8WD-J"
	QRText string // signed payload ("MU1:..."), drawn as the QR code

	Authority Party // issuing office: name and id
	Addressee Party // who the order is for: display name and short reference

	Service string // call-up: the service the person is called for
	Items   []Item // requisition: the property or services required

	Place      string    // call-up: where to report; requisition: where to hand over
	Deadline   time.Time // printed in its own location: pass local time
	Reason     string    // optional
	LegalBasis string    // the text reference that makes the order lawful
	AppealBy   time.Time // optional: last day to appeal

	IssuedAt time.Time // also the PDF's creation date
	KeyID    string    // signing key id
	LogIndex uint64    // index of the order's leaf in the transparency log

	Verify Verification
}

// HandedItem is an item handed over, with its condition at handover (which
// the return is later compared with).
type HandedItem struct {
	Item
	Condition string
}

// Receipt is the handover receipt given to an owner.
type Receipt struct {
	ID        string // receipt id, optional
	OrderID   string
	OrderCode string // the order's short code
	QRText    string // the signed payload to draw: the order's, or the receipt's own

	Authority Party
	Owner     Party // owner's display name and reference
	Officer   Party // officer who took the items: name and id
	Items     []HandedItem
	Place     string
	At        time.Time // time of the handover, also the PDF's creation date
}

func (o *Order) validate() error {
	switch {
	case o.Kind != CallUp && o.Kind != Requisition:
		return invalid("unknown order kind %q", o.Kind)
	case o.Code == "":
		return invalid("order has no short code")
	case o.QRText == "":
		return invalid("order has no QR payload")
	case o.ID == "":
		return invalid("order has no id")
	case o.Authority.Name == "":
		return invalid("order has no issuing authority")
	case o.Addressee.Name == "" && o.Addressee.Ref == "":
		return invalid("order has no addressee")
	case o.Place == "":
		return invalid("order has no place")
	case o.Deadline.IsZero():
		return invalid("order has no deadline")
	case o.LegalBasis == "":
		return invalid("order has no legal basis")
	case o.IssuedAt.IsZero():
		return invalid("order has no issue time")
	case o.KeyID == "":
		return invalid("order has no key id")
	case o.Kind == CallUp && o.Service == "":
		return invalid("call-up order has no service")
	case o.Kind == Requisition && len(o.Items) == 0:
		return invalid("requisition order has no items")
	}
	for i, it := range o.Items {
		if err := it.validate(i); err != nil {
			return err
		}
	}
	return nil
}

func (r *Receipt) validate() error {
	switch {
	case r.OrderCode == "":
		return invalid("receipt has no order code")
	case r.QRText == "":
		return invalid("receipt has no QR payload")
	case r.OrderID == "":
		return invalid("receipt has no order id")
	case r.Authority.Name == "":
		return invalid("receipt has no authority")
	case r.Owner.Name == "" && r.Owner.Ref == "":
		return invalid("receipt has no owner")
	case r.Officer.Name == "":
		return invalid("receipt has no officer")
	case len(r.Items) == 0:
		return invalid("receipt has no items")
	case r.Place == "":
		return invalid("receipt has no place")
	case r.At.IsZero():
		return invalid("receipt has no handover time")
	}
	for i, it := range r.Items {
		if err := it.validate(i); err != nil {
			return err
		}
	}
	return nil
}

func (it Item) validate(i int) error {
	if it.Description == "" {
		return invalid("item %d has no description", i+1)
	}
	if !(it.Quantity > 0) {
		return invalid("item %d has quantity %v, want > 0", i+1, it.Quantity)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return muster.Errorf(muster.Invalid, "printout: "+format, args...)
}
