package tlog

import (
	"context"
	"crypto/rand"

	"github.com/muster-org/muster"
	fmtlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// GenerateLogKey returns a new Ed25519 key pair for signing checkpoints as
// C2SP signed notes, in the note key encoding: skey ("PRIVATE+KEY+origin+...")
// stays secret, vkey ("origin+hash+key") is published for verifiers.
// The key name is the log's origin, e.g. "muster.example/log", which is
// what C2SP tlog-checkpoint recommends and what OpenCheckpoint expects.
func GenerateLogKey(origin string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err == nil {
		// GenerateKey does not check the name; parsing the key back does.
		_, err = note.NewSigner(skey)
	}
	if err != nil {
		return "", "", muster.Wrap(muster.Invalid, err, "log origin %q cannot name a note key", origin)
	}
	return skey, vkey, nil
}

// SignCheckpoint returns the C2SP tlog-checkpoint for a tree of size leaves
// with the given root hash, signed by signer (note.NewSigner(skey)) as a
// C2SP signed note. The origin line is the signer's name. A third party
// checks it with note.Open and formats/log.Checkpoint.Unmarshal alone.
func SignCheckpoint(signer note.Signer, size uint64, root []byte) ([]byte, error) {
	if len(root) != HashSize {
		return nil, muster.Errorf(muster.Invalid, "root hash has %d bytes, not %d", len(root), HashSize)
	}
	body := fmtlog.Checkpoint{Origin: signer.Name(), Size: size, Hash: root}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(body)}, signer)
	if err != nil {
		return nil, muster.Wrap(muster.Internal, err, "sign checkpoint")
	}
	return msg, nil
}

// OpenCheckpoint verifies the signature of a signed checkpoint with
// verifier (note.NewVerifier(vkey)), checks that its origin is the
// verifier's name, and returns the tree size and root hash it commits to.
// Extension lines after the root hash are allowed and ignored, as C2SP
// tlog-checkpoint requires of clients.
func OpenCheckpoint(text []byte, verifier note.Verifier) (size uint64, root []byte, err error) {
	cp, _, _, err := fmtlog.ParseCheckpoint(text, verifier.Name(), verifier)
	if err != nil {
		return 0, nil, muster.Wrap(muster.Invalid, err, "checkpoint does not verify")
	}
	if len(cp.Hash) != HashSize {
		return 0, nil, muster.Errorf(muster.Invalid, "checkpoint root hash has %d bytes, not %d", len(cp.Hash), HashSize)
	}
	return cp.Size, cp.Hash, nil
}

// Sign signs a checkpoint of the log's current size and stores it. When the
// latest stored checkpoint already has that size it is returned instead, so
// that signing on a timer adds nothing while the log is idle.
func (l *Log) Sign(ctx context.Context, signer note.Signer) ([]byte, error) {
	rng, err := head(ctx, l.s)
	if err != nil {
		return nil, err
	}
	size := rng.End()
	latest, ok, err := l.s.LatestCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	if ok && latest.Size == size {
		return latest.Note, nil
	}
	r, err := rangeRoot(rng)
	if err != nil {
		return nil, err
	}
	msg, err := SignCheckpoint(signer, size, r)
	if err != nil {
		return nil, err
	}
	if err := l.s.PutCheckpoint(ctx, StoredCheckpoint{Size: size, Note: msg}); err != nil {
		return nil, err
	}
	return msg, nil
}
