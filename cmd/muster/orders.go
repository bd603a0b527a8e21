package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/importer"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

func newOrdersCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "orders", Short: "Draft, approve and show call-up and requisition orders"}
	cmd.AddCommand(newOrdersDraftCmd(cfg), newOrdersApproveCmd(cfg), newOrdersShowCmd(cfg), newOrdersListCmd(cfg),
		newOrdersPDFCmd(cfg), newOrdersReceiptCmd(cfg), newOrdersEventCmd(cfg))
	return cmd
}

// actor returns the officer a command acts as, checking their role.
func actor(ctx context.Context, db *sqlstore.DB, name string, roles ...auth.Role) (order.Actor, error) {
	if name == "" {
		return order.Actor{}, usageError("--as names the officer this is done as")
	}
	u, _, err := db.UserByName(ctx, name)
	if err != nil {
		return order.Actor{}, err
	}
	for _, r := range roles {
		if u.Role == r {
			return order.Actor{Role: u.Role, Name: u.Name}, nil
		}
	}
	return order.Actor{}, muster.Errorf(muster.Forbidden, "%s has the role %s; this needs the role %s", u.Name, u.Role, roles[0])
}

func newOrdersDraftCmd(cfg *config) *cobra.Command {
	var as, kind, to, deadline, placeArea, from string
	var items []string
	var o order.Order
	cmd := &cobra.Command{
		Use:   "draft --as OFFICER --kind call_up|requisition --to person:ID|org:ID --item TYPE:QUANTITY[:UNIT] ...",
		Short: "Draft an order; a different officer approves it",
		Example: `  muster orders draft --as officer --kind requisition --to org:ORG-000004 \
    --item vehicle.truck:2:unit --place "Base de Dosso" --place-area NE.DS \
    --deadline 2026-12-01T08:00 --legal-basis "Loi 2026-01, art. 4" \
    --authority NE-MOB-DS --reason "Transport de vivres"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from != "" {
				return draftFromFile(cmd, cfg, as, from)
			}
			var err error
			if o.Kind, err = order.ParseKind(kind); err != nil {
				return err
			}
			if o.Addressee, err = registry.ParseOwner(to); err != nil {
				return usageError("--to: %v", err)
			}
			for _, s := range items {
				it, err := parseItem(s)
				if err != nil {
					return err
				}
				o.Items = append(o.Items, it)
			}
			if o.Deadline, err = parseDeadline(deadline); err != nil {
				return err
			}
			o.Place.Area = placeArea
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := actor(cmd.Context(), db, as, auth.Officer)
			if err != nil {
				return err
			}
			drafts, err := db.DraftOrders(cmd.Context(), []order.Order{o}, a)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "drafted %s %s (code %s)\n", drafts[0].Kind, drafts[0].ID, drafts[0].Code)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the officer drafting")
	f.StringVar(&kind, "kind", "", "call_up or requisition")
	f.StringVar(&to, "to", "", "addressee: person:<national_id> or org:<org_id>")
	f.StringArrayVar(&items, "item", nil, "TYPE:QUANTITY[:UNIT], repeatable (a skill for a call-up, e.g. driver:1)")
	f.StringVar(&o.Place.Text, "place", "", "where to report or hand over")
	f.StringVar(&placeArea, "place-area", "", "area code of the place")
	f.StringVar(&deadline, "deadline", "", "deadline, YYYY-MM-DDTHH:MM (UTC) or YYYY-MM-DD")
	f.StringVar(&o.LegalBasis, "legal-basis", "", "the text the order rests on")
	f.StringVar(&o.Authority, "authority", "", "issuing authority code")
	f.StringVar(&o.Reason, "reason", "", "why")
	f.StringVar(&from, "from", "", "draft one order per row of this CSV file (columns: kind, addressee, items, place, place_area, deadline, legal_basis, authority, reason)")
	return cmd
}

// batchDrafter drafts a file's orders as one batch.
type batchDrafter struct {
	*sqlstore.DB
	batch string
}

func (b batchDrafter) DraftOrders(ctx context.Context, drafts []order.Order, by order.Actor) ([]order.Order, error) {
	return b.DraftBatch(ctx, b.batch, drafts, by)
}

// draftFromFile drafts the orders of a CSV file, reporting bad rows like
// the registry imports do.
func draftFromFile(cmd *cobra.Command, cfg *config, as, path string) error {
	db, err := cfg.open(cmd.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := actor(cmd.Context(), db, as, auth.Officer)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	batch := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "-" + time.Now().UTC().Format("20060102T150405")
	sum, err := importer.Orders(cmd.Context(), batchDrafter{db, batch}, path, a, importer.Options{Reject: func(p importer.Problem) { fmt.Fprintln(stderr, p) }})
	if err == nil || sum.Imported > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "batch %s\ndrafted %d, rejected %d\n", batch, sum.Imported, sum.Rejected)
	}
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return rejectedError{sum.Rejected}
	}
	return nil
}

func parseItem(s string) (order.Item, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return order.Item{}, usageError("--item %q: want TYPE:QUANTITY[:UNIT]", s)
	}
	q, err := strconv.ParseFloat(parts[1], 64)
	if err != nil {
		return order.Item{}, usageError("--item %q: %q is not a number", s, parts[1])
	}
	it := order.Item{Type: parts[0], Quantity: q}
	if len(parts) == 3 {
		it.Unit = parts[2]
	}
	return it, nil
}

func parseDeadline(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError("--deadline %q: want YYYY-MM-DDTHH:MM (UTC), RFC 3339 or YYYY-MM-DD", s)
}

// lessGC lets the garbage collector run a fifth as often (GOGC=400) for
// a bulk issuing, unless the operator set GOGC, and returns what puts the
// setting back. Issuing allocates fast over a small live heap, so the
// collector ran often: at the default, collecting took a tenth of the
// cores signing needs (muster bench issue: 29,900 against 32,300
// orders/s), for about 130 MB more at the peak.
func lessGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	previous := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(previous) }
}

func newOrdersApproveCmd(cfg *config) *cobra.Command {
	var as, batchName string
	var all bool
	var batch int
	cmd := &cobra.Command{
		Use:   "approve --as APPROVER (ID|CODE ... | --batch BATCH | --all-drafts)",
		Short: "Approve drafts: each is signed, logged and queued for notification, all in one transaction",
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch < 1 {
				return usageError("--batch-size must be positive")
			}
			all = all || batchName != ""
			if all == (len(args) > 0) {
				return usageError("name orders or give --all-drafts or --batch, not both")
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := actor(cmd.Context(), db, as, auth.Approver)
			if err != nil {
				return err
			}
			var ids []string
			if all {
				for after := ""; ; {
					page, err := db.ListOrders(cmd.Context(), sqlstore.OrderFilter{State: order.StateDraft, Batch: batchName, After: after, Limit: 1000})
					if err != nil {
						return err
					}
					if len(page) == 0 {
						break
					}
					for _, o := range page {
						ids = append(ids, o.ID)
					}
					after = page[len(page)-1].ID
				}
			}
			if len(args) > 0 {
				named, err := db.FindOrders(cmd.Context(), args, "")
				if err != nil {
					return err
				}
				for _, o := range named {
					ids = append(ids, o.ID)
				}
			}
			// One transaction per batch: a batch is signed, logged and
			// queued all or nothing, and a failure keeps earlier batches.
			total := 0
			var bar *progressbar.ProgressBar
			if isTerminal(os.Stderr) && len(ids) > batch {
				bar = progressbar.Default(int64(len(ids)), "issuing")
				defer bar.Finish()
			}
			var batches [][]string
			for start := 0; start < len(ids); start += batch {
				batches = append(batches, ids[start:min(start+batch, len(ids))])
			}
			defer lessGC()()
			err = db.IssueBatches(cmd.Context(), batches, a, db.AddresseeRef, func(issued []sqlstore.IssuedOrder) error {
				total += len(issued)
				if bar != nil {
					bar.Set(total)
				}
				if len(ids) <= 20 {
					for _, o := range issued {
						fmt.Fprintf(cmd.OutOrStdout(), "issued %s (code %s, log index %d, key %s)\n", o.ID, o.Code, o.LogIndex, o.KeyID)
					}
				}
				return nil
			})
			if err != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "approved and issued %d orders before the failure\n", total)
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "approved and issued %d orders\n", total)
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the approving officer (never the drafter)")
	cmd.Flags().BoolVar(&all, "all-drafts", false, "approve every draft")
	cmd.Flags().StringVar(&batchName, "batch", "", "approve the drafts of one batch (printed by orders draft --from)")
	cmd.Flags().IntVar(&batch, "batch-size", 5000, "orders per transaction")
	return cmd
}

func newOrdersShowCmd(cfg *config) *cobra.Command {
	var asJSON bool
	var qrFile string
	cmd := &cobra.Command{
		Use:   "show ID|CODE",
		Short: "Show an order, its history and its signed payload",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, o, err := cfg.openOrder(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			events, err := db.OrderEvents(cmd.Context(), o.ID)
			if err != nil {
				return err
			}
			if qrFile != "" {
				if o.Signed == "" {
					return muster.Errorf(muster.Conflict, "order %s is %s: it has no signed payload until issued", o.Code, o.State)
				}
				png, err := qr.PNG(o.Signed, 512)
				if err != nil {
					return err
				}
				if err := os.WriteFile(qrFile, png, 0o644); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					sqlstore.IssuedOrder
					Events []sqlstore.StoredEvent `json:"events"`
				}{o, events})
			}
			printOrder(cmd.OutOrStdout(), o, events)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().StringVar(&qrFile, "qr", "", "also write the QR code as a PNG to this file")
	return cmd
}

func printOrder(out io.Writer, o sqlstore.IssuedOrder, events []sqlstore.StoredEvent) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "order\t%s\ncode\t%s\nkind\t%s\nstate\t%s\naddressee\t%s\n", o.ID, o.Code, o.Kind, o.State, o.Addressee)
	for _, it := range o.Items {
		fmt.Fprintf(w, "item\t%s %v %s\n", it.Type, it.Quantity, it.Unit)
	}
	fmt.Fprintf(w, "place\t%s %s\ndeadline\t%s\nlegal basis\t%s\nauthority\t%s\nreason\t%s\n",
		o.Place.Text, o.Place.Area, o.Deadline.Format(time.RFC3339), o.LegalBasis, o.Authority, o.Reason)
	if o.Signed != "" {
		fmt.Fprintf(w, "key\t%s\nlog index\t%d\nsigned\t%s\n", o.KeyID, o.LogIndex, o.Signed)
	}
	w.Flush()
	fmt.Fprintln(out, "\nhistory:")
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, e := range events {
		fmt.Fprintf(w, "  %d\t%s\t%s → %s\t%s (%s)\tlog %d\n", e.Seq, e.At.Format(time.RFC3339), e.From, e.To, e.Actor, e.Role, e.LogIndex)
	}
	w.Flush()
}

func newOrdersListCmd(cfg *config) *cobra.Command {
	var state string
	cmd := &cobra.Command{
		Use:   "list [--state STATE]",
		Short: "List orders",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tCODE\tKIND\tSTATE\tDEADLINE")
			for after := ""; ; {
				page, err := db.ListOrders(cmd.Context(), sqlstore.OrderFilter{State: order.State(state), After: after, Limit: 1000})
				if err != nil {
					return err
				}
				if len(page) == 0 {
					break
				}
				for _, o := range page {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.Code, o.Kind, o.State, o.Deadline.Format("2006-01-02 15:04"))
				}
				after = page[len(page)-1].ID
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "only orders in this state")
	return cmd
}
