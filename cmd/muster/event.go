package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

func newOrdersEventCmd(cfg *config) *cobra.Command {
	var as, note, until, condition, ratesFile, ground string
	var forAddressee bool
	cmd := &cobra.Command{
		Use:   "event ID|CODE EVENT --as OFFICER [--note TEXT] [--until DEADLINE]",
		Short: "Record an event of an order's lifecycle (notify, claim, exempt, defer, appeal, fulfil, return, compensate, close...)",
		Long: `Record an event of an order's lifecycle, checked against the rules in
order/LIFECYCLE.md: who may do it, and from which state. With
--for-addressee, the officer records what the addressee said at the office
(acknowledge, claim, appeal); the officer is recorded as the one who
entered it in the sealed note.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			event, err := order.ParseEvent(args[1])
			if err != nil {
				return err
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			c := sqlstore.Change{Event: event, Note: note, Ground: ground}
			a, err := actor(cmd.Context(), db, as, auth.Roles...)
			if err != nil {
				return err
			}
			c.Actor = a
			if forAddressee {
				c.Actor = order.AddresseeActor
				c.Note = fmt.Sprintf("entered by %s at the office. %s", a.Name, note)
			}
			c.Condition = condition
			if ratesFile != "" {
				rates, err := readRates(ratesFile)
				if err != nil {
					return err
				}
				c.Rates = &rates
			}
			if until != "" {
				if c.Until, err = parseDeadline(until); err != nil {
					return err
				}
			}
			o, err := db.ApplyOrderEvent(cmd.Context(), args[0], "", c)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "order %s is now %s (deadline %s)\n", o.Code, o.State, o.Deadline.Format(time.RFC3339))
			if o.Compensation != nil && (event == order.EventReturn || event == order.EventRelease) {
				fmt.Fprintf(cmd.OutOrStdout(), "compensation owed: %d XOF for %d days\n", o.Compensation.AmountXOF, o.Compensation.Days)
				for _, l := range o.Compensation.Lines {
					fmt.Fprintf(cmd.OutOrStdout(), "  %-7s %-40s %12d XOF\n", l.Basis, l.Detail, l.AmountXOF)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the officer recording the event")
	cmd.Flags().StringVar(&note, "note", "", "grounds or remarks (sealed; never in the public log)")
	cmd.Flags().StringVar(&until, "until", "", "new deadline of a deferral")
	cmd.Flags().StringVar(&condition, "condition", "", "condition of the items at handover (fulfil) or return: new, good, fair, poor, unserviceable, lost")
	cmd.Flags().StringVar(&ratesFile, "rates", "", "compensation rates (JSON, see docs/rates.example.json) to use on return or release instead of the policy's")
	cmd.Flags().StringVar(&ground, "ground", "", "the policy ground of a claim (medical, sole_caregiver...; see muster policy show)")
	cmd.Flags().BoolVar(&forAddressee, "for-addressee", false, "record the addressee's own answer (acknowledge, claim, appeal)")
	return cmd
}

// readRates reads compensation rates from a JSON file, refusing unknown
// fields: a misspelt rate must not silently pay nothing.
func readRates(path string) (order.Rates, error) {
	var r order.Rates
	data, err := os.ReadFile(path)
	if err != nil {
		return r, usageError("--rates: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, usageError("--rates %s: %v", path, err)
	}
	return r, nil
}
