package main

// End-to-end tests of the orders vertical slice: an authority and its key,
// orders drafted and approved by two officers, signed payloads verified
// offline against a root-signed trust list, and the transparency log
// checked by a third party and by muster log verify after rows are
// changed behind muster's back.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// ordersFixture is a file of testdata/orders, as a user would type it.
func ordersFixture(name string) string { return filepath.Join("testdata", "orders", name) }

const authorityCode = "NE-MOB-DS"

var (
	authorityAdded = regexp.MustCompile(`^added authority NE-MOB-DS with key (\S+) \(valid until \d{4}-\d\d-\d\d\)$`)
	keyRotated     = regexp.MustCompile(`^new key (\S+) for NE-MOB-DS; `)
	orderDrafted   = regexp.MustCompile(`^drafted (call_up|requisition) (\S+) \(code ([0-9A-Z-]+)\)$`)
	rootPublic     = regexp.MustCompile(`(?m)^root public key: (muster-root:\S+)$`)
)

// shownOrder is what orders show --json prints, in part.
type shownOrder struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Signed   string `json:"signed"`
	KeyID    string `json:"key_id"`
	LogIndex uint64 `json:"log_index"`
	Events   []struct {
		Seq      int64  `json:"seq"`
		Event    string `json:"event"`
		Actor    string `json:"actor"`
		LogIndex uint64 `json:"log_index"`
	} `json:"events"`
}

// ordersEnv is an env with the demo country, the test's persons and
// organisation, and the authority NE-MOB-DS.
type ordersEnv struct {
	*env
	key   string    // the authority's first key id
	added time.Time // when authority add returned
}

func newOrdersEnv(e *env) ordersEnv {
	e.t.Helper()
	runDemo(e, "--persons", "500", "--orders", "0")
	for _, kind := range []string{"persons", "organisations"} {
		e.mustRun(0, "import", kind, ordersFixture(kind+".csv"))
	}
	r := e.mustRun(0, "authority", "add", "--code", authorityCode, "--name", "Direction régionale de la mobilisation de Dosso", "--area", "NE.DS")
	m := authorityAdded.FindStringSubmatch(lastLine(r.stdout))
	if m == nil {
		e.t.Fatalf("authority add: no key id\n%s", r)
	}
	return ordersEnv{env: e, key: m[1], added: time.Now()}
}

// draft drafts an order as officer and returns its id and code.
func (e ordersEnv) draft(kind, to, item string) (id, code string) {
	e.t.Helper()
	r := e.mustRun(0, "orders", "draft", "--as", "officer", "--kind", kind, "--to", to, "--item", item,
		"--place", "Base de Dosso", "--place-area", "NE.DS",
		"--deadline", time.Now().UTC().Add(72*time.Hour).Format("2006-01-02T15:04"),
		"--legal-basis", "Loi 2026-01, art. 4", "--authority", authorityCode, "--reason", "Transport de vivres")
	m := orderDrafted.FindStringSubmatch(lastLine(r.stdout))
	if m == nil || m[1] != kind {
		e.t.Fatalf("orders draft: want \"drafted %s ID (code CODE)\", got\n%s", kind, r)
	}
	return m[2], m[3]
}

// show returns orders show --json of an order.
func (e ordersEnv) show(code string) shownOrder {
	e.t.Helper()
	r := e.mustRun(0, "orders", "show", code, "--json")
	var o shownOrder
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
		e.t.Fatalf("orders show --json: %v\n%s", err, r)
	}
	return o
}

// trustList writes a trust list to a new file and returns it with the
// root public key printed.
func trustList(e *env, name string) (file, root string) {
	e.t.Helper()
	file = filepath.Join(e.t.TempDir(), name)
	r := e.mustRun(0, "keys", "trustlist", "-o", file)
	m := rootPublic.FindStringSubmatch(r.stdout)
	if m == nil {
		e.t.Fatalf("keys trustlist: no root public key\n%s", r)
	}
	return file, m[1]
}

// tamper changes the character in the middle of a payload to another of
// the Base45 alphabet.
func tamper(payload string) string {
	i := len(payload) / 2
	c := byte('A')
	if payload[i] == 'A' {
		c = 'B'
	}
	return payload[:i] + string(c) + payload[i+1:]
}

func TestOrders(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, base *env) {
		start := time.Now()
		e := newOrdersEnv(base)
		callID, callCode := e.draft("call_up", "person:NE-T-0000001", "driver:1")
		reqID, reqCode := e.draft("requisition", "org:ORG-T-1", "vehicle.truck:2:unit")

		// Roles and the two-person rule.
		for _, c := range []struct {
			name   string
			args   []string
			code   int
			stderr string
		}{
			{"drafter is not an approver", []string{"--as", "officer", "--all-drafts"}, 6, "role"},
			{"unknown officer", []string{"--as", "nobody", "--all-drafts"}, 4, "nobody"},
			{"no --as", []string{"--all-drafts"}, 2, "--as"},
			{"codes and --all-drafts", []string{"--as", "approver", "--all-drafts", callCode}, 2, "not both"},
		} {
			r := e.run(append([]string{"orders", "approve"}, c.args...)...)
			if r.code != c.code || r.stdout != "" || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("approve, %s: want exit %d, no stdout and %q on stderr, got\n%s", c.name, c.code, c.stderr, r)
			}
		}
		if r := e.mustRun(0, "orders", "list", "--state", "draft"); len(lines(r.stdout)) != 3 {
			t.Fatalf("after refused approvals: want both orders still drafts, got\n%s", r)
		}
		r := e.mustRun(0, "orders", "approve", "--as", "approver", "--all-drafts")
		if lastLine(r.stdout) != "approved and issued 2 orders" {
			t.Fatalf("approve --all-drafts: unexpected output\n%s", r)
		}
		if r := e.run("orders", "approve", "--as", "approver", callCode); r.code != 5 || !strings.Contains(r.stderr, "issued") {
			t.Errorf("approving an issued order: want exit 5 naming its state, got\n%s", r)
		}

		// orders show and list.
		call, req := e.show(callCode), e.show(reqCode)
		for _, c := range []struct {
			o        shownOrder
			id, kind string
		}{{call, callID, "call_up"}, {req, reqID, "requisition"}} {
			o := c.o
			if o.ID != c.id || o.Kind != c.kind || o.State != "issued" || !strings.HasPrefix(o.Signed, "MU1:") || o.KeyID != e.key {
				t.Errorf("orders show %s: want %s %s issued, signed MU1:... with key %s, got %+v", o.Code, c.id, c.kind, e.key, o)
			}
			var got []string
			for _, ev := range o.Events {
				got = append(got, strconv.FormatInt(ev.Seq, 10)+" "+ev.Event+" "+ev.Actor)
				if ev.Event == "issue" && ev.LogIndex != o.LogIndex {
					t.Errorf("orders show %s: issue event at log index %d, order at %d", o.Code, ev.LogIndex, o.LogIndex)
				}
			}
			if len(got) != 3 || !strings.HasPrefix(got[0], "1 draft officer") || !strings.HasPrefix(got[1], "2 approve approver") || !strings.HasPrefix(got[2], "3 issue ") {
				t.Errorf("orders show %s: want events 1 draft by officer, 2 approve by approver, 3 issue; got %q", o.Code, got)
			}
		}
		png := filepath.Join(t.TempDir(), "order.png")
		e.mustRun(0, "orders", "show", callCode, "--qr", png)
		if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("orders show --qr wrote no PNG (%v)", err)
		}
		r = e.mustRun(0, "orders", "list", "--state", "issued")
		if out := lines(r.stdout); len(out) != 3 || !strings.Contains(r.stdout, callCode) || !strings.Contains(r.stdout, reqCode) {
			t.Errorf("orders list --state issued: want both orders, got\n%s", r)
		}

		// Offline verification against the trust list.
		tl1, root := trustList(e.env, "before-rotation.cose")
		other := newSQLiteEnv(t)
		otherTL, otherRoot := trustList(other, "other.cose")
		if otherRoot == root {
			t.Fatal("two data directories share a root key")
		}
		for _, c := range []struct {
			name         string
			args         []string
			code         int
			stdout, stdr string // stdout prefix, stderr substring
		}{
			{"payload", []string{call.Signed}, 0, "VALID", ""},
			{"requisition", []string{req.Signed}, 0, "VALID", ""},
			{"QR image", []string{"--image", png}, 0, "VALID", ""},
			{"tampered", []string{tamper(call.Signed)}, 1, "", "INVALID"},
			{"another root", []string{"--root", otherRoot, call.Signed}, 1, "", "bad trust list"},
			{"another trust list", []string{"--trustlist", otherTL, "--root", otherRoot, call.Signed}, 1, "", "unknown key"},
			{"no payload", nil, 2, "", "payload"},
		} {
			args := append([]string{"verify", "--trustlist", tl1, "--root", root}, c.args...)
			r := e.run(args...)
			if r.code != c.code || !strings.HasPrefix(r.stdout, c.stdout) || !strings.Contains(r.stderr, c.stdr) || (c.code != 0 && r.stdout != "") {
				t.Errorf("verify, %s: want exit %d, stdout %q..., %q on stderr, got\n%s", c.name, c.code, c.stdout, c.stdr, r)
			}
		}
		r = e.mustRun(0, "verify", "--trustlist", tl1, "--root", root, "--json", req.Signed)
		var verified struct {
			Valid  bool `json:"valid"`
			Claims struct {
				OrderID   string `json:"order_id"`
				Code      string `json:"code"`
				Kind      string `json:"kind"`
				Authority string `json:"authority"`
				KeyID     string `json:"key_id"`
				LogIndex  uint64 `json:"log_index"`
			} `json:"claims"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &verified); err != nil {
			t.Fatalf("verify --json: %v\n%s", err, r)
		}
		if cl := verified.Claims; !verified.Valid || cl.OrderID != reqID || cl.Code != strings.ReplaceAll(reqCode, "-", "") ||
			cl.Kind != "requisition" || cl.Authority != authorityCode || cl.KeyID != e.key || cl.LogIndex != req.LogIndex {
			t.Errorf("verify --json: want valid claims of %s (%s, log index %d), got\n%s", reqID, reqCode, req.LogIndex, r)
		}

		// The transparency log, checked as a third party would.
		r = e.mustRun(0, "log", "checkpoint")
		checkpoint := r.stdout
		cpLines := strings.Split(checkpoint, "\n")
		if len(cpLines) != 6 || cpLines[0] != logOrigin || cpLines[3] != "" || !strings.HasPrefix(cpLines[4], "— "+logOrigin+" ") || cpLines[5] != "" {
			t.Fatalf("log checkpoint: want origin, size, root, blank line, signature; got\n%s", r)
		}
		if cpLines[1] != "6" {
			t.Errorf("log checkpoint: tree size %s, want 6 (2 drafts, 2 approvals, 2 issues)", cpLines[1])
		}
		vkey := strings.TrimSpace(e.mustRun(0, "keys", "log-vkey").stdout)
		if !strings.HasPrefix(vkey, logOrigin+"+") {
			t.Fatalf("keys log-vkey: %q", vkey)
		}
		verifier, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open([]byte(checkpoint), note.VerifierList(verifier)); err != nil {
			t.Fatalf("the checkpoint does not verify with the log's vkey: %v\n%s", err, checkpoint)
		}
		rootHash, err := base64.StdEncoding.DecodeString(cpLines[2])
		if err != nil || len(rootHash) != 32 {
			t.Fatalf("checkpoint root hash %q: %v", cpLines[2], err)
		}
		r = e.mustRun(0, "log", "prove", callCode)
		var proved struct {
			Order      string   `json:"order"`
			LeafIndex  uint64   `json:"leaf_index"`
			Leaf       string   `json:"leaf"`
			TreeSize   uint64   `json:"tree_size"`
			Proof      [][]byte `json:"inclusion_proof"` // base64, as encoding/json reads []byte
			Checkpoint string   `json:"checkpoint"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &proved); err != nil {
			t.Fatalf("log prove: %v\n%s", err, r)
		}
		if proved.Order != callID || proved.LeafIndex != call.LogIndex || proved.TreeSize != 6 || proved.Checkpoint != checkpoint {
			t.Errorf("log prove: want order %s, leaf %d of 6, the same checkpoint; got\n%s", callID, call.LogIndex, r)
		}
		leafHash := rfc6962.DefaultHasher.HashLeaf([]byte(proved.Leaf))
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, proved.LeafIndex, proved.TreeSize, leafHash, proved.Proof, rootHash); err != nil {
			t.Errorf("the inclusion proof does not verify against the checkpoint: %v\n%s", err, r)
		}
		var leaf struct {
			Subject  string `json:"subject"`
			Event    string `json:"event"`
			DataHash string `json:"data_hash"`
		}
		signedHash := sha256.Sum256([]byte(call.Signed))
		if err := json.Unmarshal([]byte(proved.Leaf), &leaf); err != nil || leaf.Subject != callID || leaf.Event != "issue" || leaf.DataHash != hex.EncodeToString(signedHash[:]) {
			t.Errorf("log prove: the leaf is not the issue of %s committing to its signed payload (%v): %s", callID, err, proved.Leaf)
		}
		if r := e.run("log", "prove", "NOPE"); r.code != 4 {
			t.Errorf("log prove of an unknown order: want exit 4, got\n%s", r)
		}

		// Rotation: old orders still verify with the old trust list; an
		// order signed with the new key needs the new one.
		// Keys start on a whole second, and a key rotated within the
		// second of the previous one is never used (see
		// TestOrdersRotateSameSecond): rotate in a later second.
		time.Sleep(time.Until(e.added.Truncate(time.Second).Add(time.Second)))
		r = e.mustRun(0, "authority", "rotate", "--code", authorityCode)
		m := keyRotated.FindStringSubmatch(r.stdout)
		if m == nil || m[1] == e.key {
			t.Fatalf("authority rotate: want a new key id\n%s", r)
		}
		newKey := m[1]
		_, lateCode := e.draft("call_up", "person:NE-T-0000002", "mechanic:1")
		for _, args := range [][]string{{"orders", "show", lateCode, "--qr", png}, {"log", "prove", lateCode}} {
			if r := e.run(args...); r.code != 5 || !strings.Contains(r.stderr, "draft") {
				t.Errorf("%v of a draft: want exit 5, got\n%s", args, r)
			}
		}
		e.mustRun(0, "orders", "approve", "--as", "approver", lateCode)
		late := e.show(lateCode)
		if late.KeyID != newKey {
			t.Errorf("an order approved after rotation is signed with %s, want the new key %s", late.KeyID, newKey)
		}
		tl2, root2 := trustList(e.env, "after-rotation.cose")
		if root2 != root {
			t.Errorf("the root key changed with the rotation: %s, then %s", root, root2)
		}
		for _, c := range []struct {
			name, tl, payload string
			code              int
			stderr            string
		}{
			{"old order, old list", tl1, call.Signed, 0, ""},
			{"old order, new list", tl2, call.Signed, 0, ""},
			{"new order, old list", tl1, late.Signed, 1, "unknown key"},
			{"new order, new list", tl2, late.Signed, 0, ""},
		} {
			r := e.run("verify", "--trustlist", c.tl, "--root", root, c.payload)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderr) || (c.code == 0) != strings.HasPrefix(r.stdout, "VALID") {
				t.Errorf("verify, %s: want exit %d and %q on stderr, got\n%s", c.name, c.code, c.stderr, r)
			}
		}

		// log verify, and rows changed behind muster's back.
		logVerify := func(what string, want int) result {
			t.Helper()
			r := e.run("log", "verify")
			if r.code != want || (want == 0) != strings.HasSuffix(r.stdout, ": 0 problems\n") {
				t.Fatalf("log verify %s: want exit %d, got\n%s", what, want, r)
			}
			return r
		}
		logVerify("untouched", 0)
		db := e.sqlDB()
		defer db.Close()
		exec := func(q string, args ...any) {
			t.Helper()
			for n := 1; e.postgres() && strings.Contains(q, "?"); n++ {
				q = strings.Replace(q, "?", "$"+strconv.Itoa(n), 1)
			}
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// The leaves hold roles, not names: a changed actor is caught by
		// the order row (approved_by), which names the order only.
		exec("UPDATE order_events SET actor = 'mallory' WHERE seq = 2")
		r = logVerify("after an event's actor changed", 1)
		for _, id := range []string{callID, reqID, late.ID} {
			if !regexp.MustCompile(`(?m)^PROBLEM: order ` + regexp.QuoteMeta(id) + `\b`).MatchString(r.stdout) {
				t.Errorf("log verify: no PROBLEM line naming order %s\n%s", id, r)
			}
		}
		exec("UPDATE order_events SET actor = 'approver' WHERE seq = 2")
		exec("UPDATE order_events SET role = 'auditor' WHERE seq = 2 AND order_id = ?", reqID)
		r = logVerify("after an event's role changed", 1)
		if !regexp.MustCompile(`(?m)^PROBLEM: order ` + regexp.QuoteMeta(reqID) + ` event 2\b`).MatchString(r.stdout) {
			t.Errorf("log verify: no PROBLEM line naming order %s event 2\n%s", reqID, r)
		}
		exec("UPDATE order_events SET role = 'approver' WHERE seq = 2")
		logVerify("after the row is put back", 0)

		var data []byte
		if err := db.QueryRow("SELECT data FROM log_leaves WHERE idx = " + strconv.FormatUint(req.LogIndex, 10)).Scan(&data); err != nil {
			t.Fatal(err)
		}
		forged := bytes.Replace(data, []byte(`"requisition"`), []byte(`"call_up"`), 1)
		if bytes.Equal(forged, data) {
			t.Fatalf("sanity: leaf %d does not name the kind: %s", req.LogIndex, data)
		}
		exec("UPDATE log_leaves SET data = ? WHERE idx = ?", forged, int64(req.LogIndex))
		r = logVerify("after a leaf changed", 1)
		if !strings.Contains(r.stdout, "PROBLEM: ") {
			t.Errorf("log verify: no PROBLEM line after a leaf changed\n%s", r)
		}
		t.Logf("orders slice end to end in %v", time.Since(start).Round(time.Millisecond))
	})
}

// TestOrdersRotateSameSecond checks that a key rotated in the same second
// as the authority's first key is the one that signs.
func TestOrdersRotateSameSecond(t *testing.T) {
	t.Parallel()
	e := newOrdersEnv(newSQLiteEnv(t))
	m := keyRotated.FindStringSubmatch(e.mustRun(0, "authority", "rotate", "--code", authorityCode).stdout)
	if m == nil {
		t.Fatal("authority rotate: no key id")
	}
	_, code := e.draft("call_up", "person:NE-T-0000001", "driver:1")
	e.mustRun(0, "orders", "approve", "--as", "approver", code)
	if got := e.show(code).KeyID; got != m[1] {
		t.Errorf("signed with %s (the first key is %s), want the rotated key %s", got, e.key, m[1])
	}
}

// TestLessGC: bulk issuing collects garbage at GOGC=400 and puts the
// setting back after; an operator's GOGC is left alone.
func TestLessGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	restore := lessGC()
	if during := debug.SetGCPercent(400); during != 400 {
		t.Errorf("GC percent during bulk issuing: %d, want 400", during)
	}
	restore()
	if after := debug.SetGCPercent(100); after != 100 {
		t.Errorf("GC percent after: %d, want 100 back", after)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	restore = lessGC()
	if during := debug.SetGCPercent(150); during != 150 {
		t.Errorf("with GOGC=150 set: GC percent %d during bulk issuing, want 150", during)
	}
	restore()
}
