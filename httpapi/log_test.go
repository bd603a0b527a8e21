package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/trust"
)

// seedLog issues one order so that the log has leaves (draft, approve,
// issue), and returns the log's signer and verifier.
func seedLog(t testing.TB, db *sqlstore.DB) (note.Signer, note.Verifier) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAuthority(ctx, sqlstore.Authority{Code: "NE-MOB", Name: "Mobilisation", Area: "NE"}); err != nil {
		t.Fatal(err)
	}
	key, priv := trust.GenerateKey("NE-MOB", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	if err := db.AddKey(ctx, key, priv); err != nil {
		t.Fatal(err)
	}
	drafts, err := db.DraftOrders(ctx, []order.Order{{Kind: order.CallUp,
		Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: "DS0003"}, Items: []order.Item{{Type: "driver", Quantity: 1}},
		Place: order.Place{Text: "Dosso"}, Deadline: time.Now().Add(48 * time.Hour), LegalBasis: "Loi 2026-01",
		Authority: "NE-MOB", Reason: "test"}}, order.Actor{Role: auth.Officer, Name: "drafter"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApproveOrders(ctx, []string{drafts[0].ID}, order.Actor{Role: auth.Approver, Name: "approver"}, db.AddresseeRef); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := tlog.GenerateLogKey("muster.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	return signer, verifier
}

func testLogRoutes(t *testing.T, f *fixture) {
	res := f.do(t, "GET", "/log/checkpoint", "", "")
	if res.status != http.StatusOK {
		t.Fatalf("checkpoint: %d %s", res.status, res.body)
	}
	size, root, err := tlog.OpenCheckpoint(res.body, f.logVerifier)
	if err != nil || size != 3 {
		t.Fatalf("checkpoint %q: size %d, %v", res.body, size, err)
	}
	leaf := f.do(t, "GET", "/log/leaf/2", "", "")
	if e, err := tlog.ParseLeaf(leaf.body); err != nil || e.Event != "issue" {
		t.Fatalf("leaf 2 = %q: %v", leaf.body, err)
	}
	if strings.Contains(string(leaf.body), "DS0003") {
		t.Error("a log leaf names the addressee")
	}
	var proof proofResponse
	res = f.do(t, "GET", "/log/proof/inclusion?index=2&size=3", "", "")
	if err := json.Unmarshal(res.body, &proof); err != nil {
		t.Fatalf("inclusion proof %q: %v", res.body, err)
	}
	if err := tlog.VerifyInclusion(tlog.LeafHash(leaf.body), 2, 3, proof.Hashes, root); err != nil {
		t.Errorf("inclusion proof does not verify: %v", err)
	}
	oldRoot, err := f.db.Log().Root(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	res = f.do(t, "GET", "/log/proof/consistency?old=1&size=3", "", "")
	if err := json.Unmarshal(res.body, &proof); err != nil {
		t.Fatal(err)
	}
	if err := tlog.VerifyConsistency(1, 3, proof.Hashes, oldRoot, root); err != nil {
		t.Errorf("consistency proof does not verify: %v", err)
	}
	for path, want := range map[string]int{
		"/log/proof/inclusion?index=3&size=3":  http.StatusBadRequest,
		"/log/proof/inclusion?index=0&size=99": http.StatusNotFound,
		"/log/proof/inclusion?index=x&size=3":  http.StatusBadRequest,
		"/log/proof/inclusion?size=3":          http.StatusBadRequest,
		"/log/proof/consistency?old=4&size=3":  http.StatusBadRequest,
		"/log/leaf/99":                         http.StatusNotFound,
		"/log/leaf/-1":                         http.StatusBadRequest,
	} {
		if res := f.do(t, "GET", path, "", ""); res.status != want {
			t.Errorf("GET %s = %d, want %d (%s)", path, res.status, want, res.body)
		}
	}
}
