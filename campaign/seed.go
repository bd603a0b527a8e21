package campaign

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"

	"github.com/muster-org/muster"
)

// Seed is the secret of a draw: 32 random bytes, committed to by their
// SHA-256 before the draw and revealed after it.
type Seed [32]byte

// NewSeed returns a seed read from crypto/rand.
func NewSeed() (Seed, error) {
	var s Seed
	if _, err := rand.Read(s[:]); err != nil {
		return s, muster.Wrap(muster.Internal, err, "reading a random seed")
	}
	return s, nil
}

// ParseSeed reads a seed written as 64 lower-case hex digits.
func ParseSeed(s string) (Seed, error) {
	h, ok := parseHash(s)
	if !ok {
		return Seed{}, muster.Errorf(muster.Invalid, "seed %q is not 64 lower-case hex digits", s)
	}
	return Seed(h), nil
}

// String returns the seed as 64 lower-case hex digits. Mind that printing
// a seed before the reveal gives the draw away.
func (s Seed) String() string { return hex.EncodeToString(s[:]) }

// Commitment is SHA-256(seed), published before the draw.
func (s Seed) Commitment() Hash { return sha256.Sum256(s[:]) }

// DrawKey is the key the ranks are computed under: the seed mixed with
// the value of the public beacon the commitment named, which nobody knew
// when the seed was committed, so that whoever drew the seed could not try
// seeds until one gave a draw that suits them. Without a beacon value
// (beacon "none") it is the seed itself.
//
//	DrawKey = HMAC-SHA256(key = seed, message = "muster-campaign-draw/v2" LF beacon-value)
func DrawKey(seed Seed, beaconValue []byte) Seed {
	if len(beaconValue) == 0 {
		return seed
	}
	mac := hmac.New(sha256.New, seed[:])
	mac.Write([]byte(drawKeyLabel + "\n"))
	mac.Write(beaconValue)
	return Seed(mac.Sum(nil))
}

const drawKeyLabel = "muster-campaign-draw/v2"

// Rank is the lottery value of one reference under one draw key:
// HMAC-SHA256(key = DrawKey, message = ref). Entries are called in ascending
// order of rank, compared byte-wise (as a big-endian number).
type Rank [32]byte

// String returns the rank as 64 lower-case hex digits.
func (r Rank) String() string { return hex.EncodeToString(r[:]) }

// Compare returns -1, 0 or +1 as r is before, equal to or after o.
func (r Rank) Compare(o Rank) int { return bytes.Compare(r[:], o[:]) }

// Rank returns the rank of ref under s.
func (s Seed) Rank(ref string) Rank {
	return newRanker(s).rank(ref)
}

// ranker computes many ranks under one seed with one HMAC whose keyed
// state is reused, which is what makes ranking a million entries cheap.
type ranker struct {
	mac hash.Hash
	msg []byte // reused so that no rank allocates
	buf []byte
}

func newRanker(s Seed) *ranker {
	return &ranker{mac: hmac.New(sha256.New, s[:]), buf: make([]byte, 0, sha256.Size)}
}

func (k *ranker) rank(ref string) Rank {
	k.mac.Reset()
	k.msg = append(k.msg[:0], ref...)
	k.mac.Write(k.msg)
	k.buf = k.mac.Sum(k.buf[:0])
	return Rank(k.buf)
}
