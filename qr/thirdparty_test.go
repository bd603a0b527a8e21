package qr_test

// This file checks an order as a third party would: with FORMAT.md in one
// hand and generic libraries in the other (go-cose, fxamacker/cbor,
// compress/zlib and a Base45 decoder), never calling qr.Decode or
// qr.Verify. If it passes, the format page is enough to write a verifier.

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/trust"
	"github.com/veraison/go-cose"
)

// formatExample returns the example order text and the signing public key
// as printed in FORMAT.md.
func formatExample(t *testing.T) (string, ed25519.PublicKey) {
	t.Helper()
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^MU1:.*$`).Find(doc)
	pubHex := regexp.MustCompile("public key is \\(hex\\)\\s+`([0-9a-f]{64})`").FindSubmatch(doc)
	if text == nil || pubHex == nil {
		t.Fatal("FORMAT.md has no example text or public key")
	}
	pub, _ := hex.DecodeString(string(pubHex[1]))
	return string(text), pub
}

func TestThirdPartyVerify(t *testing.T) {
	text, pub := formatExample(t)

	// Step 1: prefix.
	body, ok := strings.CutPrefix(text, "MU1:")
	if !ok {
		t.Fatal("no MU1: prefix")
	}
	// Step 2: Base45.
	compressed, err := qr.DecodeBase45(body)
	if err != nil {
		t.Fatal(err)
	}
	// Step 3: zlib, capped at 64 KiB.
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 64<<10+1))
	if err != nil || len(raw) > 64<<10 {
		t.Fatalf("inflate: %d bytes, %v", len(raw), err)
	}
	// Step 4: tagged COSE_Sign1 with {1: -8, 4: kid} and no unprotected header.
	if raw[0] != 0xd2 {
		t.Fatalf("first byte %#x, want tag 18 (0xd2)", raw[0])
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		t.Fatal(err)
	}
	if alg, err := msg.Headers.Protected.Algorithm(); err != nil || alg != cose.AlgorithmEdDSA {
		t.Fatalf("alg = %v, %v; want EdDSA", alg, err)
	}
	kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if len(kid) != 8 || len(msg.Headers.Unprotected) != 0 {
		t.Fatalf("kid %x, unprotected %v", kid, msg.Headers.Unprotected)
	}
	// Step 5: the key ID is the first 8 bytes of SHA-256 of the public key.
	if sum := sha256.Sum256(pub); !bytes.Equal(kid, sum[:8]) {
		t.Fatalf("kid %x is not the ID of the documented key (%x)", kid, sum[:8])
	}
	// Step 6: the signature, with an empty external AAD.
	verifier, err := cose.NewVerifier(cose.AlgorithmEdDSA, pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		t.Fatalf("signature: %v", err)
	}
	// Step 7: the claims map, against the diagnostic notation in FORMAT.md.
	var claims map[int]any
	if err := cbor.Unmarshal(msg.Payload, &claims); err != nil {
		t.Fatal(err)
	}
	want := map[int]any{
		0: uint64(1), 1: "01K5B8Z3Q0M4ZP7RT2VW9YB6NC", 2: "7K2QM9XT4HNBR3WCP", 3: uint64(1),
		4: "3f9a1c07be24d5e8", 5: []any{[]any{"driver", uint64(1), "person"}},
		6: []any{"Caserne Tondibiah, Niamey", "NE008001"}, 7: uint64(1789891200),
		8: "NE-MOB-DS", 9: uint64(1789205400), 10: uint64(184467),
	}
	if !reflect.DeepEqual(claims, want) {
		t.Fatalf("claims = %#v\nwant %#v", claims, want)
	}
	// Step 8: the judgement, here only the validity period of FORMAT.md.
	iat := time.Unix(int64(claims[9].(uint64)), 0)
	if iat.Before(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || !iat.Before(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("issued %s, outside the key's period", iat)
	}

	// The package must agree with the third party.
	k, _ := trust.NewKey("NE-MOB-DS", pub, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
	tl, err := trust.NewTrustList([]trust.Key{k}, 1, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := qr.Verify(text, tl, iat); err != nil || c.LogIndex != 184467 || c.Kind != qr.KindCallUp {
		t.Fatalf("qr.Verify = %+v, %v", c, err)
	}
}

// TestThirdPartyTrustList reads a signed trust list with go-cose and a
// generic CBOR map, as FORMAT.md describes, and finds the example key.
func TestThirdPartyTrustList(t *testing.T) {
	_, pub := formatExample(t)
	k, err := trust.NewKey("NE-MOB-DS", pub, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	tl, err := trust.NewTrustList([]trust.Key{k}, 9, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	rootPub, rootPriv := trust.GenerateRoot()
	signed, err := tl.Sign(rootPriv)
	if err != nil {
		t.Fatal(err)
	}

	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(signed); err != nil {
		t.Fatal(err)
	}
	if ct := msg.Headers.Protected[cose.HeaderLabelContentType]; ct != "application/vnd.muster.trustlist+cbor" {
		t.Fatalf("content type %v", ct)
	}
	verifier, _ := cose.NewVerifier(cose.AlgorithmEdDSA, rootPub)
	if err := msg.Verify(nil, verifier); err != nil {
		t.Fatal(err)
	}
	var list map[int]any
	if err := cbor.Unmarshal(msg.Payload, &list); err != nil {
		t.Fatal(err)
	}
	if list[0] != uint64(1) || list[1] != uint64(9) {
		t.Fatalf("list = %v", list)
	}
	keys := list[3].([]any)
	entry := keys[0].(map[any]any)
	got, _ := entry[uint64(2)].([]byte)
	sum := sha256.Sum256(got)
	if len(keys) != 1 || entry[uint64(1)] != "NE-MOB-DS" || hex.EncodeToString(sum[:8]) != k.ID ||
		entry[uint64(3)] != uint64(k.NotBefore.Unix()) || entry[uint64(4)] != uint64(k.NotAfter.Unix()) {
		t.Fatalf("key entry = %v", entry)
	}
}
