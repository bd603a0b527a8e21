package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/sqlstore"
)

func newOrdersPDFCmd(cfg *config) *cobra.Command {
	var lang, out string
	cmd := &cobra.Command{
		Use:   "pdf ID|CODE --lang fr|en|ha|dje -o FILE.pdf",
		Short: "Print an issued order as a PDF to hand to its addressee",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, o, err := cfg.openOrder(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			doc, err := printable(cmd.Context(), db, o)
			if err != nil {
				return err
			}
			pdf, err := printout.Render(doc, lang)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, pdf, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", out, len(pdf))
			return nil
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "fr", "language: fr, en, ha or dje")
	cmd.Flags().StringVarP(&out, "output", "o", "", "PDF file to write")
	cmd.MarkFlagRequired("output")
	return cmd
}

// printable turns an issued order into what the printed order shows: the
// addressee's name (the paper is handed to them) and the short reference
// of the QR code, nothing more of theirs.
func printable(ctx context.Context, db *sqlstore.DB, o sqlstore.IssuedOrder) (printout.Order, error) {
	return db.Printable(ctx, o, verification())
}

// verification is how a printed order tells its reader to check it.
func verification() printout.Verification {
	return printout.Verification{USSD: os.Getenv("MUSTER_VERIFY_USSD"), SMS: os.Getenv("MUSTER_VERIFY_SMS"), URL: os.Getenv("MUSTER_VERIFY_URL")}
}

func newOrdersReceiptCmd(cfg *config) *cobra.Command {
	var lang, out string
	cmd := &cobra.Command{
		Use:   "receipt ID|CODE --lang fr|en|ha|dje -o FILE.pdf",
		Short: "Print the handover receipt of a requisition for its owner",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, o, err := cfg.openOrder(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := db.PrintableReceipt(cmd.Context(), o, verification())
			if err != nil {
				return err
			}
			pdf, err := printout.RenderReceipt(r, lang)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, pdf, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", out, len(pdf))
			return nil
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "fr", "language: fr, en, ha or dje")
	cmd.Flags().StringVarP(&out, "output", "o", "", "PDF file to write")
	cmd.MarkFlagRequired("output")
	return cmd
}
