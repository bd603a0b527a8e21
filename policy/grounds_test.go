package policy

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestGrounds(t *testing.T) {
	p := Default()
	var codes []string
	for _, g := range p.Grounds() {
		codes = append(codes, g.Code)
		for _, lang := range p.Languages() {
			l := g.Labels[lang]
			if l == "" || utf8.RuneCountInString(l) > MaxLabel {
				t.Errorf("%s: label in %s is %q: want 1 to %d characters", g.Code, lang, l, MaxLabel)
			}
		}
	}
	want := []string{"medical", "sole_caregiver", "essential_worker", "protected_organisation", "livelihood", "hardship", "student"}
	if !slices.Equal(codes, want) {
		t.Errorf("grounds %v, want %v in the file's order", codes, want)
	}
	if got := p.Languages(); !slices.Equal(got, []string{"fr", "en", "ha", "dje"}) {
		t.Errorf("languages %v", got)
	}
}

func TestGround(t *testing.T) {
	tests := []struct {
		name, code, lang string
		wantOK           bool
		wantKind         GroundKind
		wantLabel        string
	}{
		{"exemption in French", "medical", "fr", true, Exemption, "Inaptitude médicale"},
		{"deferral in Hausa", "student", "ha", true, Deferral, "Ɗalibi"},
		{"deferral in Zarma", "hardship", "dje", true, Deferral, "Taabi beeri"},
		{"a language the policy lacks falls back to French", "medical", "de", true, Exemption, "Inaptitude médicale"},
		{"unknown code", "bribery", "fr", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := Default().Ground(tt.code)
			if ok != tt.wantOK || g.Kind != tt.wantKind || g.Label(tt.lang) != tt.wantLabel {
				t.Errorf("Ground(%q) = %+v, %v; label(%s) %q; want %v %s %q", tt.code, g, ok, tt.lang, g.Label(tt.lang), tt.wantOK, tt.wantKind, tt.wantLabel)
			}
		})
	}
}

func TestGroundsAreCopies(t *testing.T) {
	g, _ := Default().Ground("medical")
	g.Labels["fr"] = "changed"
	Default().Grounds()[0].Labels["fr"] = "changed"
	if again, _ := Default().Ground("medical"); again.Label("fr") != "Inaptitude médicale" {
		t.Errorf("a caller changed the policy's label to %q", again.Label("fr"))
	}
}
