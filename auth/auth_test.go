package auth

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	if !CheckPassword(h, "correct horse battery") {
		t.Error("right password refused")
	}
	for _, wrong := range []string{"correct horse batterY", "", "correct horse battery "} {
		if CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", strings.Replace(h, "v=19", "v=16", 1), strings.Replace(h, "p=2", "p=0", 1)} {
		if CheckPassword(bad, "correct horse battery") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("short password accepted")
	}
}

func TestToken(t *testing.T) {
	tok, h := NewToken()
	if len(tok) < 40 || !bytes.Equal(h, HashToken(tok)) {
		t.Fatalf("token %q / hash mismatch", tok)
	}
	tok2, _ := NewToken()
	if tok == tok2 {
		t.Error("tokens repeat")
	}
}

func TestPermissions(t *testing.T) {
	cases := []struct {
		role   Role
		action Action
		want   bool
	}{
		{Registrar, ReadPersons, true},
		{Registrar, WriteRegistry, true},
		{Auditor, ReadPersons, false},
		{Treasurer, ReadPersons, false},
		{Admin, ReadPersons, false},
		{Admin, ManageUsers, true},
		{Officer, WriteRegistry, false},
		{Requester, ReadResources, false},
		// Orders: officers draft, approvers approve (never their own
		// drafts: package order enforces that), and the roles that act on
		// an order's lifecycle read orders and record events.
		{Officer, DraftOrders, true},
		{Officer, ApproveOrders, false},
		{Approver, ApproveOrders, true},
		{Approver, DraftOrders, false},
		{Reviewer, DraftOrders, false},
		{Reviewer, ApproveOrders, false},
		{Treasurer, ApproveOrders, false},
		{Auditor, ReadOrders, false},
		{Admin, ReadOrders, false},
		{Registrar, ReadOrders, false},
		{Requester, ReadOrders, false},
	}
	for _, c := range cases {
		if got := Can(c.role, c.action); got != c.want {
			t.Errorf("Can(%s, %s) = %v, want %v", c.role, c.action, got, c.want)
		}
	}
	for _, r := range Roles {
		if !Can(r, ReadAreas) {
			t.Errorf("role %s cannot read areas", r)
		}
		for _, a := range grants[r] {
			if !slices.Contains(Actions, a) {
				t.Errorf("role %s is granted %s, which is not in Actions", r, a)
			}
		}
	}
	for _, r := range []Role{Officer, Approver, Reviewer, Treasurer} {
		for _, a := range []Action{ReadOrders, RecordOrderEvents} {
			if !Can(r, a) {
				t.Errorf("role %s may not %s", r, a)
			}
		}
	}
	if _, err := ParseRole("general"); err == nil {
		t.Error("unknown role accepted")
	}
	for _, bad := range []string{"Dosso Registrar", "x", "system", "addressee"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("user name %q accepted", bad)
		}
	}
}
