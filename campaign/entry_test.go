package campaign

import (
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

func TestEntryValidate(t *testing.T) {
	valid := Entry{Ref: "3f9a1c07be24d5e8", Area: "NE/NE.DS/NE.DS.KO", Skills: []string{"nurse", "driver"}}
	tests := []struct {
		name   string
		change func(*Entry)
		want   string // fragment of the error; "" when valid
	}{
		{"valid", func(*Entry) {}, ""},
		{"no skills", func(e *Entry) { e.Skills = nil }, ""},
		{"base64url ref", func(e *Entry) { e.Ref = "aB-_9.x" }, ""},
		{"one-level area", func(e *Entry) { e.Area = "NE" }, ""},
		{"empty ref", func(e *Entry) { e.Ref = "" }, "ref"},
		{"ref with comma", func(e *Entry) { e.Ref = "ab,cd" }, "ref"},
		{"ref with newline", func(e *Entry) { e.Ref = "ab\ncd" }, "ref"},
		{"ref too long", func(e *Entry) { e.Ref = strings.Repeat("a", MaxRefLen+1) }, "ref"},
		{"empty area", func(e *Entry) { e.Area = "" }, "area \"\": is empty"},
		{"empty area level", func(e *Entry) { e.Area = "NE//NE.DS" }, "level 2"},
		{"trailing slash", func(e *Entry) { e.Area = "NE/NE.DS/" }, "level 3"},
		{"area with space", func(e *Entry) { e.Area = "NE/NE DS" }, "level 2"},
		{"area too deep", func(e *Entry) { e.Area = strings.Repeat("A/", MaxAreaDepth) + "A" }, "more than 8 levels"},
		{"upper-case skill", func(e *Entry) { e.Skills = []string{"Driver"} }, "skills: \"Driver\""},
		{"empty skill", func(e *Entry) { e.Skills = []string{""} }, "skills"},
		{"skill with separator", func(e *Entry) { e.Skills = []string{"a;b"} }, "skills"},
		{"repeated skill", func(e *Entry) { e.Skills = []string{"nurse", "nurse"} }, "appears twice"},
		{"too many skills", func(e *Entry) {
			e.Skills = nil
			for i := range MaxSkills + 1 {
				e.Skills = append(e.Skills, "s"+strings.Repeat("x", i))
			}
		}, "more than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid
			e.Skills = append([]string(nil), valid.Skills...)
			tt.change(&e)
			err := e.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantError(t, err, nil, tt.want)
		})
	}
}

// TestLeafEncoding pins the byte layout FORMAT.md documents.
func TestLeafEncoding(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		want  string
	}{
		{"no skills", Entry{Ref: "a1", Area: "NE/NE.TH/NE.TH.01"}, "muster-campaign-entry/v1\na1\nNE/NE.TH/NE.TH.01\n"},
		{"skills sorted", Entry{Ref: "b2", Area: "NE/NE.DS", Skills: []string{"nurse", "driver"}}, "muster-campaign-entry/v1\nb2\nNE/NE.DS\ndriver;nurse"},
		{"one skill", Entry{Ref: "c3", Area: "NE/NE.DS/NE.DS.KO", Skills: []string{"driver"}}, "muster-campaign-entry/v1\nc3\nNE/NE.DS/NE.DS.KO\ndriver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skills := append([]string(nil), tt.entry.Skills...)
			if got := string(tt.entry.Leaf()); got != tt.want {
				t.Errorf("Leaf = %q, want %q", got, tt.want)
			}
			if strings.Join(tt.entry.Skills, ",") != strings.Join(skills, ",") {
				t.Errorf("Leaf reordered the caller's skills to %q", tt.entry.Skills)
			}
		})
	}
}

func TestAreaPath(t *testing.T) {
	tree, err := area.NewTree([]area.Area{
		{Code: "NE", Name: "Niger", Level: "country"},
		{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE"},
		{Code: "NE.DS.KO", Name: "Kollo", Level: "department", Parent: "NE.DS"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code, want string
		kind       muster.Kind
	}{
		{"NE.DS.KO", "NE/NE.DS/NE.DS.KO", ""},
		{"NE", "NE", ""},
		{"NE.XX", "", muster.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, err := AreaPath(tree, tt.code)
			if muster.ErrorKind(err) != tt.kind || got != tt.want {
				t.Errorf("AreaPath(%s) = %q, %v; want %q, kind %q", tt.code, got, err, tt.want, tt.kind)
			}
			if err == nil {
				if verr := (Entry{Ref: "r", Area: got}).Validate(); verr != nil {
					t.Errorf("the path is not a valid entry area: %v", verr)
				}
			}
		})
	}
}
