package qr

import (
	"errors"
	"slices"
	"testing"
)

// FuzzVerify checks a whole MU1 text against a trust list, as a citizen's
// phone or a checkpoint does with whatever a camera read: it never panics,
// a refusal always says which of the documented reasons it is, and an
// accepted order is signed by a key of the list that speaks for its
// authority.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	c := callUp()
	for _, k := range []signingKey{fx.cur, fx.old, fx.ti, fx.stray} {
		f.Add(encode(f, c, k))
	}
	r := requisition()
	r.Authority = "NE-MOB-TI"
	f.Add(encode(f, r, fx.ti))
	good := encode(f, c, fx.cur)
	f.Add(tamperChar(good, len(good)/2))
	f.Add("MU1:")
	f.Add("mu1:" + good[len(Prefix):])
	f.Fuzz(func(t *testing.T, text string) {
		claims, err := Verify(text, fx.list, now)
		if err != nil {
			reasons := []error{ErrMalformed, ErrBadSignature, ErrUnknownKey, ErrRevoked, ErrNotYetValid, ErrExpired}
			if !slices.ContainsFunc(reasons, func(r error) bool { return errors.Is(err, r) }) {
				t.Fatalf("Verify(%q) = %v: not one of the documented reasons", text, err)
			}
			return
		}
		key, kerr := fx.list.Key(claims.KeyID)
		if kerr != nil || key.Authority != claims.Authority || claims.check() != nil {
			t.Fatalf("Verify(%q) accepted %+v: key %+v (%v)", text, claims, key, kerr)
		}
	})
}
