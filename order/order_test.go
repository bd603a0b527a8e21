package order

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/registry"
)

var now = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

var (
	drafter  = Actor{Role: auth.Officer, Name: "dora"}
	approver = Actor{Role: auth.Approver, Name: "abdou"}
	officer  = Actor{Role: auth.Officer, Name: "omar"}
	reviewer = Actor{Role: auth.Reviewer, Name: "rakia"}
	second   = Actor{Role: auth.Reviewer, Name: "issa"}
	treasury = Actor{Role: auth.Treasurer, Name: "tanko"}
)

func goodRequisition() Order {
	return Order{
		Kind:      Requisition,
		Addressee: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-0042"},
		Items: []Item{
			{Type: "vehicle.truck", Quantity: 2, Unit: "unit", ResourceIDs: []string{"R-1", "R-2"}, Condition: "good", ValueXOF: 30_000_000},
			{Type: "fuel.diesel", Quantity: 1500.5, Unit: "l"},
		},
		Place:      Place{Text: "Caserne de Tahoua, porte nord", Area: "NE.TH", Location: &area.Point{Lat: 14.89, Lon: 5.26}},
		Deadline:   now.Add(72 * time.Hour),
		LegalBasis: "Ordonnance n° 2026-01, art. 12",
		Authority:  "NE-GOV-TH",
		Reason:     "Transport of relief supplies to Tillia",
	}
}

func goodCallUp() Order {
	return Order{
		Kind:       CallUp,
		Addressee:  registry.Owner{Kind: registry.OwnerPerson, ID: "NE0000000001"},
		Items:      []Item{{Type: "driver", Quantity: 1, Unit: "person"}},
		Place:      Place{Text: "Camp Bagué, Niamey"},
		Deadline:   now.Add(48 * time.Hour),
		LegalBasis: "Décret n° 2026-77",
		Authority:  "NE-MDN",
		Reason:     "Reservist call-up, first wave",
	}
}

func fieldsOf(errs []registry.FieldError) string {
	var f []string
	for _, e := range errs {
		f = append(f, e.Field)
	}
	return strings.Join(f, ",")
}

func TestValidate(t *testing.T) {
	for _, o := range []Order{goodRequisition(), goodCallUp()} {
		if errs := o.Validate(); len(errs) != 0 {
			t.Fatalf("good %s: %v", o.Kind, errs)
		}
	}
	cases := []struct {
		name string
		base func() Order
		edit func(*Order)
		want string
	}{
		{"bad kind", goodCallUp, func(o *Order) { o.Kind = "draft" }, "kind"},
		{"call-up of an organisation", goodCallUp, func(o *Order) { o.Addressee.Kind = registry.OwnerOrganisation }, "addressee"},
		{"requisition from a person", goodRequisition, func(o *Order) { o.Addressee = registry.Owner{Kind: registry.OwnerPerson, ID: "NE01"} }, ""},
		{"bad addressee id", goodRequisition, func(o *Order) { o.Addressee.ID = "a b" }, "addressee"},
		{"no addressee kind", goodRequisition, func(o *Order) { o.Addressee.Kind = "" }, "addressee"},
		{"call-up without item", goodCallUp, func(o *Order) { o.Items = nil }, ""},
		{"call-up of two", goodCallUp, func(o *Order) { o.Items = append(o.Items, o.Items[0]) }, "items"},
		{"call-up bad skill", goodCallUp, func(o *Order) { o.Items[0].Type = "Driver!" }, "items[0].type"},
		{"call-up quantity", goodCallUp, func(o *Order) { o.Items[0].Quantity = 3 }, "items[0].quantity"},
		{"call-up takes resources", goodCallUp, func(o *Order) { o.Items[0].ResourceIDs = []string{"R-1"} }, "items[0].resource_ids"},
		{"requisition without items", goodRequisition, func(o *Order) { o.Items = nil }, "items"},
		{"too many items", goodRequisition, func(o *Order) {
			o.Items = make([]Item, MaxItems+1)
		}, "items"},
		{"unknown type", goodRequisition, func(o *Order) { o.Items[1].Type = "fuel.kerosene" }, "items[1].type"},
		{"zero quantity", goodRequisition, func(o *Order) { o.Items[1].Quantity = 0 }, "items[1].quantity"},
		{"NaN quantity", goodRequisition, func(o *Order) { o.Items[1].Quantity = math.NaN() }, "items[1].quantity"},
		{"huge quantity", goodRequisition, func(o *Order) { o.Items[1].Quantity = 2e9 }, "items[1].quantity"},
		{"half a truck", goodRequisition, func(o *Order) { o.Items[0].Quantity = 1.5 }, "items[0].quantity"},
		{"bad unit", goodRequisition, func(o *Order) { o.Items[1].Unit = "kg" }, "items[1].unit"},
		{"resources do not match count", goodRequisition, func(o *Order) { o.Items[0].ResourceIDs = []string{"R-1"} }, "items[0].resource_ids"},
		{"resource named twice", goodRequisition, func(o *Order) { o.Items[1].ResourceIDs = []string{"R-2"} }, "items[1].resource_ids"},
		{"bad resource id", goodRequisition, func(o *Order) { o.Items[1].ResourceIDs = []string{"R 9"} }, "items[1].resource_ids"},
		{"bad condition", goodRequisition, func(o *Order) { o.Items[0].Condition = "shiny" }, "items[0].condition"},
		{"negative value", goodRequisition, func(o *Order) { o.Items[0].ValueXOF = -1 }, "items[0].value_xof"},
		{"no place", goodRequisition, func(o *Order) { o.Place.Text = " " }, "place"},
		{"long place", goodRequisition, func(o *Order) { o.Place.Text = strings.Repeat("é", MaxPlace+1) }, "place"},
		{"bad area", goodRequisition, func(o *Order) { o.Place.Area = "NE TH" }, "place.area"},
		{"bad location", goodRequisition, func(o *Order) { o.Place.Location = &area.Point{Lat: 91} }, "place.location"},
		{"no deadline", goodRequisition, func(o *Order) { o.Deadline = time.Time{} }, "deadline"},
		{"deadline at creation", goodRequisition, func(o *Order) { o.CreatedAt = o.Deadline }, "deadline"},
		{"no legal basis", goodRequisition, func(o *Order) { o.LegalBasis = "" }, "legal_basis"},
		{"long legal basis", goodRequisition, func(o *Order) { o.LegalBasis = strings.Repeat("x", MaxLegalBasis+1) }, "legal_basis"},
		{"no authority", goodRequisition, func(o *Order) { o.Authority = "" }, "authority"},
		{"no reason", goodRequisition, func(o *Order) { o.Reason = "" }, "reason"},
		{"control character", goodRequisition, func(o *Order) { o.Reason = "a\x07b" }, "reason"},
		{"bad UTF-8", goodRequisition, func(o *Order) { o.Reason = "a\xffb" }, "reason"},
		{"long reason", goodRequisition, func(o *Order) { o.Reason = strings.Repeat("x", MaxReason+1) }, "reason"},
		{"two problems", goodCallUp, func(o *Order) { o.Reason, o.Authority = "", "" }, "authority,reason"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.base()
			c.edit(&o)
			if got := fieldsOf(o.Validate()); !strings.HasPrefix(got, c.want) || (c.want == "" && got != "") {
				t.Errorf("fields = %q, want %q", got, c.want)
			}
		})
	}
	// A multi-line reason is fine: letters are written in paragraphs.
	o := goodRequisition()
	o.Reason = "Line one.\nLine two."
	if errs := o.Validate(); len(errs) != 0 {
		t.Errorf("multi-line reason: %v", errs)
	}
}

var ulid = regexp.MustCompile(`^[0-7][0-9A-HJKMNP-TV-Z]{25}$`)

func TestNewID(t *testing.T) {
	a, b := NewID(now), NewID(now.Add(time.Millisecond))
	if !ulid.MatchString(a) || !ulid.MatchString(b) {
		t.Fatalf("IDs %s, %s are not ULIDs", a, b)
	}
	if a >= b {
		t.Errorf("a later ID does not sort later: %s, %s", a, b)
	}
	if x, y := NewID(now), NewID(now); x == y {
		t.Error("two IDs in the same millisecond are equal")
	}
	// The first 10 characters are the milliseconds since 1970, as a ULID
	// library would write them (computed independently).
	if a[:10] != "01M890MRE0" {
		t.Errorf("time part of %s: %s, want 01M890MRE0", now, a[:10])
	}
}

func TestDraftAndApply(t *testing.T) {
	o, rec, err := Draft(goodCallUp(), drafter, now)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != StateDraft || o.Seq != 1 || o.DraftedBy != "dora" || o.CreatedAt != now || o.Code == "" || o.ID == "" {
		t.Fatalf("draft: %+v", o)
	}
	want := Record{OrderID: o.ID, Seq: 1, Event: EventDraft, From: StateNone, To: StateDraft, Actor: "dora", Role: auth.Officer, At: now}
	if rec != want {
		t.Errorf("record %+v, want %+v", rec, want)
	}
	if _, _, err := Draft(goodCallUp(), approver, now); muster.ErrorKind(err) != muster.Forbidden {
		t.Errorf("approver drafts: %v, want forbidden", err)
	}
	bad := goodCallUp()
	bad.Reason = ""
	if _, _, err := Draft(bad, drafter, now); muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "reason") {
		t.Errorf("draft without reason: %v", err)
	}

	before := o
	if _, err := o.Apply(EventApprove, Actor{Role: auth.Approver, Name: "dora"}, now, ""); muster.ErrorKind(err) != muster.Forbidden {
		t.Fatalf("drafter approves: %v", err)
	}
	if o.State != before.State || o.Seq != before.Seq || o.ApprovedBy != "" {
		t.Errorf("a refused event changed the order: %+v", o)
	}
	if _, err := o.Apply(EventApprove, approver, now, strings.Repeat("x", MaxNote+1)); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("long note: %v", err)
	}
	issued := now.Add(time.Second)
	if _, err := o.Apply(EventApprove, approver, now, "ok"); err != nil {
		t.Fatal(err)
	}
	rec, err = o.Apply(EventIssue, SystemActor, issued, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.State != StateIssued || o.Seq != 3 || o.ApprovedBy != "abdou" || o.IssuedAt != issued || rec.Seq != 3 || rec.From != StateApproved {
		t.Errorf("after issue: %+v, record %+v", o, rec)
	}
	if _, err := o.Apply(EventDefer, reviewer, now, ""); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("Apply(defer): %v, want invalid", err)
	}
}

func TestDefer(t *testing.T) {
	o := walk(t, goodCallUp(), EventNotify, EventClaim)
	old := o.Deadline
	if _, err := o.Defer(reviewer, old, now, ""); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("defer to the same deadline: %v", err)
	}
	if _, err := o.Defer(drafterAsReviewer, old.Add(time.Hour), now, ""); muster.ErrorKind(err) != muster.Forbidden || o.Deadline != old {
		t.Errorf("drafter defers: %v, deadline %s", err, o.Deadline)
	}
	later := old.AddDate(0, 1, 0)
	rec, err := o.Defer(reviewer, later, now, "harvest")
	if err != nil {
		t.Fatal(err)
	}
	if o.State != StateDeferred || o.Deadline != later || rec.Deadline != later || o.ReviewedBy != "rakia" {
		t.Errorf("after defer: %+v, record %+v", o, rec)
	}
	if o.Overdue(old.Add(time.Hour)) || !o.Overdue(later.Add(time.Hour)) {
		t.Error("overdue ignores the new deadline")
	}
}

var drafterAsReviewer = Actor{Role: auth.Reviewer, Name: "dora"}

func TestOrderJSON(t *testing.T) {
	o, _, err := Draft(goodRequisition(), drafter, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"code":"`+o.Code.String()+`"`) || strings.Contains(string(b), "issued_at") {
		t.Errorf("JSON %s", b)
	}
	var back Order
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Code != o.Code || back.Addressee != o.Addressee || back.State != o.State || len(back.Items) != 2 {
		t.Errorf("round trip: %+v", back)
	}
}
