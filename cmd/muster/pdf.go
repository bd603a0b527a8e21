package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
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
	return db.Printable(ctx, o, printout.Verification{
		USSD: os.Getenv("MUSTER_VERIFY_USSD"), SMS: os.Getenv("MUSTER_VERIFY_SMS"), URL: os.Getenv("MUSTER_VERIFY_URL"),
	})
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
			events, err := db.OrderEvents(cmd.Context(), o.ID)
			if err != nil {
				return err
			}
			var handover *sqlstore.StoredEvent
			for i := range events {
				if events[i].Event == order.EventFulfil {
					handover = &events[i]
				}
			}
			if o.Kind != order.Requisition || handover == nil {
				return muster.Errorf(muster.Conflict, "order %s is a %s in state %s: only a requisition handed over has a receipt", o.Code, o.Kind, o.State)
			}
			doc, err := printable(cmd.Context(), db, o)
			if err != nil {
				return err
			}
			signed, err := db.SignReceipt(cmd.Context(), o, *handover)
			if err != nil {
				return err
			}
			r := printout.Receipt{
				ID: fmt.Sprintf("%s-%d", o.ID, handover.Seq), OrderID: o.ID, OrderCode: doc.Code, QRText: signed,
				Authority: doc.Authority, Owner: doc.Addressee, Officer: printout.Party{Name: handover.Actor, Ref: string(handover.Role)},
				Place: o.Place.Text, At: handover.At,
			}
			for _, it := range o.Items {
				r.Items = append(r.Items, printout.HandedItem{Item: printout.Item{Description: it.Type, Quantity: it.Quantity, Unit: it.Unit}, Condition: it.Condition})
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
