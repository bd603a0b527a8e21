package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

// TestParseErrors loads each broken fixture under testdata/bad and checks
// every problem reported: the file, the line, the field and the start of
// the reason, and that nothing else is reported.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		file string
		want []string // one prefix per problem, in order
	}{
		{"unknown_field.yaml", []string{"unknown_field.yaml:3: language: unknown field (expected one of version,"}},
		{"unknown_field.json", []string{"unknown_field.json:6: liability[0].whn: unknown field (expected one of name, status, when, liable)"}},
		{"missing_version.yaml", []string{"missing_version.yaml:2: version: missing"}},
		{"version_not_text.yaml", []string{"version_not_text.yaml:2: version: must be text, not a number (2)"}},
		{"wrong_type.yaml", []string{"wrong_type.yaml:5: retirement_age.default: must be a whole number, not text"}},
		{"retirement_out_of_range.yaml", []string{"retirement_out_of_range.yaml:5: retirement_age.default: 550 is not an age between 30 and 100"}},
		{"unknown_rank.yaml", []string{`unknown_rank.yaml:8: retirement_age.ranks.kernel: "kernel" is not a rank (private,`}},
		{"unknown_status.yaml", []string{`unknown_status.yaml:8: liability[0].status[1]: "reservists" is not a status (civilian, reservist, active, retired)`}},
		{"cel_syntax.yaml", []string{"cel_syntax.yaml:9: liability[0].when: CEL: Syntax error: mismatched input '<EOF>'"}},
		{"cel_not_bool.yaml", []string{"cel_not_bool.yaml:9: liability[0].when: CEL: the expression returns int, but it must return bool"}},
		{"cel_undeclared.yaml", []string{`cel_undeclared.yaml:9: liability[0].when: CEL: "person.agee" is not defined; a rule here may use person.age,`}},
		{"cel_wrong_subject.yaml", []string{`cel_wrong_subject.yaml:9: liability[0].when: CEL: "owner.count" is not defined;`}},
		{"cel_block.yaml", []string{ // the mistake is on the expression's second line
			"cel_block.yaml:11: liability[0].when: CEL: Syntax error: token recognition error at: '= ' (column 27)",
			"cel_block.yaml:11: liability[0].when: CEL: Syntax error: extraneous input",
		}},
		{"cel_folded.yaml", []string{ // folding joins the lines: the first one is the best we know
			"cel_folded.yaml:10: liability[0].when: CEL: Syntax error: token recognition error at: '= '",
			"cel_folded.yaml:10: liability[0].when: CEL: Syntax error: extraneous input",
		}},
		{"liable_not_bool.yaml", []string{"liable_not_bool.yaml:10: liability[0].liable: must be true or false, not text"}},
		{"duplicate_rule.yaml", []string{`duplicate_rule.yaml:11: liability[1].name: "reservists" names an earlier rule too`}},
		{"duplicate_ground.yaml", []string{`duplicate_ground.yaml:15: grounds[1].code: "medical" is the code of an earlier ground too`}},
		{"ground_kind.yaml", []string{`ground_kind.yaml:13: grounds[0].kind: "exempt" is not exemption or deferral`}},
		{"label_missing_language.yaml", []string{"label_missing_language.yaml:14: grounds[0].labels.en: missing: every ground needs a label in each of fr, en"}},
		{"label_unknown_language.yaml", []string{`label_unknown_language.yaml:14: grounds[0].labels.de: "de" is not one of the policy's languages (fr, en)`}},
		{"label_too_long.yaml", []string{`label_too_long.yaml:14: grounds[0].labels.en: "Medical reason that is far too long" is 35 characters;`}},
		{"negative_rate.yaml", []string{"negative_rate.yaml:18: compensation.per_day.vehicle.car: -15000 XOF is negative"}},
		{"fractional_rate.yaml", []string{"fractional_rate.yaml:17: compensation.default_service_per_day: must be a whole number, not a number (3500.50)"}},
		{"unknown_type.yaml", []string{`unknown_type.yaml:16: compensation.per_day.vehicle.lorry: "vehicle.lorry" is not a resource type`}},
		{"damage_percent.yaml", []string{"damage_percent.yaml:18: compensation.damage_percent_per_step: 110 is not a percentage from 0 to 100"}},
		{"duplicate_key.yaml", []string{"duplicate_key.yaml:19: compensation.damage_percent_per_step: given twice (first on line 18)"}},
		{"protected_kind.yaml", []string{`protected_kind.yaml:14: protection.organisation_kinds.bakery: "bakery" is not an organisation kind`}},
		{"protected_type.yaml", []string{`protected_type.yaml:14: protection.resource_types.vehicles: "vehicles" is not a resource class or type`}},
		{"org_rule_missing_reason.yaml", []string{"org_rule_missing_reason.yaml:13: protection.organisations[0].reason: missing"}},
		{"limit_applies_to.yaml", []string{`limit_applies_to.yaml:13: limits[0].applies_to[1]: "vehicle.lorry" is not a resource class or type`}},
		{"limit_not_number.yaml", []string{"limit_not_number.yaml:14: limits[0].max: CEL: the expression returns bool, but it must return a number"}},
		{"alias.yaml", []string{
			"alias.yaml:16: structure: anchors and aliases (&name, *name) are not allowed",
			"alias.yaml:17: structure: anchors and aliases (&name, *name) are not allowed",
		}},
		{"yaml_syntax.yaml", []string{"yaml_syntax.yaml:16: syntax: did not find expected ',' or '}'"}},
		{"two_documents.yaml", []string{"two_documents.yaml:19: policy: the file holds more than one YAML document"}},
		{"empty.yaml", []string{"empty.yaml:1: policy: the file is empty"}},
		{"not_a_mapping.yaml", []string{"not_a_mapping.yaml:1: policy: must be a mapping (key: value lines), not a list"}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "bad", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(tt.file, data)
			if err == nil {
				t.Fatalf("loaded %s (version %q), want an error", tt.file, p.Version)
			}
			if k := muster.ErrorKind(err); k != muster.Invalid {
				t.Errorf("error kind %s, want %s", k, muster.Invalid)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), err)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i+1, got[i], tt.want[i])
				}
			}
		})
	}
	// Every fixture is in the table, so a new one cannot be forgotten.
	files, _ := filepath.Glob(filepath.Join("testdata", "bad", "*"))
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("testdata/bad/%s has no case in TestParseErrors", filepath.Base(f))
		}
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	data := []byte(`version: ""
languages: [fr]
retirement_age: {default: 10}
liability: [{name: x, status: [1, retird], liable: maybe}]
grounds: []
compensation: {per_day: {}, default_service_per_day: -1, damage_percent_per_step: 0}
`)
	_, err := Parse("many.yaml", data)
	want := []string{
		"many.yaml:1: version: is empty",
		"many.yaml:3: retirement_age.default: 10 is not an age between 30 and 100",
		"many.yaml:4: liability[0].status[0]: must be text, not a number (1) (put it in quotes if it is meant as text)",
		`many.yaml:4: liability[0].status[1]: "retird" is not a status (civilian, reservist, active, retired)`,
		"many.yaml:4: liability[0].liable: must be true or false, not text",
		"many.yaml:5: grounds: is empty; a citizen must be able to claim something",
		"many.yaml:6: compensation.default_service_per_day: -1 XOF is negative",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func TestSyntaxErrorLines(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string
	}{
		{"unclosed flow mapping", "a: 1\nb: {x: 1\nc: 2\n", "doc.yaml:2: syntax: did not find expected ',' or '}'"},
		{"unclosed flow list", "a: 1\nb: [1, 2\nc: 2\n", "doc.yaml:2: syntax: did not find expected ',' or ']'"},
		{"colon in a plain value", "a: 1\nb: x: 1\nc: 2\n", "doc.yaml:2: syntax: mapping values are not allowed in this context"},
		{"bad indentation", "a: 1\n  b: 2\nc: 3\n", "doc.yaml:2: syntax: mapping values are not allowed in this context"},
		{"control character", "a: 1\nb: \x01\n", "doc.yaml: syntax: control characters are not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("doc.yaml", []byte(tt.doc))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	p := loadFixture(t, "minimal.yaml")
	data, err := os.ReadFile(filepath.Join("testdata", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if p.Version != "test-1" || p.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("version %q hash %s, want test-1 and the file's SHA-256", p.Version, p.Hash)
	}
	_, err = Load(filepath.Join("testdata", "no-such-file.yaml"))
	if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "no-such-file.yaml") {
		t.Errorf("loading a missing file: %v, want an invalid error naming it", err)
	}
}

func TestHashFollowsTheBytes(t *testing.T) {
	a, err := Parse("a.yaml", DefaultBytes())
	if err != nil {
		t.Fatal(err)
	}
	// The same rules with one comment changed: still a different file, so
	// a different hash, so that what a proposal records is exact.
	b, err := Parse("b.yaml", append(DefaultBytes(), "# reviewed\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != Default().Hash || a.Hash == b.Hash || len(a.Hash) != 64 {
		t.Errorf("hashes %s, %s, default %s: want the same bytes to give the default's hash and one more line another", a.Hash, b.Hash, Default().Hash)
	}
}

// TestFormatExample keeps the full example in FORMAT.md loadable.
func TestFormatExample(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("FORMAT.md has no ```yaml block")
	}
	p, err := Parse("FORMAT.md example", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Grounds()) == 0 || len(p.limits.rules) == 0 || len(p.protection.rules) == 0 {
		t.Error("the example should show every section")
	}
	for _, vars := range [][]variable{personVars, orgVars, limitVars} {
		for _, v := range vars {
			if !strings.Contains(string(doc), "`"+v.name+"`") {
				t.Errorf("FORMAT.md does not document %s", v.name)
			}
		}
	}
}
