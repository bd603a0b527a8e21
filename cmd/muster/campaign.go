package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/campaign"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

func newCampaignCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Call-up campaigns drawn by a verifiable lottery",
		Long: `A campaign calls up persons by area and skill quotas. Freezing it commits, in the
transparency log, to the Merkle root of the eligible list and the SHA-256 of a secret
seed; drawing it reveals the seed, ranks everyone by HMAC-SHA256(seed, reference) and
logs the result. "muster campaign publish" writes the files anyone needs to check the
draw, and "muster campaign verify" checks them.`,
	}
	cmd.AddCommand(newCampaignCreateCmd(cfg), newCampaignFreezeCmd(cfg), newCampaignDrawCmd(cfg), newCampaignListCmd(cfg),
		newCampaignPublishCmd(cfg), newCampaignVerifyCmd(cfg), newCampaignOrdersCmd(cfg))
	return cmd
}

// parseTarget reads AREA:SKILL:COUNT, where AREA or SKILL may be empty
// ("NE.DS::40" is 40 persons of any skill in Dosso).
func parseTarget(s string) (campaign.Target, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return campaign.Target{}, usageError("--target %q: want AREA:SKILL:COUNT (AREA or SKILL may be empty)", s)
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil {
		return campaign.Target{}, usageError("--target %q: %q is not a count", s, parts[2])
	}
	return campaign.Target{Area: parts[0], Skill: parts[1], Count: n}, nil
}

func newCampaignCreateCmd(cfg *config) *cobra.Command {
	var as, name, scope, condition, force string
	var targets []string
	cmd := &cobra.Command{
		Use:   "create --as OFFICER --name NAME --scope AREA --target AREA:SKILL:COUNT... [--condition CEL]",
		Short: "Create a campaign: its quotas, in the order they are filled, and who may be called",
		Example: `  muster campaign create --as officer --name "Rappel des conducteurs, Dosso" --scope NE.DS \
    --target NE.DS:driver:40 --target NE.DS:mechanic:10 --condition '"driver" in person.skills || person.age < 40'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := sqlstore.Campaign{Name: name, Scope: scope, Condition: condition, Force: force}
			for _, s := range targets {
				t, err := parseTarget(s)
				if err != nil {
					return err
				}
				c.Targets = append(c.Targets, t)
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := officerIn(cmd, db, as, scope)
			if err != nil {
				return err
			}
			if condition != "" {
				p, _, err := db.ActivePolicy(cmd.Context())
				if err != nil {
					return err
				}
				if _, err := p.CompileCondition(condition); err != nil {
					return muster.Wrap(muster.Invalid, err, "--condition")
				}
			}
			c.CreatedBy = u.Name
			c, err = db.CreateCampaign(cmd.Context(), c)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created campaign %s (%d targets); freeze it to commit to its eligible list\n", c.ID, len(c.Targets))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the officer creating it")
	f.StringVar(&name, "name", "", "what the campaign is")
	f.StringVar(&scope, "scope", "", "the area whose residents may be called (within your jurisdiction)")
	f.StringArrayVar(&targets, "target", nil, "AREA:SKILL:COUNT, repeatable, filled in this order")
	f.StringVar(&condition, "condition", "", "a CEL condition over person, on top of the policy's liability")
	f.StringVar(&force, "force", "", "the force target (muster forces) its call-ups count towards")
	return cmd
}

// officerIn resolves --as to an officer whose jurisdiction holds area.
func officerIn(cmd *cobra.Command, db *sqlstore.DB, name, areaCode string) (auth.User, error) {
	if _, err := actor(cmd.Context(), db, name, auth.Officer); err != nil {
		return auth.User{}, err
	}
	u, _, err := db.UserByName(cmd.Context(), name)
	if err != nil {
		return u, err
	}
	tree, err := db.AreaTree(cmd.Context())
	if err != nil {
		return u, err
	}
	if _, ok := tree.Get(areaCode); !ok {
		return u, usageError("no area %q", areaCode)
	}
	if !tree.Within(areaCode, u.Area) {
		return u, muster.Errorf(muster.Forbidden, "%s is outside the jurisdiction of %s (%s)", areaCode, u.Name, u.Area)
	}
	return u, nil
}

func newCampaignFreezeCmd(cfg *config) *cobra.Command {
	var as, beacon string
	cmd := &cobra.Command{
		Use:   "freeze --as OFFICER --beacon SOURCE CAMPAIGN",
		Short: "Freeze the eligible list and log the commitment to it, to the secret seed and to a public beacon",
		Long: `Freezes the eligible list and logs the commitment to it, to a secret seed
and to a public beacon: randomness that nobody can know now and everyone can
read after, such as a drand round or a public lottery draw due after the
commitment. The draw mixes the beacon's value into the seed, so whoever holds
the seed cannot try seeds until one suits them. --beacon names it ("drand
quicknet round 24000000"); "none" draws without one, for exercises only.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := db.Campaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if _, err := officerIn(cmd, db, as, c.Scope); err != nil {
				return err
			}
			p, sp, err := db.ActivePolicy(cmd.Context())
			if err != nil {
				return err
			}
			var cond *policy.Condition
			if c.Condition != "" {
				if cond, err = p.CompileCondition(c.Condition); err != nil {
					return err
				}
			}
			now := time.Now()
			if beacon == "" {
				return usageError("--beacon is required: name the public randomness the draw will mix in, or \"none\" for an exercise")
			}
			c, err = db.FreezeCampaign(cmd.Context(), c.ID, sp.Version, sp.Hash, beacon, func(person registry.Person) (bool, error) {
				return p.Eligible(person, now, cond)
			})
			if err != nil {
				return err
			}
			commit, err := campaign.ParseCommit([]byte(c.CommitText))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "campaign %s frozen under policy %s: %d eligible, list root %s, seed commitment %s, beacon %q (log index %d)\n",
				c.ID, sp.Version, commit.ListSize, commit.ListRoot, commit.SeedCommitment, commit.Beacon, c.CommitIndex)
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the officer freezing it")
	cmd.Flags().StringVar(&beacon, "beacon", "", `the public randomness the draw will mix in, due after now ("none": an exercise)`)
	return cmd
}

func newCampaignDrawCmd(cfg *config) *cobra.Command {
	var as, beaconValue string
	cmd := &cobra.Command{
		Use:   "draw --as OFFICER [--beacon-value HEX] CAMPAIGN",
		Short: "Reveal the seed, mix in the beacon's value, draw, and log the result",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := db.Campaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if _, err := officerIn(cmd, db, as, c.Scope); err != nil {
				return err
			}
			var value []byte
			if beaconValue != "" {
				if value, err = campaign.ParseBeaconValue(beaconValue); err != nil {
					return usageError("--beacon-value: %v", err)
				}
			}
			c, res, err := db.DrawCampaign(cmd.Context(), c.ID, value)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "campaign %s drawn: %d selected (reveal at log index %d)\n", c.ID, len(res.Selected), c.RevealIndex)
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TARGET\tAREA\tSKILL\tWANTED\tSELECTED\tSHORT")
			for i, q := range res.Quotas {
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%d\n", i+1, dash(q.Target.Area), dash(q.Target.Skill), q.Target.Count, q.Selected, q.Shortfall())
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the officer drawing it")
	cmd.Flags().StringVar(&beaconValue, "beacon-value", "", "the value the committed beacon gave, in hex (required unless the beacon is none)")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newCampaignListCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List campaigns, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.Campaigns(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CAMPAIGN\tSTATE\tSCOPE\tTARGETS\tPOLICY\tNAME")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", c.ID, c.State, c.Scope, len(c.Targets), dash(c.PolicyVersion), c.Name)
			}
			return w.Flush()
		},
	}
}

func newCampaignPublishCmd(cfg *config) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "publish CAMPAIGN -o DIR",
		Short: "Write commit.txt, reveal.txt (once drawn) and list.csv: what anyone needs to check the draw",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return usageError("-o DIR is required")
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := db.Campaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if c.State == sqlstore.CampaignDraft {
				return muster.Errorf(muster.Conflict, "campaign %s is a draft: nothing is published before it is frozen", c.ID)
			}
			entries, err := db.CampaignEntries(cmd.Context(), c.ID)
			if err != nil {
				return err
			}
			list, err := campaign.Freeze(entries)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := campaign.WriteList(&buf, list); err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			files := map[string][]byte{"commit.txt": []byte(c.CommitText), "list.csv": buf.Bytes()}
			if c.RevealText != "" {
				files["reveal.txt"] = []byte(c.RevealText)
			}
			for name, b := range files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s\n", len(files), dir)
			return nil
		},
	}
	cmd.Flags().StringVarP(&dir, "output", "o", "", "directory to write to")
	return cmd
}

func newCampaignVerifyCmd(cfg *config) *cobra.Command {
	var dir, ref string
	cmd := &cobra.Command{
		Use:   "verify (CAMPAIGN | --dir DIR) [--ref REF]",
		Short: "Recompute a draw from public data: exit 0 when it checks, 1 naming what does not",
		Long: `Checks that the seed matches its commitment, that the list is the committed one (same
Merkle root and size), and that drawing again gives the logged result. With --dir it reads
only the files "muster campaign publish" wrote, and needs no database. --ref prints the
rank and place of one person's reference.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (dir == "") == (len(args) == 0) {
				return usageError("name a campaign or give --dir, not both")
			}
			var commitText, revealText []byte
			var entries []campaign.Entry
			if dir != "" {
				var err error
				if commitText, err = os.ReadFile(filepath.Join(dir, "commit.txt")); err != nil {
					return err
				}
				if revealText, err = os.ReadFile(filepath.Join(dir, "reveal.txt")); err != nil {
					return err
				}
				f, err := os.Open(filepath.Join(dir, "list.csv"))
				if err != nil {
					return err
				}
				defer f.Close()
				if entries, err = campaign.ReadList(f, f.Name()); err != nil {
					return err
				}
			} else {
				db, err := cfg.open(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				c, err := db.Campaign(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if c.State != sqlstore.CampaignDrawn {
					return muster.Errorf(muster.Conflict, "campaign %s is %s: there is no draw to verify yet", c.ID, c.State)
				}
				commitText, revealText = []byte(c.CommitText), []byte(c.RevealText)
				if entries, err = db.CampaignEntries(cmd.Context(), c.ID); err != nil {
					return err
				}
			}
			commit, err := campaign.ParseCommit(commitText)
			if err != nil {
				return verifyFailed{err}
			}
			reveal, err := campaign.ParseReveal(revealText)
			if err != nil {
				return verifyFailed{err}
			}
			res, err := campaign.Verify(commit, reveal, entries)
			if err != nil {
				return verifyFailed{err}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "campaign %s verifies: %d eligible, root %s, seed %s, %d selected\n",
				commit.Campaign, commit.ListSize, commit.ListRoot, reveal.Seed, len(res.Selected))
			if commit.Beacon == campaign.NoBeacon {
				fmt.Fprintln(out, "beacon: none; this draw mixed in no public randomness, so the seed's holder could have tried seeds before committing")
			} else {
				fmt.Fprintf(out, "beacon: %s gave %x; check this value at its source\n", commit.Beacon, reveal.BeaconValue)
			}
			if ref != "" {
				rank := campaign.DrawKey(reveal.Seed, reveal.BeaconValue).Rank(ref)
				place := "not selected"
				for i, s := range res.Selected {
					if s.Ref == ref {
						place = fmt.Sprintf("selected, place %d, for target %d", i+1, s.Target+1)
					}
				}
				found := false
				for _, e := range entries {
					found = found || e.Ref == ref
				}
				if !found {
					place = "not in the eligible list"
				}
				fmt.Fprintf(out, "%s: rank %s, %s\n", ref, rank, place)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "a directory written by muster campaign publish")
	cmd.Flags().StringVar(&ref, "ref", "", "a person's reference (shown on their orders)")
	return cmd
}

// verifyFailed is a check that did not pass: exit 1, like muster verify
// (it does not unwrap, so that the kind of the underlying error does not
// turn it into a usage error).
type verifyFailed struct{ err error }

func (v verifyFailed) Error() string { return "verification failed: " + v.err.Error() }

func newCampaignOrdersCmd(cfg *config) *cobra.Command {
	var as, deadline, placeArea string
	var o order.Order
	cmd := &cobra.Command{
		Use:   "orders --as OFFICER CAMPAIGN --authority CODE --place TEXT --place-area AREA --deadline WHEN --legal-basis TEXT",
		Short: "Draft the call-up orders of the persons a campaign drew; a different officer approves them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Deadline, err = parseDeadline(deadline); err != nil {
				return err
			}
			o.Place.Area = placeArea
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := db.Campaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if c.State != sqlstore.CampaignDrawn {
				return muster.Errorf(muster.Conflict, "campaign %s is %s: draw it first", c.ID, c.State)
			}
			if _, err := officerIn(cmd, db, as, c.Scope); err != nil {
				return err
			}
			a, err := actor(cmd.Context(), db, as, auth.Officer)
			if err != nil {
				return err
			}
			persons, targets, err := db.CampaignSelected(cmd.Context(), c.ID)
			if err != nil {
				return err
			}
			if o.Reason == "" {
				o.Reason = fmt.Sprintf("Campagne %s : %s (tirage au sort vérifiable)", c.ID, c.Name)
			}
			drafts := make([]order.Order, len(persons))
			for i, p := range persons {
				d := o
				d.Kind = order.CallUp
				d.Addressee = registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID}
				if skill := c.Targets[targets[i]].Skill; skill != "" {
					d.Items = []order.Item{{Type: skill, Quantity: 1}}
				}
				drafts[i] = d
			}
			batch := c.ID
			var drafted int
			for start := 0; start < len(drafts); start += 5000 {
				part := drafts[start:min(start+5000, len(drafts))]
				done, err := db.DraftBatch(cmd.Context(), batch, part, a)
				if err != nil {
					return fmt.Errorf("after %d drafts: %w", drafted, err)
				}
				drafted += len(done)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "drafted %d call-up orders in batch %s; approve them with: muster orders approve --batch %s --as APPROVER\n",
				drafted, batch, batch)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the officer drafting")
	f.StringVar(&o.Authority, "authority", "", "issuing authority code")
	f.StringVar(&o.Place.Text, "place", "", "where to report")
	f.StringVar(&placeArea, "place-area", "", "area code of the place")
	f.StringVar(&deadline, "deadline", "", "when to report, YYYY-MM-DDTHH:MM (UTC) or YYYY-MM-DD")
	f.StringVar(&o.LegalBasis, "legal-basis", "", "the text the orders rest on")
	f.StringVar(&o.Reason, "reason", "", "why (default: the campaign's name and id)")
	return cmd
}
