package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/tlog"
)

func newLogCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "log", Short: "The transparency log: checkpoints, proofs, verification"}
	checkpoint := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign a checkpoint of the log's current size and print it (a C2SP signed note)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			signer, _, err := cfg.logSigner()
			if err != nil {
				return err
			}
			cp, err := db.SignCheckpoint(cmd.Context(), signer)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(cp)
			return err
		},
	}
	prove := &cobra.Command{
		Use:   "prove ORDER-CODE",
		Short: "Prove that an order's issue event is in the log, against a fresh checkpoint",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, o, err := cfg.openOrder(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			if o.Signed == "" {
				return muster.Errorf(muster.Conflict, "order %s is %s: it is not issued, so not in the log as issued", o.Code, o.State)
			}
			signer, _, err := cfg.logSigner()
			if err != nil {
				return err
			}
			cp, err := db.SignCheckpoint(cmd.Context(), signer)
			if err != nil {
				return err
			}
			log := db.Log()
			size, err := log.Size(cmd.Context())
			if err != nil {
				return err
			}
			leaf, err := log.Leaf(cmd.Context(), o.LogIndex)
			if err != nil {
				return err
			}
			proof, err := log.InclusionProof(cmd.Context(), o.LogIndex, size)
			if err != nil {
				return err
			}
			root, err := log.Root(cmd.Context(), size)
			if err != nil {
				return err
			}
			if err := tlog.VerifyInclusion(tlog.LeafHash(leaf), o.LogIndex, size, proof, root); err != nil {
				return err
			}
			hashes := make([]string, len(proof))
			for i, h := range proof {
				hashes[i] = base64.StdEncoding.EncodeToString(h)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{
				"order": o.ID, "code": o.Code, "leaf_index": o.LogIndex, "leaf": string(leaf),
				"tree_size": size, "inclusion_proof": hashes, "checkpoint": string(cp),
			})
		},
	}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the log from stored events and check every checkpoint; exit 1 on any change made behind muster's back",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			_, vkey, err := cfg.logSigner()
			if err != nil {
				return err
			}
			verifier, err := noteVerifier(vkey)
			if err != nil {
				return err
			}
			report, problems, err := db.VerifyLog(cmd.Context(), verifier)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, p := range problems {
				fmt.Fprintln(out, "PROBLEM:", p.What)
			}
			fmt.Fprintf(out, "log of %d leaves, %d checkpoints checked: %d problems\n", report.Size, report.Checkpoints, len(problems))
			if len(problems) > 0 {
				return logBroken{len(problems)}
			}
			return nil
		},
	}
	cmd.AddCommand(checkpoint, prove, verify)
	return cmd
}

// logBroken ends `muster log verify` with exit status 1 once the problems
// are printed.
type logBroken struct{ n int }

func (e logBroken) Error() string {
	return fmt.Sprintf("the log does not match the database: %d problems", e.n)
}
