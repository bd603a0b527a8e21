package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/trust"
)

func newBenchIssueCmd(cfg *config) *cobra.Command {
	var n, batch int
	cmd := &cobra.Command{
		Use:   "issue",
		Short: "Approve and issue orders (sign, store, log, queue) and compare with bare Ed25519 signing; then verify them against bare Ed25519 verification",
		Long: `Load --orders persons of the demo country into a fresh database, draft one
call-up each, then time approving and issuing them in batches (each batch
one transaction: Ed25519 signature, QR payload, order row, events, log
leaves, outbox). In the same run, time bare Ed25519 signing of the same
payloads on one core, and print the ratio (the target's measure); for
comparison, also on every core, which issuing shares with the database's
writes. Then time muster's verification of every signed order (Base45, zlib, COSE, trust list, signature) against
bare Ed25519 verification of the same payloads.

Uses fresh SQLite files in a temporary directory, or, with --db
postgres://..., fresh schemas in that database (dropped afterwards).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 || batch <= 0 {
				return usageError("--orders and --batch-size must be positive")
			}
			return benchIssue(cmd.Context(), cmd.OutOrStdout(), cfg.db, n, batch)
		},
	}
	cmd.Flags().IntVar(&n, "orders", 100_000, "orders to issue")
	cmd.Flags().IntVar(&batch, "batch-size", 5000, "orders per transaction")
	return cmd
}

// issueResult is what bench issue measured: issuing against bare
// Ed25519 signing, verifying against bare Ed25519 verification.
type issueResult struct {
	orders, batch                                   int
	dialect                                         string
	issueTime, signTime, verifyTime, bareVerifyTime time.Duration
	signAllCoresTime                                time.Duration // bare signing on every core
	issueCPU                                        cpuAccount    // where the machine's time went while issuing
}

func (r issueResult) rate(d time.Duration) float64 { return float64(r.orders) / d.Seconds() }

func benchIssue(ctx context.Context, out io.Writer, dsn string, n, batch int) error {
	r, err := measureIssue(ctx, out, dsn, n, batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nbench issue: %d orders, batches of %d, %s, %d CPUs, %s\n", r.orders, r.batch, r.dialect, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(out, "| path | seconds | orders/s |\n|---|---:|---:|\n")
	fmt.Fprintf(out, "| approve and issue (sign, store, log, queue) | %.2f | %.0f |\n", r.issueTime.Seconds(), r.rate(r.issueTime))
	fmt.Fprintf(out, "| bare Ed25519 sign, same payloads, one core | %.2f | %.0f |\n", r.signTime.Seconds(), r.rate(r.signTime))
	fmt.Fprintf(out, "| bare Ed25519 sign, same payloads, all %d cores | %.2f | %.0f |\n", runtime.GOMAXPROCS(0), r.signAllCoresTime.Seconds(), r.rate(r.signAllCoresTime))
	fmt.Fprintf(out, "| verify (Base45, zlib, COSE, trust list, Ed25519) | %.2f | %.0f |\n", r.verifyTime.Seconds(), r.rate(r.verifyTime))
	fmt.Fprintf(out, "| bare Ed25519 verify, same payloads, one core | %.2f | %.0f |\n", r.bareVerifyTime.Seconds(), r.rate(r.bareVerifyTime))
	fmt.Fprintf(out, "ratio issue/bare sign: %.2f (target 0.50); ratio verify/bare verify: %.2f (target 0.80)\n",
		r.signTime.Seconds()/r.issueTime.Seconds(), r.bareVerifyTime.Seconds()/r.verifyTime.Seconds())
	fmt.Fprintf(out, "ratio issue/bare sign on all %d cores: %.2f (for comparison: issuing also writes the database on these cores)\n",
		runtime.GOMAXPROCS(0), r.signAllCoresTime.Seconds()/r.issueTime.Seconds())
	fmt.Fprintf(out, "while issuing: %s; bare signing %.1f µs per order\n", r.issueCPU.perOrder(r.orders), r.signTime.Seconds()*1e6/float64(r.orders))
	return nil
}

// measureIssue loads n persons, drafts one call-up each, and times
// approve-and-issue in batches of batch, bare signing, verification and
// bare verification; progress goes to log.
func measureIssue(ctx context.Context, log io.Writer, dsn string, n, batch int) (issueResult, error) {
	w, err := newBenchWorkspace(1)
	if err != nil {
		return issueResult{}, err
	}
	defer w.close()
	dir, keys, areas := w.dir, w.keys, w.areas
	store, err := benchDB(ctx, dsn, dir, "issue", keys, areas)
	if err != nil {
		return issueResult{}, err
	}
	defer store.close()
	db := store.db
	fmt.Fprintf(log, "loading %d persons and drafting one call-up each ...\n", n)
	sink := &storeSink{db: db}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if _, err := demo.Generate(ctx, demo.Config{Persons: n, Seed: 1, Today: today}, sink, nil); err != nil {
		return issueResult{}, err
	}
	if err := sink.flush(ctx); err != nil {
		return issueResult{}, err
	}
	if err := db.CreateAuthority(ctx, demoAuthority); err != nil {
		return issueResult{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	key, priv := trust.GenerateKey(demoAuthority.Code, now.Add(-time.Minute), now.AddDate(1, 0, 0))
	if err := db.AddKey(ctx, key, priv); err != nil {
		return issueResult{}, err
	}
	var ids []string
	officer := order.Actor{Role: auth.Officer, Name: "officer"}
	for after := int64(0); ; {
		page, err := db.ListPersons(ctx, sqlstore.PersonFilter{After: after, Limit: 1000})
		if err != nil {
			return issueResult{}, err
		}
		drafts := make([]order.Order, len(page.Items))
		for i, p := range page.Items {
			drafts[i] = order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID},
				Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne régionale", Area: p.Area},
				Deadline: now.AddDate(0, 0, 10), LegalBasis: "Ordonnance n° 2026-05, art. 4", Authority: demoAuthority.Code, Reason: "Campagne"}
		}
		drafted, err := db.DraftOrders(ctx, drafts, officer)
		if err != nil {
			return issueResult{}, err
		}
		for _, o := range drafted {
			ids = append(ids, o.ID)
		}
		if page.Next == 0 {
			break
		}
		after = page.Next
	}

	approver := order.Actor{Role: auth.Approver, Name: "approver"}
	signed := make([]string, 0, len(ids))
	start := time.Now()
	var batches [][]string
	for i := 0; i < len(ids); i += batch {
		batches = append(batches, ids[i:min(i+batch, len(ids))])
	}
	// Issued as orders approve issues: with the collector's setting it
	// uses. Labelled so that a --cpuprofile can be narrowed to issuing
	// alone (pprof -tagfocus=phase=issue).
	restoreGC := lessGC()
	cpu := readCPU()
	pprof.Do(ctx, pprof.Labels("phase", "issue"), func(ctx context.Context) {
		err = db.IssueBatches(ctx, batches, approver, db.AddresseeRef, func(issued []sqlstore.IssuedOrder) error {
			for _, o := range issued {
				signed = append(signed, o.Signed)
			}
			return nil
		})
	})
	issueTime, issueCPU := time.Since(start), cpu.since()
	restoreGC()
	if err != nil {
		return issueResult{}, err
	}

	// The bare floor: Ed25519 over the same payloads (the CBOR claims).
	payloads := make([][]byte, len(signed))
	for i, s := range signed {
		_, _, msg, err := qr.Decode(s)
		if err != nil {
			return issueResult{}, err
		}
		payloads[i] = msg.Payload
	}
	// Collected first, so that no collection of what issuing left behind
	// (a large heap once GOGC is back to its setting) runs beside it.
	runtime.GC()
	sigs := make([][]byte, len(payloads))
	start = time.Now()
	for i, p := range payloads {
		sigs[i] = ed25519.Sign(priv, p)
	}
	signTime := time.Since(start)

	// The same on every core: the machine's whole signing capacity.
	start = time.Now()
	var workers sync.WaitGroup
	cores := runtime.GOMAXPROCS(0)
	for w := range cores {
		workers.Go(func() {
			for i := w; i < len(payloads); i += cores {
				sigs[i] = ed25519.Sign(priv, payloads[i])
			}
		})
	}
	workers.Wait()
	signAllCoresTime := time.Since(start)

	verifyTime, bareVerifyTime, err := measureVerify(signed, key, priv, now)
	if err != nil {
		return issueResult{}, err
	}

	return issueResult{orders: len(signed), batch: batch, dialect: db.Dialect(), issueTime: issueTime, signTime: signTime,
		signAllCoresTime: signAllCoresTime, issueCPU: issueCPU, verifyTime: verifyTime, bareVerifyTime: bareVerifyTime}, nil
}
