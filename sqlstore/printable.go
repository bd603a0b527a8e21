package sqlstore

import (
	"context"

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
