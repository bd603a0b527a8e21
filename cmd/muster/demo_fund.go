package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

// demoProgrammes are the demo fund's programmes.
var demoProgrammes = []fund.ProgrammeDef{
	{Slug: "military-equipment", Name: "Équipement militaire (démonstration)"},
	{Slug: "agriculture", Name: "Agriculture et élevage (démonstration)"},
	{Slug: "health", Name: "Santé des populations déplacées (démonstration)"},
}

// demoFund gives the demo a fund with six months of contributions by every
// channel, a few named contributors, allocations to its programmes and to
// compensation, and some spending, so that /report/fund shows something.
// Its keys are fixed, so loading the demo again records nothing twice.
func demoFund(ctx context.Context, db *sqlstore.DB, now time.Time) error {
	for _, p := range demoProgrammes {
		if _, err := db.AddProgramme(ctx, p); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	named := []string{"Coopérative des maraîchers de Gaya (démonstration)", "Association des femmes de Tahoua (démonstration)"}
	for m := range 6 {
		at := now.AddDate(0, m-5, 0)
		for i := range 40 {
			c := fund.Contribution{Key: fmt.Sprintf("demo-%d-%d", m, i), Channel: fund.Channels[rng.IntN(3)], Amount: 5_000 * (1 + rng.Int64N(400)), At: at}
			if i < len(named) && m == 5 {
				c.Contributor = named[i]
			}
			if _, err := db.RecordContribution(ctx, c, "demo"); err != nil {
				return err
			}
		}
		for i, p := range demoProgrammes {
			key := fmt.Sprintf("demo-%d-%d", m, i)
			alloc, _ := fund.Allocate(fund.Allocation{Key: key, Programme: p.Slug, Amount: 3_000_000, At: at})
			spend, _ := fund.Spend(fund.Spending{Key: key, Programme: p.Slug, Channel: fund.Bank, Amount: 2_000_000, Memo: "achats (démonstration)", At: at})
			for _, batch := range [][]ledger.Transfer{alloc, spend} {
				if _, err := db.ApplyFund(ctx, batch); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// demoPay pays an order's compensation in full, first allocating to the
// compensation programme what it lacks and, if the fund lacks it too,
// recording a grant by bank for the rest.
func demoPay(ctx context.Context, db *sqlstore.DB, orderID string, by order.Actor) error {
	p, err := db.Payable(ctx, orderID, "")
	if err != nil {
		return err
	}
	progs, err := db.Programmes(ctx)
	if err != nil {
		return err
	}
	var held int64
	for _, pr := range progs {
		if pr.Slug == fund.CompensationProgramme {
			held = pr.Balance
		}
	}
	if short := p.Outstanding - held; short > 0 {
		key := "demo-pay-" + orderID
		if _, err := db.RecordContribution(ctx, fund.Contribution{Key: key, Channel: fund.Bank, Amount: short}, "demo"); err != nil {
			return err
		}
		batch, err := fund.Allocate(fund.Allocation{Key: key, Programme: fund.CompensationProgramme, Amount: short})
		if err != nil {
			return err
		}
		if _, err := db.ApplyFund(ctx, batch); err != nil {
			return err
		}
	}
	_, err = db.PayCompensation(ctx, fund.Payment{Key: "demo-" + orderID, Order: orderID, Channel: fund.Bank}, by, "")
	return err
}
