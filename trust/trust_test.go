package trust

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/veraison/go-cose"
)

var (
	jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jul1 = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	dec1 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

// fixture is an authority with an old key (first half of 2026), a new one
// (from July) and a revoked one, plus a root key.
type fixture struct {
	old, cur, revoked Key
	rootPub           ed25519.PublicKey
	rootPriv          ed25519.PrivateKey
	list              TrustList
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	var f fixture
	f.old, _ = GenerateKey("NE-MOB-DS", jan1, jul1)
	f.cur, _ = GenerateKey("NE-MOB-DS", jul1, jan1.AddDate(2, 0, 0))
	f.revoked, _ = GenerateKey("NE-MOB-TI", jan1, jan1.AddDate(1, 0, 0))
	r := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	f.revoked.Revoked = &r
	f.rootPub, f.rootPriv = GenerateRoot()
	var err error
	f.list, err = NewTrustList([]Key{f.cur, f.old, f.revoked}, 7, dec1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLookup(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		id   string
		at   time.Time
		want error
	}{
		{"old key during its period", f.old.ID, jan1.AddDate(0, 2, 0), nil},
		{"old key at its first second", f.old.ID, jan1, nil},
		{"old key at its not-after", f.old.ID, jul1, ErrExpired},
		{"old key before its period", f.old.ID, jan1.Add(-time.Second), ErrNotYetValid},
		{"current key", f.cur.ID, dec1, nil},
		{"current key too early", f.cur.ID, jan1, ErrNotYetValid},
		{"revoked key before revocation", f.revoked.ID, jan1.AddDate(0, 1, 0), nil},
		{"revoked key at revocation", f.revoked.ID, *f.revoked.Revoked, ErrRevoked},
		{"revoked key after revocation", f.revoked.ID, jul1, ErrRevoked},
		{"unknown key", "0011223344556677", jul1, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := f.list.Lookup(tt.id, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil && k.ID != tt.id) {
				t.Fatalf("Lookup = %v, %v; want %v", k.ID, err, tt.want)
			}
		})
	}
}

func TestActiveRotation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		authority string
		at        time.Time
		want      string
		err       error
	}{
		{"before rotation", "NE-MOB-DS", jan1.AddDate(0, 3, 0), f.old.ID, nil},
		{"after rotation", "NE-MOB-DS", jul1, f.cur.ID, nil},
		{"only key revoked", "NE-MOB-TI", jul1, "", ErrUnknownKey},
		{"no such authority", "NE-MOB-XX", jul1, "", ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := f.list.Active(tt.authority, tt.at)
			if !errors.Is(err, tt.err) || k.ID != tt.want {
				t.Fatalf("Active = %q, %v; want %q, %v", k.ID, err, tt.want, tt.err)
			}
		})
	}
}

func TestNewTrustListRefuses(t *testing.T) {
	k, _ := GenerateKey("NE-MOB-DS", jan1, jul1)
	mod := func(fn func(*Key)) Key { c := k; fn(&c); return c }
	tests := []struct {
		name string
		keys []Key
	}{
		{"listed twice", []Key{k, k}},
		{"wrong ID", []Key{mod(func(c *Key) { c.ID = "0011223344556677" })}},
		{"short public key", []Key{mod(func(c *Key) { c.Public = c.Public[:31] })}},
		{"no authority", []Key{mod(func(c *Key) { c.Authority = "" })}},
		{"empty validity", []Key{mod(func(c *Key) { c.NotAfter = c.NotBefore })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTrustList(tt.keys, 1, jan1); !errors.Is(err, ErrMalformed) {
				t.Fatalf("NewTrustList = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestSignOpen(t *testing.T) {
	f := newFixture(t)
	signed, err := f.list.Sign(f.rootPriv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenTrustList(signed, f.rootPub)
	if err != nil {
		t.Fatal(err)
	}
	// Comparing the JSON views compares every field, times included.
	if !bytes.Equal(got.JSON(), f.list.JSON()) {
		t.Fatalf("opened list differs:\n%s\nwant:\n%s", got.JSON(), f.list.JSON())
	}
	again, _ := f.list.Sign(f.rootPriv)
	if !bytes.Equal(signed, again) {
		t.Error("two signings of one list differ; Ed25519 and the encoding should be deterministic")
	}
}

func TestOpenRefuses(t *testing.T) {
	f := newFixture(t)
	signed, err := f.list.Sign(f.rootPriv)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, otherPriv := GenerateRoot()
	byOther, _ := f.list.Sign(otherPriv)
	flip := func(i int) []byte {
		b := bytes.Clone(signed)
		b[i] ^= 0x01
		return b
	}
	// A byte inside the first key's public key: the payload stays
	// well-formed, so only the signature can catch the change.
	pubAt := bytes.Index(signed, f.list.Keys[0].Public)
	tests := []struct {
		name string
		data []byte
		root ed25519.PublicKey
		want error
	}{
		{"tampered payload", flip(pubAt + 3), f.rootPub, ErrBadSignature},
		{"tampered signature", flip(len(signed) - 1), f.rootPub, ErrBadSignature},
		{"wrong root", signed, otherPub, ErrBadSignature},
		{"signed by another root", byOther, f.rootPub, ErrBadSignature},
		{"truncated", signed[:len(signed)-10], f.rootPub, ErrMalformed},
		{"empty", nil, f.rootPub, ErrMalformed},
		{"not COSE", []byte("muster trust list"), f.rootPub, ErrMalformed},
		{"not a trust list", signOther(t, f.rootPriv, []byte{0xa0}, nil), f.rootPub, ErrMalformed},
		{"unknown payload version", signOther(t, f.rootPriv, []byte{0xa1, 0x00, 0x02}, ContentType), f.rootPub, ErrMalformed},
		{"unknown payload field", signOther(t, f.rootPriv, []byte{0xa2, 0x00, 0x01, 0x09, 0x00}, ContentType), f.rootPub, ErrMalformed},
		{"short root key", signed, f.rootPub[:16], ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := OpenTrustList(tt.data, tt.root); !errors.Is(err, tt.want) {
				t.Fatalf("OpenTrustList = %v, want %v", err, tt.want)
			}
		})
	}
}

// signOther signs payload as a COSE_Sign1 with the given content type (none
// when ct is nil), the way a confused or hostile signer might.
func signOther(t *testing.T, priv ed25519.PrivateKey, payload []byte, ct any) []byte {
	t.Helper()
	h := cose.Headers{Protected: cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmEdDSA}}
	if ct != nil {
		h.Protected[cose.HeaderLabelContentType] = ct
	}
	s, err := cose.NewSigner(cose.AlgorithmEdDSA, priv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cose.Sign1(rand.Reader, s, h, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJSONView(t *testing.T) {
	f := newFixture(t)
	var v struct {
		Seq  uint64 `json:"seq"`
		Keys []struct {
			ID, Authority, Public string
			Revoked               *time.Time
		} `json:"keys"`
	}
	if err := json.Unmarshal(f.list.JSON(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Seq != 7 || len(v.Keys) != 3 || v.Keys[0].ID != f.old.ID || v.Keys[2].Revoked == nil {
		t.Fatalf("JSON view = %s", f.list.JSON())
	}
}

func TestRootText(t *testing.T) {
	pub, priv := GenerateRoot()
	pubText, privText := FormatRootPublic(pub), FormatRootPrivate(priv)
	if p, err := ParseRootPublic(" " + pubText + "\n"); err != nil || !p.Equal(pub) {
		t.Fatalf("ParseRootPublic = %v, %v", p, err)
	}
	if p, err := ParseRootPrivate(privText + "\n"); err != nil || !p.Equal(priv) {
		t.Fatalf("ParseRootPrivate = %v", err)
	}
	tests := []struct {
		name  string
		text  string
		parse func(string) error
	}{
		{"private where public belongs", privText, func(s string) error { _, err := ParseRootPublic(s); return err }},
		{"public where private belongs", pubText, func(s string) error { _, err := ParseRootPrivate(s); return err }},
		{"no prefix", strings.TrimPrefix(pubText, RootPublicPrefix), func(s string) error { _, err := ParseRootPublic(s); return err }},
		{"short", pubText[:len(pubText)-4], func(s string) error { _, err := ParseRootPublic(s); return err }},
		{"not base64url", RootPublicPrefix + "!!!", func(s string) error { _, err := ParseRootPublic(s); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.text)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if strings.Contains(err.Error(), strings.TrimPrefix(privText, RootPrivatePrefix)) {
				t.Fatal("error message leaks the private key")
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	k, _ := GenerateKey("NE-MOB-DS", jan1, jul1)
	if len(k.ID) != 2*KeyIDSize {
		t.Fatalf("ID %q is not %d hex digits", k.ID, 2*KeyIDSize)
	}
	raw, err := ParseKeyID(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := FormatKeyID(raw); err != nil || back != k.ID {
		t.Fatalf("FormatKeyID = %q, %v", back, err)
	}
	if _, err := ParseKeyID("abc"); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseKeyID(abc) = %v", err)
	}
}

func FuzzOpenTrustList(f *testing.F) {
	root, rootPriv := GenerateRoot()
	k, _ := GenerateKey("NE-MOB-DS", jan1, jul1)
	tl, _ := NewTrustList([]Key{k}, 1, jan1)
	signed, _ := tl.Sign(rootPriv)
	f.Add(signed)
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40})
	f.Fuzz(func(t *testing.T, data []byte) {
		tl, err := OpenTrustList(data, root)
		if err == nil && len(tl.Keys) > 0 && tl.Keys[0].ID != KeyID(tl.Keys[0].Public) {
			t.Fatal("opened a list whose key ID does not match its key")
		}
	})
}
