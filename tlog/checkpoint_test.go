package tlog

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	fmtlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "muster.example/log"

func testKeys(t testing.TB, origin string) (note.Signer, note.Verifier, string) {
	t.Helper()
	skey, vkey, err := GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v, vkey
}

func TestCheckpointRoundTrip(t *testing.T) {
	ctx := context.Background()
	signer, verifier, _ := testKeys(t, testOrigin)
	_, l := buildLog(t, 1000, 333)
	cp, err := l.Sign(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	size, root, err := OpenCheckpoint(cp, verifier)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := l.Root(ctx, 1000)
	if size != 1000 || !bytes.Equal(root, want) {
		t.Errorf("OpenCheckpoint = %d, %x; want 1000, %x", size, root, want)
	}
	// The C2SP tlog-checkpoint body, line by line.
	body := fmt.Sprintf("%s\n%d\n%s\n\n", testOrigin, 1000, base64.StdEncoding.EncodeToString(want))
	if !strings.HasPrefix(string(cp), body) || !strings.HasPrefix(string(cp[len(body):]), "— "+testOrigin+" ") {
		t.Errorf("checkpoint is not origin, size, root, blank line, signature:\n%s", cp)
	}
	again, err := l.Sign(ctx, signer)
	if err != nil || !bytes.Equal(again, cp) {
		t.Errorf("signing an unchanged log made a new checkpoint: %v", err)
	}
}

// TestCheckpointThirdParty checks a checkpoint with only the public
// libraries and the published verifier key, as a journalist would.
func TestCheckpointThirdParty(t *testing.T) {
	ctx := context.Background()
	signer, _, vkey := testKeys(t, testOrigin)
	s, l := buildLog(t, 70)
	cp, err := l.Sign(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}

	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v", err)
	}
	var c fmtlog.Checkpoint
	rest, err := c.Unmarshal([]byte(n.Text))
	if err != nil {
		t.Fatalf("Checkpoint.Unmarshal: %v", err)
	}
	if c.Origin != testOrigin || c.Size != 70 || len(rest) != 0 {
		t.Errorf("third party reads %+v, rest %q", c, rest)
	}
	if _, _, _, err := fmtlog.ParseCheckpoint(cp, testOrigin, v); err != nil {
		t.Errorf("formats/log.ParseCheckpoint: %v", err)
	}
	// And with the checkpoint, a leaf and a proof, the leaf's inclusion,
	// using merkle/proof directly.
	leaf, _ := l.Leaf(ctx, 42)
	p, _ := l.InclusionProof(ctx, 42, c.Size)
	if err := VerifyInclusion(LeafHash(leaf), 42, c.Size, p, c.Hash); err != nil {
		t.Error(err)
	}
	hs := leafHashes(t, s)
	if !bytes.Equal(c.Hash, refRoot(hs)) {
		t.Error("checkpoint root is not the RFC 6962 root of the leaves")
	}
}

func TestOpenCheckpointRejects(t *testing.T) {
	signer, verifier, _ := testKeys(t, testOrigin)
	other, _, _ := testKeys(t, testOrigin)
	_, otherOriginV, _ := testKeys(t, "elsewhere.example/log")
	root := bytes.Repeat([]byte{1}, HashSize)
	good, err := SignCheckpoint(signer, 5, root)
	if err != nil {
		t.Fatal(err)
	}
	byOther, _ := SignCheckpoint(other, 5, root)
	wrongOrigin, _ := note.Sign(&note.Note{Text: string(fmtlog.Checkpoint{Origin: "x", Size: 5, Hash: root}.Marshal())}, signer)
	shortRoot, _ := note.Sign(&note.Note{Text: string(fmtlog.Checkpoint{Origin: testOrigin, Size: 5, Hash: root[:16]}.Marshal())}, signer)
	cases := map[string][]byte{
		"size changed":    bytes.Replace(good, []byte("\n5\n"), []byte("\n6\n"), 1),
		"root changed":    bytes.Replace(good, []byte("AQEB"), []byte("AgEB"), 1),
		"signed by other": byOther,
		"origin not key":  wrongOrigin,
		"short root":      shortRoot,
		"signature cut":   good[:len(good)-10],
		"empty":           nil,
		"body only":       fmtlog.Checkpoint{Origin: testOrigin, Size: 5, Hash: root}.Marshal(),
	}
	for name, cp := range cases {
		if _, _, err := OpenCheckpoint(cp, verifier); err == nil {
			t.Errorf("%s: OpenCheckpoint accepts\n%s", name, cp)
		}
	}
	if _, _, err := OpenCheckpoint(good, otherOriginV); err == nil {
		t.Error("a checkpoint verifies with another log's key")
	}
	if _, err := SignCheckpoint(signer, 5, root[:31]); err == nil {
		t.Error("SignCheckpoint accepts a 31-byte root")
	}
	if _, _, err := GenerateLogKey("bad name+with plus"); err == nil {
		t.Error("GenerateLogKey accepts an invalid key name")
	}
}

// testSigner is a log key pair.
type testSigner struct {
	s note.Signer
	v note.Verifier
}
