package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/fund"
)

// ContributionColumns are the columns of a contributions file (a day's
// receipts, a bank statement), the required ones first.
var ContributionColumns = []string{"id", "channel", "amount", "at", "contributor"}

const requiredContributionColumns = 3

// ReadContributions reads a contributions file named file, whose first
// row names the columns in any order. A file that cannot be read at all
// (no header, an unknown, repeated or missing column) is an invalid
// error; a bad row is a problem naming its line and column. A file of
// money is read whole before anything is recorded, so that its caller
// can refuse it whole: it is small, a day's receipts.
func ReadContributions(r io.Reader, file string) ([]fund.Contribution, []Problem, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, muster.Errorf(muster.Invalid, "%s: empty file: the first row names the columns (%s)", file, strings.Join(ContributionColumns, ", "))
		}
		return nil, nil, muster.Errorf(muster.Invalid, "%s: %v", file, err)
	}
	index := map[string]int{}
	for i, col := range header {
		col = strings.TrimSpace(strings.TrimPrefix(col, "\ufeff"))
		switch _, dup := index[col]; {
		case !slices.Contains(ContributionColumns, col):
			return nil, nil, muster.Errorf(muster.Invalid, "%s:1: unknown column %q (columns: %s)", file, col, strings.Join(ContributionColumns, ", "))
		case dup:
			return nil, nil, muster.Errorf(muster.Invalid, "%s:1: column %q is given twice", file, col)
		}
		index[col] = i
	}
	for _, col := range ContributionColumns[:requiredContributionColumns] {
		if _, ok := index[col]; !ok {
			return nil, nil, muster.Errorf(muster.Invalid, "%s:1: missing column %q", file, col)
		}
	}
	var out []fund.Contribution
	var problems []Problem
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, problems, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, muster.Errorf(muster.Invalid, "%s: %v", file, err)
			}
			problems = append(problems, Problem{File: file, Line: pe.StartLine, Message: pe.Err.Error()})
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				continue
			}
			return out, problems, nil // past a quoting error the rows cannot be told apart
		}
		line, _ := cr.FieldPos(0)
		field := func(col string) string {
			if i, ok := index[col]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		bad := func(col, format string, args ...any) {
			problems = append(problems, Problem{File: file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
		}
		c := fund.Contribution{Key: field("id"), Contributor: field("contributor")}
		if first, dup := seen[c.Key]; dup {
			bad("id", "%q is also the id of line %d", c.Key, first)
			continue
		}
		seen[c.Key] = line
		if c.Channel, err = fund.ParseChannel(field("channel")); err != nil {
			bad("channel", "%s", muster.ErrorMessage(err))
			continue
		}
		if c.Amount, err = strconv.ParseInt(field("amount"), 10, 64); err != nil {
			bad("amount", "%q is not a whole number of %s", field("amount"), fund.Currency)
			continue
		}
		if at := field("at"); at != "" {
			if c.At, err = time.Parse(time.RFC3339, at); err != nil {
				bad("at", "%q is not an RFC 3339 time such as 2026-11-25T10:30:00Z", at)
				continue
			}
		}
		if err := c.Validate(); err != nil {
			bad("", "%s", muster.ErrorMessage(err))
			continue
		}
		out = append(out, c)
	}
}
