package sqlstore

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/policy"
)

func TestPolicyVersions(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		p, sp, err := db.ActivePolicy(ctx)
		if err != nil || p.Hash != policy.Default().Hash || sp.LoadedBy != "" {
			t.Fatalf("before any load: %v %+v %v", p, sp, err)
		}
		body := policy.DefaultBytes()
		v1, err := db.LoadPolicy(ctx, "default.yaml", body, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadPolicy(ctx, "again.yaml", body, "admin"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("loading the same file twice: %v", err)
		}
		if _, err := db.LoadPolicy(ctx, "bad.yaml", []byte("version: [\n"), "admin"); err == nil || !strings.Contains(err.Error(), "bad.yaml:") {
			t.Errorf("bad file: %v", err)
		}
		// A second version: the same rules under a new version name.
		body2 := bytes.Replace(body, []byte("version: "), []byte("version: v2-"), 1)
		v2, err := db.LoadPolicy(ctx, "v2.yaml", body2, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if v2.LogIndex != v1.LogIndex+1 || v2.Version == v1.Version {
			t.Errorf("versions %+v then %+v", v1, v2)
		}
		p, sp, err = db.ActivePolicy(ctx)
		if err != nil || sp.Hash != v2.Hash || p.Version != v2.Version {
			t.Fatalf("active: %+v %v", sp, err)
		}
		list, err := db.Policies(ctx)
		if err != nil || len(list) != 2 || list[0].Hash != v1.Hash {
			t.Errorf("list %+v %v", list, err)
		}
		if got, err := db.PolicyBody(ctx, v1.Hash); err != nil || !bytes.Equal(got, body) {
			t.Errorf("body of v1: %v", err)
		}

		verifier := signAndVerifyLog(t, db, "of a clean log")
		// Somebody rewrites the version in force, in the database.
		space := `X'20'`
		if db.Dialect() == "postgres" {
			space = `'\x20'::bytea`
		}
		if err := db.Exec(ctx, `UPDATE policies SET body = body || `+space+` WHERE log_index = 1`); err != nil {
			t.Fatal(err)
		}
		_, problems, err := db.VerifyLog(ctx, verifier)
		if err != nil || len(problems) != 1 || !strings.Contains(problems[0].What, "policy "+v2.Version+": the stored row differs from log leaf 1") {
			t.Errorf("rewritten policy: %+v %v", problems, err)
		}
		if _, _, err := db.ActivePolicy(ctx); muster.ErrorKind(err) != muster.Internal {
			t.Errorf("active policy after rewrite: %v", err)
		}
	})
}
