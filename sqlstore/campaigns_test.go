package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/campaign"
	"github.com/muster-org/muster/registry"
)

func TestCampaignLottery(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		var persons []registry.Person
		for i := range 60 {
			p := person(fmt.Sprintf("NE%04d", i), []string{"NE.DS", "NE.DS.D01", "NE.DF"}[i%3])
			if i%4 == 0 {
				p.Status = registry.Civilian
			}
			if i%5 == 0 {
				p.Skills = []string{"mechanic"}
			}
			persons = append(persons, p)
		}
		if err := db.UpsertPersons(ctx, persons); err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateCampaign(ctx, Campaign{Name: "Rappel des réservistes, Dosso", Scope: "NE.DS", CreatedBy: "officer",
			Targets: campaign.Targets{{Area: "NE.DS.D01", Skill: "nurse", Count: 5}, {Area: "NE.DS", Count: 8}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.DrawCampaign(ctx, c.ID, nil); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("draw before freeze: %v", err)
		}
		reservists := func(p registry.Person) (bool, error) { return p.Status == registry.Reservist, nil }
		const beacon = "test lottery of 2026-03-02"
		c, err = db.FreezeCampaign(ctx, c.ID, "test-policy", "abc", beacon, reservists)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != CampaignCommitted || c.CommitText == "" {
			t.Fatalf("frozen: %+v", c)
		}
		if _, err := db.FreezeCampaign(ctx, c.ID, "test-policy", "abc", beacon, reservists); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("second freeze: %v", err)
		}
		entries, err := db.CampaignEntries(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 40 persons live in Dosso (two thirds of 60), of whom a quarter are civilians.
		if len(entries) != 30 {
			t.Fatalf("%d eligible entries, want 30", len(entries))
		}
		for _, e := range entries {
			if strings.Contains(e.Ref, "NE00") || !strings.HasPrefix(e.Area, "NE/NE.DS") {
				t.Fatalf("entry %+v", e)
			}
		}
		if _, _, err := db.DrawCampaign(ctx, c.ID, nil); muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "its value is required") {
			t.Errorf("draw without the beacon's value: %v", err)
		}
		beaconValue := []byte{0x42, 0x17, 0x99}
		c, res, err := db.DrawCampaign(ctx, c.ID, beaconValue)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != CampaignDrawn || len(res.Selected) != 13 {
			t.Fatalf("drawn %s with %d selected", c.State, len(res.Selected))
		}
		// Anyone recomputes the draw from the published statements and list.
		commit, err := campaign.ParseCommit([]byte(c.CommitText))
		if err != nil {
			t.Fatal(err)
		}
		reveal, err := campaign.ParseReveal([]byte(c.RevealText))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := campaign.Verify(commit, reveal, entries); err != nil {
			t.Errorf("verify from public data: %v", err)
		}
		if commit.Beacon != beacon || string(reveal.BeaconValue) != string(beaconValue) {
			t.Errorf("statements name beacon %q with value %x", commit.Beacon, reveal.BeaconValue)
		}
		// The statements are the log's leaves.
		leaf, err := db.Log().Leaf(ctx, uint64(c.CommitIndex))
		if err != nil || !strings.Contains(string(leaf), commit.ListRoot.String()) {
			t.Errorf("commit leaf %q %v", leaf, err)
		}
		selected, targets, err := db.CampaignSelected(ctx, c.ID)
		if err != nil || len(selected) != 13 || len(targets) != 13 {
			t.Fatalf("selected %d %v", len(selected), err)
		}
		for i, p := range selected {
			ref := db.AddresseeRef(registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID})
			if ref != res.Selected[i].Ref || targets[i] != res.Selected[i].Target || p.Status != registry.Reservist {
				t.Errorf("selected %d: %s (%s), target %d; the draw says %+v", i, p.NationalID, ref, targets[i], res.Selected[i])
			}
		}
		// Removing a person from the published list fails verification.
		if _, err := campaign.Verify(commit, reveal, entries[1:]); err == nil {
			t.Error("a shortened list verified")
		}
	})
}

func TestCampaignListChangedAfterCommit(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		if err := db.UpsertPersons(ctx, []registry.Person{person("NE0001", "NE.DS"), person("NE0002", "NE.DS")}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateCampaign(ctx, Campaign{Name: "c", Scope: "NE.DS", Targets: campaign.Targets{{Count: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FreezeCampaign(ctx, c.ID, "p", "h", campaign.NoBeacon, func(registry.Person) (bool, error) { return true, nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, `DELETE FROM campaign_entries WHERE idx = 1`); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.DrawCampaign(ctx, c.ID, nil); err == nil || !strings.Contains(err.Error(), "changed after the commitment") {
			t.Errorf("draw over a changed list: %v", err)
		}
	})
}
