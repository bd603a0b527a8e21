package main

import (
	"context"
	"fmt"
	"time"

	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/campaign"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// demoNeeds are what requesting units ask of the demo country: a few
// regions, resources and skills, so that the allocation has work to do.
func demoNeeds(now time.Time) []need.Need {
	deadline := now.AddDate(0, 0, 14).UTC().Truncate(time.Hour)
	n := func(id, unit, typ, skill string, q float64, areaCode string, prio int, why string) need.Need {
		return need.Need{ID: id, Unit: unit, Type: typ, Skill: skill, Quantity: q, Area: areaCode, Deadline: deadline,
			Priority: prio, Justification: why, LegalBasis: "Décret n° 2026-114 portant mobilisation générale, art. 3"}
	}
	return []need.Need{
		n("DS-2026-001", "3e bataillon", "vehicle.truck", "", 4, "NE.DS", 4, "Transport du bataillon vers la zone de Diffa"),
		n("DS-2026-002", "3e bataillon", "fuel.diesel", "", 5000, "NE.DS", 4, "Carburant pour le convoi"),
		n("DS-2026-003", "3e bataillon", "", "driver", 6, "NE.DS", 3, "Conducteurs des camions réquisitionnés"),
		n("DS-2026-004", "Protection civile Dosso", "food.millet", "", 2000, "NE.DS", 3, "Vivres pour les déplacés"),
		n("TL-2026-001", "Protection civile Tillabéri", "vehicle.pickup", "", 3, "NE.TL", 5, "Évacuation des villages frontaliers"),
		n("TL-2026-002", "Protection civile Tillabéri", "", "nurse", 4, "NE.TL", 5, "Poste de santé avancé"),
		n("DF-2026-001", "Groupement de Diffa", "equipment.generator", "", 2, "NE.DF", 2, "Alimentation du poste de commandement"),
	}
}

// demoRound files the demo's needs, runs one allocation for Dosso and
// leaves the proposal for review, and runs a call-up campaign in
// Tillabéri to its draw, so that the log holds a policy-backed proposal
// and a verifiable lottery. It does nothing when needs exist already.
func demoRound(ctx context.Context, db *sqlstore.DB) (string, error) {
	existing, err := db.ListNeeds(ctx, sqlstore.NeedFilter{Limit: 1})
	if err != nil || len(existing.Items) > 0 {
		return "", err
	}
	now := time.Now()
	filed, err := db.FileNeeds(ctx, demoNeeds(now), "requester.dosso")
	if err != nil {
		return "", err
	}
	stored, _, err := db.Propose(ctx, "NE.DS", nil, "officer", allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight,
		FairnessWeight: allocate.DefaultFairnessWeight})
	if err != nil {
		return "", err
	}
	p, sp, err := db.ActivePolicy(ctx)
	if err != nil {
		return "", err
	}
	c, err := db.CreateCampaign(ctx, sqlstore.Campaign{Name: "Rappel des réservistes infirmiers et conducteurs, Tillabéri",
		Scope: "NE.TL", CreatedBy: "officer", Condition: `person.status == "reservist"`,
		Targets: campaign.Targets{{Area: "NE.TL", Skill: "nurse", Count: 5}, {Area: "NE.TL", Skill: "driver", Count: 10}}})
	if err != nil {
		return "", err
	}
	cond, err := p.CompileCondition(c.Condition)
	if err != nil {
		return "", err
	}
	// The demo draws at once, offline: there is no public beacon to wait
	// for, and "campaign verify" says so.
	if _, err := db.FreezeCampaign(ctx, c.ID, sp.Version, sp.Hash, campaign.NoBeacon, func(person registry.Person) (bool, error) {
		return p.Eligible(person, now, cond)
	}); err != nil {
		return "", err
	}
	c, res, err := db.DrawCampaign(ctx, c.ID, nil)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("demo round: %d needs filed; proposal %s for Dosso awaits review (%d lines, %d short); campaign %s drawn in Tillabéri (%d selected)",
		len(filed), stored.ID, len(stored.Lines), len(stored.Shortfalls), c.ID, len(res.Selected)), nil
}
