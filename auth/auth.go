// Package auth holds officers, their roles and what each role may do,
// passwords (argon2id) and bearer tokens. It is pure: the store keeps users
// and sessions, transports check tokens.
package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/muster-org/muster"
)

// Role is what an officer does; see DESIGN.md, "Who uses it".
type Role string

// The roles. A citizen is not a user: citizens reach muster through the
// citizen channels with an order's code and a second factor.
const (
	Admin     Role = "admin"     // manages users; no access to personal data by itself
	Registrar Role = "registrar" // keeps the registry of their areas
	Requester Role = "requester" // a requesting unit: files needs
	Officer   Role = "officer"   // mobilization officer: allocation, proposals, drafts
	Approver  Role = "approver"  // approves drafts, never their own
	Reviewer  Role = "reviewer"  // review board: claims and appeals
	Treasurer Role = "treasurer" // fund and compensation ledger
	Auditor   Role = "auditor"   // read-only oversight, no personal data
)

// Roles lists every role.
var Roles = []Role{Admin, Registrar, Requester, Officer, Approver, Reviewer, Treasurer, Auditor}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		names := make([]string, len(Roles))
		for i, r := range Roles {
			names[i] = string(r)
		}
		return "", muster.Errorf(muster.Invalid, "%q is not a role (%s)", s, strings.Join(names, ", "))
	}
	return r, nil
}

// Action is something a role may or may not do.
type Action string

// The actions. Reading persons (names, birth dates, phones) is reading
// personal data: only the roles that need it to do their work may, and
// every such read is recorded. An order names its addressee, so reading
// orders is recorded too.
//
// RecordOrderEvents lets a role ask for a lifecycle event at all; which
// event each role may record on which order is decided by the lifecycle
// rules of package order (a treasurer compensates, a reviewer decides
// claims, an officer records handovers), not here.
const (
	ReadAreas         Action = "areas.read"
	ReadPersons       Action = "persons.read"
	ReadOrganisations Action = "organisations.read"
	ReadResources     Action = "resources.read"
	WriteRegistry     Action = "registry.write"
	ManageUsers       Action = "users.manage"
	ReadOrders        Action = "orders.read"
	DraftOrders       Action = "orders.draft"
	ApproveOrders     Action = "orders.approve"
	RecordOrderEvents Action = "orders.event"
	ReadNeeds         Action = "needs.read"
	WriteNeeds        Action = "needs.write"
	Allocate          Action = "allocate"         // run the allocator, review proposals
	RunCampaigns      Action = "campaigns.run"    // create, freeze and draw call-up campaigns
	ManagePolicy      Action = "policy.manage"    // load a new policy version
	ReadFund          Action = "fund.read"        // ledger accounts, transfers, payables (no personal data)
	WriteFund         Action = "fund.write"       // contributions, programmes, spending, payments
	ImportIncidents   Action = "incidents.import" // conflict incidents (ACLED)
)

// Actions lists every action.
var Actions = []Action{ReadAreas, ReadPersons, ReadOrganisations, ReadResources, WriteRegistry, ManageUsers,
	ReadOrders, DraftOrders, ApproveOrders, RecordOrderEvents, ReadNeeds, WriteNeeds, Allocate, RunCampaigns,
	ManagePolicy, ReadFund, WriteFund, ImportIncidents}

var grants = map[Role][]Action{
	Admin:     {ReadAreas, ManageUsers, ManagePolicy, ImportIncidents},
	Registrar: {ReadAreas, ReadPersons, ReadOrganisations, ReadResources, WriteRegistry, ImportIncidents},
	Requester: {ReadAreas, ReadOrganisations, ReadNeeds, WriteNeeds},
	Officer: {ReadAreas, ReadPersons, ReadOrganisations, ReadResources, ReadOrders, DraftOrders, RecordOrderEvents,
		ReadNeeds, Allocate, RunCampaigns, ImportIncidents},
	Approver:  {ReadAreas, ReadPersons, ReadOrganisations, ReadResources, ReadOrders, ApproveOrders, RecordOrderEvents, ReadNeeds},
	Reviewer:  {ReadAreas, ReadPersons, ReadOrganisations, ReadResources, ReadOrders, RecordOrderEvents},
	Treasurer: {ReadAreas, ReadOrganisations, ReadOrders, RecordOrderEvents, ReadFund, WriteFund},
	Auditor:   {ReadAreas, ReadOrganisations, ReadNeeds, ReadFund},
}

// Can reports whether role may do action.
func Can(role Role, action Action) bool { return slices.Contains(grants[role], action) }

// User is an officer: a role exercised over a jurisdiction, the subtree of
// one area.
type User struct {
	ID   int64  `json:"-"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	Area string `json:"area"`
}

// Authorize returns a forbidden error unless u's role may do action.
func (u User) Authorize(action Action) error {
	if !Can(u.Role, action) {
		return muster.Errorf(muster.Forbidden, "role %s may not %s", u.Role, action)
	}
	return nil
}

var namePattern = func(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// reservedNames name actors that are not officers in order histories.
var reservedNames = []string{"system", "addressee", "citizen"}

// ValidateName checks a user name: 2 to 64 lower-case letters, digits,
// '.', '-' or '_', and not a name reserved for non-officer actors.
func ValidateName(s string) error {
	if !namePattern(s) {
		return muster.Errorf(muster.Invalid, "user name %q: use 2 to 64 lower-case letters, digits, '.', '-' or '_'", s)
	}
	if slices.Contains(reservedNames, s) {
		return muster.Errorf(muster.Invalid, "user name %q is reserved", s)
	}
	return nil
}

func (u User) String() string { return fmt.Sprintf("%s (%s, %s)", u.Name, u.Role, u.Area) }
