package campaign

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/muster-org/muster"
)

// listHeader is the header row of a published list.
var listHeader = []string{"ref", "area", "skills"}

// ReadList reads a published eligible list: CSV with the header row
// "ref,area,skills", then one entry per row with its skills joined by ';'
// (empty when none). Entries are returned in file order, each validated;
// a repeated ref is an error. Errors are Invalid and start with
// "file:line:". file names the input in errors only.
func ReadList(r io.Reader, file string) ([]Entry, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1 // checked here, with a clearer message
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, muster.Errorf(muster.Invalid, "%s:1: the file is empty; want the header row %s", file, strings.Join(listHeader, ","))
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a BOM left by a spreadsheet
	}
	if !slices.Equal(header, listHeader) {
		return nil, muster.Errorf(muster.Invalid, "%s:1: the header row is %q; want %s", file, strings.Join(header, ","), strings.Join(listHeader, ","))
	}
	var entries []Entry
	v := newValidator()
	lineOf := make(map[string]int)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(listHeader) {
			return nil, muster.Errorf(muster.Invalid, "%s:%d: %d fields; want 3 (ref,area,skills)", file, line, len(rec))
		}
		e := Entry{Ref: rec[0], Area: rec[1]}
		if rec[2] != "" {
			e.Skills = strings.Split(rec[2], skillsSep)
		}
		if err := v.validate(e); err != nil {
			return nil, muster.Wrap(muster.Invalid, err, "%s:%d", file, line)
		}
		if first, dup := lineOf[e.Ref]; dup {
			return nil, muster.Errorf(muster.Invalid, "%s:%d: ref %q is already on line %d", file, line, e.Ref, first)
		}
		lineOf[e.Ref] = line
		entries = append(entries, e)
	}
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return muster.Wrap(muster.Invalid, pe.Err, "%s:%d:%d", file, pe.Line, pe.Column)
	}
	return muster.Wrap(muster.Internal, err, "reading %s", file)
}

// WriteList writes l in the published list format that ReadList reads,
// in the list's order.
func WriteList(w io.Writer, l *List) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(listHeader); err != nil {
		return muster.Wrap(muster.Internal, err, "writing the list header")
	}
	rec := make([]string, len(listHeader))
	for i, e := range l.entries {
		rec[0], rec[1], rec[2] = e.Ref, e.Area, strings.Join(e.Skills, skillsSep)
		if err := cw.Write(rec); err != nil {
			return muster.Wrap(muster.Internal, err, "writing list entry %d", i+1)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return muster.Wrap(muster.Internal, err, "writing the list")
	}
	return nil
}
