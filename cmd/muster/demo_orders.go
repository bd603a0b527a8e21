package main

import (
	"context"
	"fmt"
	"time"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/trust"
)

// demoAuthority signs the demo's orders.
var demoAuthority = sqlstore.Authority{Code: "NE-MOB", Name: "Direction générale de la mobilisation (démonstration)", Area: "NE"}

// demoOrders drafts, approves and issues a few hundred orders and moves
// some of them through every state of the lifecycle, so that a newcomer
// sees it all and the log is never empty. It does nothing when orders
// exist already: loading the demo again must not pile them up.
func demoOrders(ctx context.Context, db *sqlstore.DB, persons, orgs int) (int, error) {
	if counts, err := db.CountOrders(ctx, ""); err != nil || len(counts) > 0 {
		return 0, err
	}
	if err := db.CreateAuthority(ctx, demoAuthority); err != nil {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	key, priv := trust.GenerateKey(demoAuthority.Code, now.Add(-time.Minute), now.AddDate(2, 0, 0))
	if err := db.AddKey(ctx, key, priv); err != nil {
		return 0, err
	}
	adults, err := db.ListPersons(ctx, sqlstore.PersonFilter{Status: registry.Civilian, Limit: persons * 2})
	if err != nil {
		return 0, err
	}
	unprotected := false
	companies, err := db.ListOrganisations(ctx, sqlstore.OrganisationFilter{Protected: &unprotected, Limit: orgs})
	if err != nil {
		return 0, err
	}
	deadline := now.AddDate(0, 0, 10)
	var drafts []order.Order
	for _, p := range adults.Items {
		if len(drafts) == persons {
			break
		}
		if p.Age(now) < 18 || p.Age(now) > 45 {
			continue
		}
		drafts = append(drafts, order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne régionale", Area: p.Area},
			Deadline: deadline, LegalBasis: "Ordonnance n° 2026-05 portant mobilisation générale, art. 4 (démonstration)",
			Authority: demoAuthority.Code, Reason: "Renfort logistique (démonstration)"})
	}
	for _, o := range companies.Items {
		drafts = append(drafts, order.Order{Kind: order.Requisition, Addressee: registry.Owner{Kind: registry.OwnerOrganisation, ID: o.OrgID},
			Items: []order.Item{{Type: "vehicle.truck", Quantity: 1, Unit: "unit", ValueXOF: 25_000_000}}, Place: order.Place{Text: "Base logistique", Area: o.Area},
			Deadline: deadline, LegalBasis: "Ordonnance n° 2026-05 portant mobilisation générale, art. 12 (démonstration)",
			Authority: demoAuthority.Code, Reason: "Transport de vivres (démonstration)"})
	}
	officer := order.Actor{Role: auth.Officer, Name: "officer"}
	drafted, err := db.DraftOrders(ctx, drafts, officer)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(drafted))
	for i, o := range drafted {
		ids[i] = o.ID
	}
	if _, err := db.ApproveOrders(ctx, ids, order.Actor{Role: auth.Approver, Name: "approver"}, db.AddresseeRef); err != nil {
		return 0, err
	}
	if err := demoFund(ctx, db, now); err != nil {
		return 0, err
	}
	return len(drafted), demoLifecycle(ctx, db, drafted, officer)
}

// demoLifecycle moves slices of the issued orders along the lifecycle's
// paths: acknowledged, claimed and decided each way, appealed, handed over,
// returned, compensated, closed.
func demoLifecycle(ctx context.Context, db *sqlstore.DB, orders []order.Order, officer order.Actor) error {
	board := order.Actor{Role: auth.Reviewer, Name: "reviewer"}
	appeals := order.Actor{Role: auth.Reviewer, Name: "reviewer.appeals"}
	treasurer := order.Actor{Role: auth.Treasurer, Name: "treasurer"}
	citizen := order.AddresseeActor
	c := func(e order.Event, a order.Actor) sqlstore.Change { return sqlstore.Change{Event: e, Actor: a} }
	claim := func(ground string) sqlstore.Change {
		return sqlstore.Change{Event: order.EventClaim, Actor: citizen, Ground: ground}
	}
	notify := c(order.EventNotify, officer)
	paths := [][]sqlstore.Change{
		{notify},
		{notify, c(order.EventAcknowledge, citizen)},
		{notify, claim("hardship")},
		{notify, claim("sole_caregiver"), c(order.EventExempt, board)},
		{notify, claim("essential_worker"), {Event: order.EventDefer, Actor: board, Until: time.Now().AddDate(0, 3, 0)}},
		{notify, claim("medical"), c(order.EventRejectClaim, board), c(order.EventAppeal, citizen)},
		{notify, claim("livelihood"), c(order.EventRejectClaim, board), c(order.EventAppeal, citizen), c(order.EventUphold, appeals)},
		{notify, claim("hardship"), c(order.EventRejectClaim, board), c(order.EventAppeal, citizen), c(order.EventDismiss, appeals)},
		{notify, c(order.EventAcknowledge, citizen), {Event: order.EventFulfil, Actor: officer, Condition: "good"}},
		{notify, {Event: order.EventFulfil, Actor: officer, Condition: "good"}, {Event: order.EventRelease, Actor: officer}},
		{notify, {Event: order.EventFulfil, Actor: officer, Condition: "good"}, {Event: order.EventRelease, Actor: officer},
			c(order.EventCompensate, treasurer)},
		{notify, {Event: order.EventFulfil, Actor: officer, Condition: "good"}, {Event: order.EventRelease, Actor: officer},
			c(order.EventCompensate, treasurer), c(order.EventClose, officer)},
		{c(order.EventCancel, officer)},
	}
	requisitionPaths := [][]sqlstore.Change{
		{notify, {Event: order.EventFulfil, Actor: officer, Condition: "good"}},
		{notify, {Event: order.EventFulfil, Actor: officer, Condition: "good"}, {Event: order.EventReturn, Actor: officer, Condition: "fair"}},
		{notify, {Event: order.EventFulfil, Actor: officer, Condition: "good"}, {Event: order.EventReturn, Actor: officer, Condition: "poor"},
			c(order.EventCompensate, treasurer), c(order.EventClose, officer)},
	}
	// Every third order stays issued, as most of a wave does at first.
	var callUps, requisitions int
	for i, o := range orders {
		if i%3 == 0 {
			continue
		}
		path := paths[callUps%len(paths)]
		if o.Kind == order.Requisition {
			path = requisitionPaths[requisitions%len(requisitionPaths)]
			requisitions++
		} else {
			callUps++
		}
		for _, change := range path {
			if change.Event == order.EventCompensate {
				// The payment that settles the compensation records the event.
				if err := demoPay(ctx, db, o.ID, change.Actor); err != nil {
					return fmt.Errorf("demo order %s: %w", o.Code, err)
				}
				continue
			}
			if _, err := db.ApplyOrderEvent(ctx, o.ID, "", change); err != nil {
				return fmt.Errorf("demo order %s: %w", o.Code, err)
			}
		}
	}
	return nil
}
