package qr

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster/trust"
)

var (
	jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jul1 = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	end  = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	now  = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
)

// signingKey is a trust key with its private key. Keys come from fixed
// seeds so that every text, and thus every tampering below, is the same on
// every run (Ed25519 signatures are deterministic).
type signingKey struct {
	trust.Key
	priv ed25519.PrivateKey
}

func newSigningKey(t testing.TB, seed byte, authority string, nb, na time.Time) signingKey {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	k, err := trust.NewKey(authority, priv.Public().(ed25519.PublicKey), nb, na)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{k, priv}
}

// fixture: NE-MOB-DS rotated its key on July 1st; NE-MOB-TI's key was
// revoked on September 1st; stray is in no list.
type fixture struct {
	old, cur, ti, stray signingKey
	list                trust.TrustList
}

var tiRevoked = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func newFixture(t testing.TB) fixture {
	t.Helper()
	f := fixture{
		old:   newSigningKey(t, 1, "NE-MOB-DS", jan1, jul1),
		cur:   newSigningKey(t, 2, "NE-MOB-DS", jul1, end),
		ti:    newSigningKey(t, 3, "NE-MOB-TI", jan1, end),
		stray: newSigningKey(t, 4, "NE-MOB-DS", jan1, end),
	}
	f.ti.Revoked = &tiRevoked
	var err error
	f.list, err = trust.NewTrustList([]trust.Key{f.old.Key, f.cur.Key, f.ti.Key}, 3, jan1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// callUp and requisition are typical orders: a ULID order ID, a 17-character
// code, an 8-byte addressee reference in hex, a barracks as the place.
func callUp() Claims {
	return Claims{
		OrderID: "01K5B8Z3Q0M4ZP7RT2VW9YB6NC", Code: "7K2QM9XT4HNBR3WCP", Kind: KindCallUp,
		AddresseeRef: "3f9a1c07be24d5e8",
		What:         []Item{{Type: "driver", Quantity: 1, Unit: "person"}},
		Where:        Place{Text: "Caserne Tondibiah, Niamey", Area: "NE008001"},
		Deadline:     time.Date(2026, 9, 20, 8, 0, 0, 0, time.UTC),
		Authority:    "NE-MOB-DS",
		IssuedAt:     time.Date(2026, 9, 12, 9, 30, 0, 0, time.UTC),
		LogIndex:     184467,
	}
}

func requisition() Claims {
	c := callUp()
	c.OrderID, c.Code, c.Kind = "01K5B8Z3Q1A9F4K2D7XW3M8PRE", "Q4ZT8NXKC2M7RBWHD", KindRequisition
	c.What = []Item{{Type: "vehicle.truck", Quantity: 2, Unit: "unit"}, {Type: "fuel.diesel", Quantity: 400, Unit: "l"}}
	return c
}

func encode(t testing.TB, c Claims, k signingKey) string {
	t.Helper()
	text, err := Encode(c, k.ID, k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	minimal := Claims{OrderID: "o1", Code: "c1", Kind: KindRequisition, Authority: "NE-MOB-DS", IssuedAt: jul1}
	fractional := requisition()
	fractional.What[1].Quantity = 412.5
	many := requisition()
	for range 30 {
		many.What = append(many.What, Item{Type: "vehicle.pickup", Quantity: 1, Unit: "unit"})
	}
	tests := []struct {
		name   string
		claims Claims
		key    signingKey
	}{
		{"call-up", callUp(), f.cur},
		{"requisition", requisition(), f.cur},
		{"fractional quantity", fractional, f.cur},
		{"many item lines, compressed", many, f.cur},
		{"only required claims, log index 0", minimal, f.cur},
		{"old key, issued before rotation", with(callUp(), func(c *Claims) { c.IssuedAt = jul1.Add(-time.Second) }), f.old},
		{"revoked key, issued before revocation", with(callUp(), func(c *Claims) {
			c.Authority, c.IssuedAt = "NE-MOB-TI", tiRevoked.Add(-time.Second)
		}), f.ti},
		{"deadline long past", with(callUp(), func(c *Claims) { c.Deadline = jul1 }), f.cur},
		{"handover receipt", with(requisition(), func(c *Claims) { c.Kind, c.Deadline = KindReceipt, time.Time{} }), f.cur},
		{"issued within clock skew", with(callUp(), func(c *Claims) { c.IssuedAt = now.Add(MaxClockSkew) }), f.cur},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := encode(t, tt.claims, tt.key)
			got, err := Verify(text, f.list, now)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.claims
			want.KeyID = tt.key.ID
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Verify =\n%+v\nwant\n%+v", got, want)
			}
			if _, kid, msg, err := Decode(text); err != nil || kid != tt.key.ID || msg == nil {
				t.Fatalf("Decode kid = %q, %v", kid, err)
			}
		})
	}
}

func with(c Claims, fn func(*Claims)) Claims { fn(&c); return c }

// TestSignerConcurrent: one Signer, shared by goroutines as bulk issuing
// shares it, makes texts that verify with their own claims.
func TestSignerConcurrent(t *testing.T) {
	f := newFixture(t)
	s, err := NewSigner(f.cur.ID, f.cur.priv)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				c := with(callUp(), func(c *Claims) { c.OrderID, c.LogIndex = fmt.Sprintf("o-%d-%d", w, i), uint64(100*w+i) })
				text, err := s.Encode(c)
				if err == nil {
					var got Claims
					if got, err = Verify(text, f.list, now); err == nil && (got.OrderID != c.OrderID || got.LogIndex != c.LogIndex) {
						err = fmt.Errorf("text for %s verifies as %s (log index %d)", c.OrderID, got.OrderID, got.LogIndex)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRotation follows an authority through a key change: after July 1st
// new orders are signed with the new key, and orders signed with the old
// key during its period keep verifying long after it ended.
func TestRotation(t *testing.T) {
	f := newFixture(t)
	before := with(callUp(), func(c *Claims) { c.IssuedAt = time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC) })
	k, err := f.list.Active("NE-MOB-DS", before.IssuedAt)
	if err != nil || k.ID != f.old.ID {
		t.Fatalf("Active before rotation = %s, %v; want the old key %s", k.ID, err, f.old.ID)
	}
	oldOrder := encode(t, before, f.old)
	k, err = f.list.Active("NE-MOB-DS", now)
	if err != nil || k.ID != f.cur.ID {
		t.Fatalf("Active after rotation = %s, %v; want the new key %s", k.ID, err, f.cur.ID)
	}
	newOrder := encode(t, with(callUp(), func(c *Claims) { c.IssuedAt = now }), f.cur)
	for name, text := range map[string]string{"old order": oldOrder, "new order": newOrder} {
		if _, err := Verify(text, f.list, now.AddDate(1, 0, 0)); err != nil {
			t.Errorf("%s a year later: %v", name, err)
		}
	}
	lateOld := encode(t, with(callUp(), func(c *Claims) { c.IssuedAt = now }), f.old)
	if _, err := Verify(lateOld, f.list, now); !errors.Is(err, ErrExpired) {
		t.Errorf("new order signed with the old key: %v, want ErrExpired", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	f := newFixture(t)
	good := encode(t, callUp(), f.cur)
	otherDS := newSigningKey(t, 5, "NE-MOB-DS", jan1, end)
	otherList, err := trust.NewTrustList([]trust.Key{otherDS.Key}, 1, jan1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text string
		list trust.TrustList
		want error
	}{
		{"tampered character", tamperChar(good, len(good)/2), f.list, ErrMalformed},
		{"tampered place, checksum fixed", rewrap(t, good, replace("Tondibiah", "Tondibiax")), f.list, ErrBadSignature},
		{"tampered log index, checksum fixed", rewrap(t, good, replace("\x0a\x1a\x00\x02\xd0\x93", "\x0a\x1a\x00\x02\xd0\x94")), f.list, ErrBadSignature},
		{"tampered signature, checksum fixed", rewrap(t, good, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), f.list, ErrBadSignature},
		{"kid swapped to another listed key", rewrap(t, good, replace(kidBytes(t, f.cur.ID), kidBytes(t, f.old.ID))), f.list, ErrBadSignature},
		{"wrong trust list", good, otherList, ErrUnknownKey},
		{"empty trust list", good, trust.TrustList{}, ErrUnknownKey},
		{"unknown kid", encode(t, callUp(), f.stray), f.list, ErrUnknownKey},
		{"key of another authority", encode(t, callUp(), f.ti), f.list, ErrUnknownKey},
		{"revoked before issue", encode(t, with(callUp(), func(c *Claims) { c.Authority, c.IssuedAt = "NE-MOB-TI", tiRevoked }), f.ti), f.list, ErrRevoked},
		{"key not yet valid", encode(t, with(callUp(), func(c *Claims) { c.IssuedAt = jul1.Add(-time.Second) }), f.cur), f.list, ErrNotYetValid},
		{"key expired", encode(t, with(callUp(), func(c *Claims) { c.IssuedAt = jul1 }), f.old), f.list, ErrExpired},
		{"issued in the future", encode(t, with(callUp(), func(c *Claims) { c.IssuedAt = now.Add(MaxClockSkew + time.Second) }), f.cur), f.list, ErrNotYetValid},
		{"bad prefix", "HC1:" + strings.TrimPrefix(good, Prefix), f.list, ErrMalformed},
		{"lower-case prefix", "mu1:" + strings.TrimPrefix(good, Prefix), f.list, ErrMalformed},
		{"no prefix", strings.TrimPrefix(good, Prefix), f.list, ErrMalformed},
		{"empty", "", f.list, ErrMalformed},
		{"truncated by a group", good[:len(good)-3], f.list, ErrMalformed},
		{"truncated to a dangling character", good[:len(good)-1], f.list, ErrMalformed},
		{"garbage base45", Prefix + "this is not base45", f.list, ErrMalformed},
		{"base45 overflow", Prefix + ":::", f.list, ErrMalformed},
		{"not zlib", Prefix + EncodeBase45([]byte("hello, muster")), f.list, ErrMalformed},
		{"zlib bomb", Prefix + EncodeBase45(deflate(make([]byte, 1<<20))), f.list, ErrMalformed},
		{"bytes after the zlib stream", Prefix + EncodeBase45(append(mustBase45(t, good), 0)), f.list, ErrMalformed},
		{"zlib of garbage", Prefix + EncodeBase45(deflate([]byte("not COSE"))), f.list, ErrMalformed},
		{"too long for a QR code", good + strings.Repeat("0", MaxText), f.list, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verify(tt.text, tt.list, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %+v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// tamperChar replaces the character at i by the next one of the alphabet,
// as a smudge or a hostile printer would.
func tamperChar(text string, i int) string {
	c := strings.IndexByte(base45Alphabet, text[i])
	return text[:i] + string(base45Alphabet[(c+1)%len(base45Alphabet)]) + text[i+1:]
}

// rewrap changes the COSE bytes inside an order text and packs them again
// with a correct zlib checksum, as a forger would, so that only the
// signature stands in the way.
func rewrap(t testing.TB, text string, change func([]byte) []byte) string {
	t.Helper()
	raw, err := inflate(mustBase45(t, text))
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(raw)
	raw = change(raw)
	if bytes.Equal(before, raw) {
		t.Fatal("rewrap: change left the message as it was")
	}
	return Prefix + EncodeBase45(deflate(raw))
}

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

func kidBytes(t testing.TB, id string) string {
	b, err := trust.ParseKeyID(id)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustBase45(t testing.TB, text string) []byte {
	t.Helper()
	b, err := DecodeBase45(strings.TrimPrefix(text, Prefix))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// incompressible returns n bytes of text that deflate cannot shrink much.
func incompressible(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}

func TestEncodeRefuses(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		claims Claims
		keyID  string
		priv   ed25519.PrivateKey
	}{
		{"no order ID", with(callUp(), func(c *Claims) { c.OrderID = "" }), f.cur.ID, f.cur.priv},
		{"no code", with(callUp(), func(c *Claims) { c.Code = "" }), f.cur.ID, f.cur.priv},
		{"unknown kind", with(callUp(), func(c *Claims) { c.Kind = "draft" }), f.cur.ID, f.cur.priv},
		{"no authority", with(callUp(), func(c *Claims) { c.Authority = "" }), f.cur.ID, f.cur.priv},
		{"no issue time", with(callUp(), func(c *Claims) { c.IssuedAt = time.Time{} }), f.cur.ID, f.cur.priv},
		{"issued before 1970", with(callUp(), func(c *Claims) { c.IssuedAt = time.Unix(-5, 0) }), f.cur.ID, f.cur.priv},
		{"negative quantity", with(callUp(), func(c *Claims) { c.What = []Item{{"driver", -1, "person"}} }), f.cur.ID, f.cur.priv},
		{"item without type", with(callUp(), func(c *Claims) { c.What = []Item{{"", 1, "person"}} }), f.cur.ID, f.cur.priv},
		{"key ID of another key", callUp(), f.old.ID, f.cur.priv},
		{"claims name another key", with(callUp(), func(c *Claims) { c.KeyID = f.old.ID }), f.cur.ID, f.cur.priv},
		{"short private key", callUp(), f.cur.ID, f.cur.priv[:32]},
		{"too long for a QR code", with(callUp(), func(c *Claims) { c.Where.Text = incompressible(6000) }), f.cur.ID, f.cur.priv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if text, err := Encode(tt.claims, tt.keyID, tt.priv); err == nil {
				t.Fatalf("Encode = %q, want an error", text)
			}
		})
	}
}

func TestDeflate(t *testing.T) {
	short := []byte("a signature and short unique strings")
	long := bytes.Repeat([]byte("vehicle.pickup unit "), 40)
	tests := []struct {
		name    string
		in      []byte
		wantLen func(n int) bool
	}{
		{"short message is stored", short, func(n int) bool { return n == len(short)+storedOverhead }},
		{"long repetitive message is compressed", long, func(n int) bool { return n < len(long)/4 }},
		{"long message is never longer than stored", []byte(incompressible(600))[:600], func(n int) bool { return n <= 600+storedOverhead }},
		{"empty", nil, func(n int) bool { return n == storedOverhead }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := deflate(tt.in)
			if !tt.wantLen(len(z)) {
				t.Errorf("deflate gives %d bytes for %d", len(z), len(tt.in))
			}
			back, err := inflate(z)
			if err != nil || !bytes.Equal(back, tt.in) {
				t.Fatalf("inflate = %d bytes, %v", len(back), err)
			}
		})
	}
}

// TestSize keeps typical orders small enough for a QR code a phone reads at
// arm's length from a printed page (version 12, 65×65 modules).
func TestSize(t *testing.T) {
	f := newFixture(t)
	for name, c := range map[string]Claims{"call-up": callUp(), "requisition": requisition()} {
		text := encode(t, c, f.cur)
		t.Logf("%s: %d characters", name, len(text))
		if len(text) > 420 {
			t.Errorf("%s takes %d characters, more than 420", name, len(text))
		}
	}
}

func FuzzDecode(f *testing.F) {
	fx := newFixture(f)
	good, err := Encode(callUp(), fx.cur.ID, fx.cur.priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(Prefix)
	f.Add(Prefix + EncodeBase45(deflate(make([]byte, 1<<17))))
	f.Add(Prefix + EncodeBase45(deflate([]byte{0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40})))
	f.Fuzz(func(t *testing.T, text string) {
		c, kid, msg, err := Decode(text)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if msg == nil || c.KeyID != kid || c.check() != nil {
			t.Fatalf("Decode accepted %q giving %+v, kid %q", text, c, kid)
		}
		// Whatever decodes must also go through Verify without a panic.
		_, _ = Verify(text, fx.list, now)
	})
}

// FuzzDecodeMessage fuzzes the COSE bytes inside a well-wrapped text, which
// FuzzDecode rarely reaches through Base45 and zlib. Whatever the fuzzer
// changes, an order that still verifies must say what was signed.
func FuzzDecodeMessage(f *testing.F) {
	fx := newFixture(f)
	signed := requisition()
	raw, err := inflate(mustBase45(f, encode(f, signed, fx.cur)))
	if err != nil {
		f.Fatal(err)
	}
	signed.KeyID = fx.cur.ID
	f.Add(raw)
	f.Fuzz(func(t *testing.T, raw []byte) {
		text := Prefix + EncodeBase45(deflate(raw))
		if _, _, _, err := Decode(text); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("Decode error %v does not wrap ErrMalformed", err)
		}
		if c, err := Verify(text, fx.list, now); err == nil && !reflect.DeepEqual(c, signed) {
			t.Fatalf("verified claims %+v, signed %+v", c, signed)
		}
	})
}
