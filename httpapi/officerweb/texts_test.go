package officerweb

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// TestTextsComplete keeps the catalog whole: every text a template or the
// code names exists, in French and in English, and each language has the
// same texts.
func TestTextsComplete(t *testing.T) {
	for l, m := range workTexts {
		for k := range m {
			if _, ok := coreTexts[l][k]; ok {
				t.Errorf("%s (%s) is in two catalogs", k, l)
			}
		}
	}
	for k := range texts[fr] {
		if _, ok := texts[en][k]; !ok {
			t.Errorf("%s: no English", k)
		}
	}
	for k := range texts[en] {
		if _, ok := texts[fr][k]; !ok {
			t.Errorf("%s: no French", k)
		}
	}
	used := map[text]string{}
	use := func(k, where string) { used[text(k)] = where }
	sources, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	for _, name := range append(sources, goFiles...) {
		if filepath.Ext(name) == ".go" && len(name) > 8 && name[len(name)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{
			regexp.MustCompile(`\.T "([a-z0-9_]+)"`),
			regexp.MustCompile(`\bt\([a-z.]+, "([a-z0-9_]+)"`),
			regexp.MustCompile(`"((?:err|done|level|nav|txt)_[a-z0-9_]+)"`),
		} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				use(m[1], name)
			}
		}
	}
	prefixed := func(prefix string, values ...string) {
		for _, v := range values {
			use(prefix+v, "a prefix")
		}
	}
	for _, s := range order.States {
		prefixed("state_", string(s))
	}
	for _, e := range order.Events {
		prefixed("event_", string(e))
	}
	for _, k := range order.Kinds {
		prefixed("kind_", string(k))
	}
	for _, r := range auth.Roles {
		prefixed("role_", string(r))
	}
	for _, s := range []need.State{need.Open, need.Filled, need.Cancelled} {
		prefixed("need_", string(s))
	}
	for _, r := range []allocate.Reason{allocate.NoCandidate, allocate.OutOfRange, allocate.SupplyShort} {
		prefixed("reason_", string(r))
	}
	prefixed("line_", sqlstore.LinePending, sqlstore.LineAccepted, sqlstore.LineRejected, sqlstore.LineDrafted)
	prefixed("priority_", "1", "2", "3", "4", "5")
	for _, s := range registry.Statuses {
		prefixed("status_", string(s))
	}
	prefixed("sex_", string(registry.Female), string(registry.Male))
	prefixed("orgkind_", registry.OrganisationKinds...)
	prefixed("cond_", slices.Concat(registry.Conditions, []string{order.Lost})...)
	prefixed("basis_", "use", "consumed", "service", "damage")
	prefixed("ground_", string(policy.Exemption), string(policy.Deferral))
	prefixed("queue_", string(order.StateClaimed), string(order.StateAppealed))
	prefixed("no_", string(order.StateClaimed), string(order.StateAppealed))
	prefixed("nav_", "persons", "organisations", "resources")
	for _, e := range webEvents {
		prefixed("done_", string(e))
	}
	// The pages' titles, which render takes by name.
	for _, name := range []string{"persons", "person", "organisations", "organisation", "resources", "resource", "claims",
		"needs", "need", "need_new", "proposals", "proposal", "proposal_new", "approvals", "orders", "order", "dashboard", "login"} {
		use(name+"_title", "a page")
	}
	prefixed("err_", "need_id", "unit", "type", "skill", "quantity", "area", "point", "deadline", "priority", "justification", "legal_basis")
	for k := range doneTexts {
		use(string(k), "doneTexts")
	}
	for k, where := range used {
		if k == "err_" || k == "txt_" {
			continue
		}
		if !slices.Contains(allTexts, k) {
			t.Errorf("%s (used in %s) is not in the catalog", k, where)
		}
	}
}

// TestCompLine: a compensation line's working reads in the page's
// language; a line stored without its working as data keeps its Detail.
func TestCompLine(t *testing.T) {
	use := order.Line{Basis: "use", Detail: "vehicle.truck: 2 unit × 3 days × 25000 XOF/day",
		Subject: "vehicle.truck", Quantity: 2, Unit: "unit", Days: 3, RateXOF: 25000}
	fuel := order.Line{Basis: "consumed", Subject: "fuel.diesel", Quantity: 1500.5, Unit: "l", RateXOF: 650}
	service := order.Line{Basis: "service", Days: 1, RateXOF: 3000}
	damage := order.Line{Basis: "damage", Subject: "vehicle.truck", From: "good", To: order.Lost, Percent: 100, ValueXOF: 30_000_000}
	legacy := order.Line{Basis: "use", Detail: "vehicle.truck: 2 unit × 3 days × 25000 XOF/day"}
	n := func(l lang, v int64) string { return formatInt(l, v) }
	for _, c := range []struct {
		l    lang
		line order.Line
		want string
	}{
		{fr, use, "vehicle.truck : 2 × 3 jours × " + n(fr, 25000) + " XOF par jour"},
		{en, use, "vehicle.truck: 2 × 3 days × 25,000 XOF a day"},
		{fr, fuel, "fuel.diesel : " + formatNum(fr, 1500.5) + " l × 650 XOF"},
		{en, service, "service: 1 day × 3,000 XOF a day"},
		{fr, damage, "vehicle.truck : bon → perdu ou non restitué, 100 % de " + n(fr, 30_000_000) + " XOF"},
		{en, damage, "vehicle.truck: good → lost or not returned, 100% of 30,000,000 XOF"},
		{fr, legacy, legacy.Detail},
	} {
		p := &page{Lang: c.l}
		if got := p.CompLine(c.line); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.l, c.line.Basis, got, c.want)
		}
	}
}
