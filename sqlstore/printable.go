package sqlstore

import (
	"context"
	"fmt"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/registry"
)

// Printable lays out an issued order for printing (package printout): its
// signed QR payload, the addressee's name, the authority's name, and how
// to verify it.
func (db *DB) Printable(ctx context.Context, o IssuedOrder, verify printout.Verification) (printout.Order, error) {
	if o.Signed == "" {
		return printout.Order{}, muster.Errorf(muster.Conflict, "order %s is %s: only an issued order is printed", o.Code, o.State)
	}
	doc := printout.Order{
		Kind: printout.Kind(o.Kind), ID: o.ID, Code: o.Code.String(), QRText: o.Signed,
		Place: o.Place.Text, Deadline: o.Deadline, Reason: o.Reason, LegalBasis: o.LegalBasis,
		IssuedAt: o.IssuedAt, KeyID: o.KeyID, LogIndex: o.LogIndex,
		Addressee: printout.Party{Ref: db.AddresseeRef(o.Addressee)},
		Verify:    verify,
	}
	authorities, err := db.Authorities(ctx)
	if err != nil {
		return doc, err
	}
	for _, a := range authorities {
		if a.Code == o.Authority {
			doc.Authority = printout.Party{Name: a.Name, Ref: a.Code}
		}
	}
	switch o.Addressee.Kind {
	case registry.OwnerPerson:
		p, err := db.Person(ctx, o.Addressee.ID, "")
		if err != nil {
			return doc, err
		}
		doc.Addressee.Name = p.GivenName + " " + p.FamilyName
	default:
		org, err := db.Organisation(ctx, o.Addressee.ID, "")
		if err != nil {
			return doc, err
		}
		doc.Addressee.Name = org.Name
	}
	for _, it := range o.Items {
		if o.Kind == order.CallUp {
			doc.Service = it.Type
			continue
		}
		doc.Items = append(doc.Items, printout.Item{Description: it.Type, Quantity: it.Quantity, Unit: it.Unit})
	}
	return doc, nil
}

// Handover returns the last handover (fulfil) event among a requisition's
// events, or nil when the order is not a requisition handed over.
func Handover(o IssuedOrder, events []StoredEvent) *StoredEvent {
	if o.Kind != order.Requisition {
		return nil
	}
	var out *StoredEvent
	for i := range events {
		if events[i].Event == order.EventFulfil {
			out = &events[i]
		}
	}
	return out
}

// PrintableReceipt lays out the handover receipt of a requisition for its
// owner: what was handed over, in what condition, where, when and to whom,
// signed by the authority's current key (SignReceipt).
func (db *DB) PrintableReceipt(ctx context.Context, o IssuedOrder, verify printout.Verification) (printout.Receipt, error) {
	events, err := db.OrderEvents(ctx, o.ID)
	if err != nil {
		return printout.Receipt{}, err
	}
	ho := Handover(o, events)
	if ho == nil {
		return printout.Receipt{}, muster.Errorf(muster.Conflict, "order %s is a %s in state %s: only a requisition handed over has a receipt", o.Code, o.Kind, o.State)
	}
	doc, err := db.Printable(ctx, o, verify)
	if err != nil {
		return printout.Receipt{}, err
	}
	signed, err := db.SignReceipt(ctx, o, *ho)
	if err != nil {
		return printout.Receipt{}, err
	}
	r := printout.Receipt{
		ID: fmt.Sprintf("%s-%d", o.ID, ho.Seq), OrderID: o.ID, OrderCode: doc.Code, QRText: signed,
		Authority: doc.Authority, Owner: doc.Addressee, Officer: printout.Party{Name: ho.Actor, Ref: string(ho.Role)},
		Place: o.Place.Text, At: ho.At,
	}
	for _, it := range o.Items {
		r.Items = append(r.Items, printout.HandedItem{Item: printout.Item{Description: it.Type, Quantity: it.Quantity, Unit: it.Unit},
			Condition: it.Condition})
	}
	return r, nil
}
