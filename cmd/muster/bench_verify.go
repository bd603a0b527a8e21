package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/trust"
)

func newBenchVerifyCmd() *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify signed orders offline (Base45, zlib, COSE, trust list, Ed25519) and compare with bare Ed25519 verification",
		Long: `Sign --orders call-ups and requisitions like muster issues them (the QR
payload of each: CBOR claims in COSE_Sign1, zlib, Base45) with a fresh
authority key, then time verifying every one against a trust list as
muster verify and a checkpoint's phone do, and, on the same payloads and
the same single core, bare Ed25519 verification. Prints both rates and the
ratio (target 0.80).

Verifying needs no database: this runs in memory. bench issue measures the
same on the orders it has issued through the database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return usageError("--orders must be positive")
			}
			return benchVerify(cmd.OutOrStdout(), n)
		},
	}
	cmd.Flags().IntVar(&n, "orders", 100_000, "signed orders to verify")
	return cmd
}

func benchVerify(out io.Writer, n int) error {
	now := time.Now().UTC().Truncate(time.Second)
	key, priv := trust.GenerateKey(demoAuthority.Code, now.Add(-time.Minute), now.AddDate(1, 0, 0))
	signed, err := signSampleOrders(n, key.ID, priv, now)
	if err != nil {
		return err
	}
	verifyTime, bareTime, err := measureVerify(signed, key, priv, now)
	if err != nil {
		return err
	}
	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	fmt.Fprintf(out, "bench verify: %d signed orders, one core, %d CPUs, %s\n", n, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(out, "| path | seconds | orders/s |\n|---|---:|---:|\n")
	fmt.Fprintf(out, "| verify (Base45, zlib, COSE, trust list, Ed25519) | %.2f | %.0f |\n", verifyTime.Seconds(), rate(verifyTime))
	fmt.Fprintf(out, "| bare Ed25519 verify, same payloads, one core | %.2f | %.0f |\n", bareTime.Seconds(), rate(bareTime))
	fmt.Fprintf(out, "ratio verify/bare verify: %.2f (target 0.80)\n", bareTime.Seconds()/verifyTime.Seconds())
	return nil
}

// signSampleOrders signs n orders shaped like the demo's (a fifth of them
// requisitions), on every core.
func signSampleOrders(n int, keyID string, priv ed25519.PrivateKey, now time.Time) ([]string, error) {
	signed := make([]string, n)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := w; i < n; i += workers {
				ref := make([]byte, 8)
				for j := range ref {
					ref[j] = byte(rng.Uint32())
				}
				c := qr.Claims{OrderID: order.NewID(now), Code: string(order.NewCode()), Kind: qr.KindCallUp,
					AddresseeRef: hex.EncodeToString(ref), What: []qr.Item{{Type: "driver", Quantity: 1}},
					Where:    qr.Place{Text: "Caserne régionale de Dosso", Area: "NE.DS.D01"},
					Deadline: now.AddDate(0, 0, 10), Authority: demoAuthority.Code, IssuedAt: now, LogIndex: uint64(2*i + 1)}
				if i%5 == 0 {
					c.Kind, c.What = qr.KindRequisition, []qr.Item{{Type: "vehicle.truck", Quantity: 2, Unit: "unit"}, {Type: "fuel.diesel", Quantity: 400, Unit: "l"}}
				}
				if signed[i], errs[w] = qr.Encode(c, keyID, priv); errs[w] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("bench: sign: %w", err)
		}
	}
	return signed, nil
}

// measureVerify times qr.Verify of every signed text against a trust list
// holding key, and bare Ed25519 verification of the same payloads (the
// CBOR claims, signed again with priv), both on the calling goroutine
// (one core). The two take turns, verifyTurn orders at a time, so that a
// change in the machine's speed during the run (a shared host's often
// does, by a tenth within a minute) weighs on both alike instead of on
// whichever ran second.
func measureVerify(signed []string, key trust.Key, priv ed25519.PrivateKey, at time.Time) (verifyTime, bareTime time.Duration, err error) {
	tl, err := trust.NewTrustList([]trust.Key{key}, 1, at)
	if err != nil {
		return 0, 0, err
	}
	type bare struct{ msg, sig []byte }
	bares := make([]bare, len(signed))
	for i, s := range signed {
		_, _, m, err := qr.Decode(s)
		if err != nil {
			return 0, 0, err
		}
		bares[i] = bare{m.Payload, ed25519.Sign(priv, m.Payload)}
	}
	for from := 0; from < len(signed); from += verifyTurn {
		to := min(from+verifyTurn, len(signed))
		start := time.Now()
		for _, s := range signed[from:to] {
			if _, err := qr.Verify(s, tl, time.Now()); err != nil {
				return 0, 0, err
			}
		}
		verifyTime += time.Since(start)
		start = time.Now()
		for _, b := range bares[from:to] {
			if !ed25519.Verify(key.Public, b.msg, b.sig) {
				return 0, 0, fmt.Errorf("bench: bare verification failed")
			}
		}
		bareTime += time.Since(start)
	}
	return verifyTime, bareTime, nil
}

// verifyTurn is how many orders each side of measureVerify verifies in a
// turn: about 50 ms of work, long against the clock's resolution.
const verifyTurn = 1000
