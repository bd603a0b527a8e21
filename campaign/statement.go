package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/tlog"
)

// Statement headers: the first line of each statement's text encoding.
const (
	CommitPrefix = "muster-campaign-commit/v2"
	RevealPrefix = "muster-campaign-reveal/v2"
)

// Log entry kind and events of the statements (see LogEntry).
const (
	LogKind        = "campaign"
	EventCommitted = "committed"
	EventRevealed  = "revealed"
)

// timeLayout has exactly three fraction digits so that an instant has one
// spelling, as in tlog.
const timeLayout = "2006-01-02T15:04:05.000Z"

// CommitStatement is what a campaign publishes before its draw. It holds
// no personal data.
type CommitStatement struct {
	Campaign       string    // campaign id
	Policy         string    // version of the policy that decided eligibility
	At             time.Time // when the list was frozen; kept in UTC to the millisecond
	ListSize       int       // entries in the eligible list
	ListRoot       Hash      // Merkle root of the eligible list
	SeedCommitment Hash      // SHA-256 of the seed
	// Beacon names the public randomness, fixed after the commitment,
	// that the seed is mixed with (see DrawKey): a public lottery draw or
	// a drand round, say, whose value nobody can know at commitment time.
	// NoBeacon ("none") mixes in nothing and does not stop the seed's
	// holder from trying seeds: for exercises only.
	Beacon  string
	Targets Targets
}

// NoBeacon is CommitStatement.Beacon for a draw without a public beacon.
const NoBeacon = "none"

// MaxBeaconLen and MaxBeaconValueLen bound a beacon's description and its
// value in bytes.
const (
	MaxBeaconLen      = 200
	MaxBeaconValueLen = 128
)

// RevealStatement is what a campaign publishes after its draw.
type RevealStatement struct {
	Campaign     string
	At           time.Time // when the seed was revealed
	Seed         Seed
	BeaconValue  []byte // the value of the commitment's beacon; empty for NoBeacon
	Selected     int    // persons selected
	ResultDigest Hash   // Result.Digest
}

// NewCommit returns the commitment of a campaign to list, seed, beacon
// and targets.
func NewCommit(campaign, policy string, at time.Time, list *List, seed Seed, beacon string, targets Targets) (CommitStatement, error) {
	c := CommitStatement{
		Campaign: campaign, Policy: policy, At: at.UTC().Truncate(time.Millisecond),
		ListSize: list.Len(), ListRoot: list.Root(), SeedCommitment: seed.Commitment(),
		Beacon: beacon, Targets: targets,
	}
	return c, c.Validate()
}

// NewReveal returns the reveal of a campaign whose draw gave res. It checks
// that the seed is the committed one, that a beacon value is given exactly
// when the commitment names a beacon, and that res was drawn under their
// DrawKey.
func NewReveal(commit CommitStatement, at time.Time, seed Seed, beaconValue []byte, res *Result) (RevealStatement, error) {
	if seed.Commitment() != commit.SeedCommitment {
		return RevealStatement{}, muster.Wrap(muster.Invalid, ErrSeedMismatch, "campaign %s", commit.Campaign)
	}
	if err := checkBeaconValue(commit, beaconValue); err != nil {
		return RevealStatement{}, err
	}
	if res.seed != DrawKey(seed, beaconValue) {
		return RevealStatement{}, muster.Errorf(muster.Invalid, "campaign %s: the result was drawn with another seed or beacon value", commit.Campaign)
	}
	r := RevealStatement{
		Campaign: commit.Campaign, At: at.UTC().Truncate(time.Millisecond), Seed: seed, BeaconValue: beaconValue,
		Selected: len(res.Selected), ResultDigest: res.Digest(),
	}
	return r, r.Validate()
}

// checkBeaconValue checks that value is given exactly when commit names a
// beacon.
func checkBeaconValue(commit CommitStatement, value []byte) error {
	switch {
	case commit.Beacon == NoBeacon && len(value) > 0:
		return muster.Errorf(muster.Invalid, "campaign %s committed to no beacon: a beacon value cannot be mixed in afterwards", commit.Campaign)
	case commit.Beacon != NoBeacon && len(value) == 0:
		return muster.Errorf(muster.Invalid, "campaign %s committed to the beacon %q: its value is required to draw", commit.Campaign, commit.Beacon)
	}
	return nil
}

// validBeacon checks a beacon's description: printable ASCII, no space at
// either end, so that it has one spelling on its statement line.
func validBeacon(b string) error {
	if b == "" || len(b) > MaxBeaconLen || b[0] == ' ' || b[len(b)-1] == ' ' {
		return muster.Errorf(muster.Invalid, "beacon %q is not 1 to %d characters without a space at either end", b, MaxBeaconLen)
	}
	for i := 0; i < len(b); i++ {
		if b[i] < 0x20 || b[i] > 0x7e {
			return muster.Errorf(muster.Invalid, "beacon %q: byte %d is not printable ASCII", b, i+1)
		}
	}
	return nil
}

// Validate checks the fields of a commitment.
func (c CommitStatement) Validate() error {
	if err := validName("campaign", c.Campaign); err != nil {
		return err
	}
	if err := validName("policy", c.Policy); err != nil {
		return err
	}
	if err := validTime(c.At); err != nil {
		return err
	}
	if c.ListSize < 0 || c.ListSize > MaxEntries {
		return muster.Errorf(muster.Invalid, "list-size %d is not between 0 and %d", c.ListSize, MaxEntries)
	}
	if err := validBeacon(c.Beacon); err != nil {
		return err
	}
	return c.Targets.Validate()
}

// Validate checks the fields of a reveal.
func (r RevealStatement) Validate() error {
	if err := validName("campaign", r.Campaign); err != nil {
		return err
	}
	if err := validTime(r.At); err != nil {
		return err
	}
	if r.Selected < 0 || r.Selected > MaxEntries {
		return muster.Errorf(muster.Invalid, "selected %d is not between 0 and %d", r.Selected, MaxEntries)
	}
	if len(r.BeaconValue) > MaxBeaconValueLen {
		return muster.Errorf(muster.Invalid, "beacon-value has %d bytes, more than %d", len(r.BeaconValue), MaxBeaconValueLen)
	}
	return nil
}

func validName(field, s string) error {
	// validRef checks the alphabet and the length; a name also starts with
	// a letter or digit.
	if !validRef(s) || s[0] == '-' || s[0] == '_' || s[0] == '.' {
		return muster.Errorf(muster.Invalid, "%s %q is not 1 to %d ASCII letters, digits, '-', '_' or '.' starting with a letter or digit", field, s, MaxRefLen)
	}
	return nil
}

func validTime(t time.Time) error {
	if t.IsZero() {
		return muster.Errorf(muster.Invalid, "at: the time is not set")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return muster.Errorf(muster.Invalid, "at: %v is out of range", t)
	}
	return nil
}

// MarshalText returns the canonical text of the commitment (FORMAT.md):
//
//	muster-campaign-commit/v2
//	campaign <id>
//	policy <version>
//	at <UTC time, millisecond>
//	list-size <decimal>
//	list-root <hex>
//	seed-commitment <hex>
//	beacon <description, or none>
//	target <area or *> <skill or *> <count>     (one line per target, in order)
//
// Every line ends with LF. ParseCommit accepts exactly this spelling.
func (c CommitStatement) MarshalText() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 300+40*len(c.Targets))
	b = append(b, CommitPrefix+"\n"...)
	b = appendField(b, "campaign", c.Campaign)
	b = appendField(b, "policy", c.Policy)
	b = appendField(b, "at", c.At.UTC().Format(timeLayout))
	b = appendField(b, "list-size", strconv.Itoa(c.ListSize))
	b = appendField(b, "list-root", c.ListRoot.String())
	b = appendField(b, "seed-commitment", c.SeedCommitment.String())
	b = appendField(b, "beacon", c.Beacon)
	for _, t := range c.Targets {
		b = appendField(b, "target", orAny(t.Area)+" "+orAny(t.Skill)+" "+strconv.Itoa(t.Count))
	}
	return b, nil
}

// MarshalText returns the canonical text of the reveal (FORMAT.md):
//
//	muster-campaign-reveal/v2
//	campaign <id>
//	at <UTC time, millisecond>
//	seed <hex>
//	beacon-value <hex, or - when the commitment names no beacon>
//	selected <decimal>
//	result-digest <hex>
func (r RevealStatement) MarshalText() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256)
	b = append(b, RevealPrefix+"\n"...)
	b = appendField(b, "campaign", r.Campaign)
	b = appendField(b, "at", r.At.UTC().Format(timeLayout))
	b = appendField(b, "seed", r.Seed.String())
	b = appendField(b, "beacon-value", beaconValueText(r.BeaconValue))
	b = appendField(b, "selected", strconv.Itoa(r.Selected))
	b = appendField(b, "result-digest", r.ResultDigest.String())
	return b, nil
}

func appendField(b []byte, key, value string) []byte {
	return append(append(append(append(b, key...), ' '), value...), '\n')
}

// anyValue stands for an empty target area or skill in the text.
const anyValue = "*"

func orAny(s string) string {
	if s == "" {
		return anyValue
	}
	return s
}

// LogEntry returns the transparency-log entry of the commitment: its key
// fields as data, so that an auditor reads them in the log itself, and
// SHA-256 of its text as DataHash, which binds the full text (the targets)
// published beside the log.
func (c CommitStatement) LogEntry() (tlog.Entry, error) {
	text, err := c.MarshalText()
	if err != nil {
		return tlog.Entry{}, err
	}
	return tlog.Entry{
		Kind: LogKind, Subject: c.Campaign, Event: EventCommitted, At: c.At,
		Data: map[string]string{
			"policy":          c.Policy,
			"list_size":       strconv.Itoa(c.ListSize),
			"list_root":       c.ListRoot.String(),
			"seed_commitment": c.SeedCommitment.String(),
			"beacon":          c.Beacon,
			"targets":         strconv.Itoa(len(c.Targets)),
		},
		DataHash: sha256.Sum256(text),
	}, nil
}

// LogEntry returns the transparency-log entry of the reveal, built as the
// commitment's is.
func (r RevealStatement) LogEntry() (tlog.Entry, error) {
	text, err := r.MarshalText()
	if err != nil {
		return tlog.Entry{}, err
	}
	return tlog.Entry{
		Kind: LogKind, Subject: r.Campaign, Event: EventRevealed, At: r.At,
		Data: map[string]string{
			"seed":          r.Seed.String(),
			"beacon_value":  beaconValueText(r.BeaconValue),
			"selected":      strconv.Itoa(r.Selected),
			"result_digest": r.ResultDigest.String(),
		},
		DataHash: sha256.Sum256(text),
	}, nil
}

// beaconValueText writes a beacon value as lower-case hex, "-" for none.
func beaconValueText(v []byte) string {
	if len(v) == 0 {
		return "-"
	}
	return hex.EncodeToString(v)
}
