package campaign

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
)

// maxStatementSize bounds the text a parser accepts: MaxTargets target
// lines of the longest names fit.
const maxStatementSize = 2 << 20

// ParseCommit reads the canonical text of a commitment (see
// CommitStatement.MarshalText). It accepts that spelling only, so a parsed
// statement marshals back to the same bytes; errors name the line.
func ParseCommit(text []byte) (CommitStatement, error) {
	var c CommitStatement
	r, err := newTextReader("commit statement", CommitPrefix, text)
	if err != nil {
		return c, err
	}
	if c.Campaign, err = r.field("campaign"); err != nil {
		return c, err
	}
	if c.Policy, err = r.field("policy"); err != nil {
		return c, err
	}
	if c.At, err = r.timeField("at"); err != nil {
		return c, err
	}
	if c.ListSize, err = r.intField("list-size"); err != nil {
		return c, err
	}
	if c.ListRoot, err = r.hashField("list-root"); err != nil {
		return c, err
	}
	if c.SeedCommitment, err = r.hashField("seed-commitment"); err != nil {
		return c, err
	}
	if c.Beacon, err = r.field("beacon"); err != nil {
		return c, err
	}
	for !r.done() {
		v, err := r.field("target")
		if err != nil {
			return c, err
		}
		t, err := parseTarget(v)
		if err != nil {
			return c, r.errorf("%v", err)
		}
		c.Targets = append(c.Targets, t)
	}
	if err := c.Validate(); err != nil {
		return c, muster.Wrap(muster.Invalid, err, "commit statement")
	}
	return c, nil
}

// parseTarget reads "<area or *> <skill or *> <count>".
func parseTarget(v string) (Target, error) {
	parts := strings.Split(v, " ")
	if len(parts) != 3 {
		return Target{}, fmt.Errorf("target %q is not \"<area or *> <skill or *> <count>\"", v)
	}
	count, err := canonicalInt(parts[2])
	if err != nil {
		return Target{}, fmt.Errorf("target count: %v", err)
	}
	t := Target{Area: parts[0], Skill: parts[1], Count: count}
	for _, s := range []*string{&t.Area, &t.Skill} {
		switch *s {
		case anyValue:
			*s = ""
		case "":
			return Target{}, fmt.Errorf("target %q has an empty field; write * for any", v)
		}
	}
	return t, nil
}

// ParseReveal reads the canonical text of a reveal (see
// RevealStatement.MarshalText).
func ParseReveal(text []byte) (RevealStatement, error) {
	var s RevealStatement
	r, err := newTextReader("reveal statement", RevealPrefix, text)
	if err != nil {
		return s, err
	}
	if s.Campaign, err = r.field("campaign"); err != nil {
		return s, err
	}
	if s.At, err = r.timeField("at"); err != nil {
		return s, err
	}
	seed, err := r.hashField("seed")
	if err != nil {
		return s, err
	}
	s.Seed = Seed(seed)
	bv, err := r.field("beacon-value")
	if err != nil {
		return s, err
	}
	if bv != "-" {
		if s.BeaconValue, err = parseBeaconValue(bv); err != nil {
			return s, r.errorf("%v", err)
		}
	}
	if s.Selected, err = r.intField("selected"); err != nil {
		return s, err
	}
	if s.ResultDigest, err = r.hashField("result-digest"); err != nil {
		return s, err
	}
	if !r.done() {
		extra, err := r.next("nothing")
		if err != nil {
			return s, err
		}
		return s, r.errorf("unexpected line %q after result-digest", extra)
	}
	if err := s.Validate(); err != nil {
		return s, muster.Wrap(muster.Invalid, err, "reveal statement")
	}
	return s, nil
}

// textReader reads a statement line by line, counting lines for errors.
type textReader struct {
	what string
	rest string
	line int
}

func newTextReader(what, prefix string, text []byte) (*textReader, error) {
	r := &textReader{what: what, rest: string(text)}
	if len(text) > maxStatementSize {
		return nil, muster.Errorf(muster.Invalid, "%s is longer than %d bytes", what, maxStatementSize)
	}
	first, err := r.next(prefix)
	if err != nil {
		return nil, err
	}
	if first != prefix {
		return nil, r.errorf("first line %q is not %q", first, prefix)
	}
	return r, nil
}

func (r *textReader) errorf(format string, args ...any) error {
	return muster.Errorf(muster.Invalid, "%s line %d: %s", r.what, r.line, fmt.Sprintf(format, args...))
}

func (r *textReader) done() bool { return r.rest == "" }

// next returns the next line without its LF; a line must end with LF.
// want says what the line should hold, for the error when it is missing.
func (r *textReader) next(want string) (string, error) {
	r.line++
	if r.rest == "" {
		return "", r.errorf("the statement ends early, want %q", want)
	}
	line, rest, ok := strings.Cut(r.rest, "\n")
	if !ok {
		return "", r.errorf("does not end with a line feed")
	}
	r.rest = rest
	return line, nil
}

// field reads the line "<key> <value>" and returns value.
func (r *textReader) field(key string) (string, error) {
	line, err := r.next(key + " <value>")
	if err != nil {
		return "", err
	}
	k, v, ok := strings.Cut(line, " ")
	if !ok || k != key {
		return "", r.errorf("want \"%s <value>\", found %q", key, line)
	}
	return v, nil
}

func (r *textReader) intField(key string) (int, error) {
	v, err := r.field(key)
	if err != nil {
		return 0, err
	}
	n, err := canonicalInt(v)
	if err != nil {
		return 0, r.errorf("%s: %v", key, err)
	}
	return n, nil
}

func (r *textReader) hashField(key string) (Hash, error) {
	v, err := r.field(key)
	if err != nil {
		return Hash{}, err
	}
	h, ok := parseHash(v)
	if !ok {
		return h, r.errorf("%s %q is not 64 lower-case hex digits", key, v)
	}
	return h, nil
}

func (r *textReader) timeField(key string) (time.Time, error) {
	v, err := r.field(key)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil || t.Format(timeLayout) != v {
		return t, r.errorf("%s %q is not a UTC time such as 2026-03-01T08:00:00.000Z", key, v)
	}
	return t, nil
}

// canonicalInt reads a non-negative decimal without sign or leading zeros,
// so that a number has one spelling.
func canonicalInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, fmt.Errorf("%q is not a decimal number without sign or leading zeros", s)
	}
	return n, nil
}

// parseBeaconValue reads a beacon value written as lower-case hex digits:
// 1 to MaxBeaconValueLen bytes.
func parseBeaconValue(v string) ([]byte, error) {
	b, err := hex.DecodeString(v)
	if err != nil || len(b) == 0 || len(b) > MaxBeaconValueLen || hex.EncodeToString(b) != v {
		return nil, fmt.Errorf("beacon-value %q is not 1 to %d bytes in lower-case hex digits", v, MaxBeaconValueLen)
	}
	return b, nil
}

// ParseBeaconValue reads a beacon value as an officer types it: hex
// digits of either case.
func ParseBeaconValue(v string) ([]byte, error) {
	b, err := parseBeaconValue(strings.ToLower(strings.TrimSpace(v)))
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "beacon value")
	}
	return b, nil
}
