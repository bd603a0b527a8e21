package citizenweb

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/muster-org/muster/citizen"
)

// TestTextsComplete keeps every language's page texts complete, with the
// same formatting verbs as the French.
func TestTextsComplete(t *testing.T) {
	for _, l := range citizen.Languages {
		if languageNames[l] == "" {
			t.Errorf("%s has no name in the language switch", l)
		}
		for _, k := range allTexts {
			s, ok := texts[l][k]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: text %s is missing", l, k)
			}
			if strings.Count(s, "%") != strings.Count(texts[citizen.French][k], "%") {
				t.Errorf("%s: text %s has other verbs than the French: %q", l, k, s)
			}
		}
		if len(texts[l]) != len(allTexts) {
			t.Errorf("%s has %d texts, allTexts lists %d", l, len(texts[l]), len(allTexts))
		}
	}
}

// TestTemplateTexts checks that every text the template asks for exists:
// a misspelt key would print nothing.
func TestTemplateTexts(t *testing.T) {
	src, err := files.ReadFile("page.html")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`\.T "([a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) == 0 {
		t.Fatal("the template asks for no text: is the pattern out of date?")
	}
	for _, m := range keys {
		if !slices.Contains(allTexts, text(m[1])) {
			t.Errorf("the template asks for text %q, which does not exist", m[1])
		}
	}
}

// TestStylePinned checks that the Content-Security-Policy pins the
// stylesheet the page inlines, and allows no script.
func TestStylePinned(t *testing.T) {
	if !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(style, "</style") || strings.Contains(style, "url(") {
		t.Error("the stylesheet may not close its element or load anything")
	}
}

// TestBasisLabel: every basis order.Compensate writes has a text in every
// language, and one it does not know is shown as it is.
func TestBasisLabel(t *testing.T) {
	cases := []struct {
		name  string
		lang  citizen.Language
		basis string
		want  string
	}{
		{"use in French", citizen.French, "use", "Usage"},
		{"damage in English", citizen.English, "damage", "Damage"},
		{"service in Hausa", citizen.Hausa, "service", "Hidima"},
		{"consumed in Zarma", citizen.Zarma, "consumed", "I n'a ŋwa"},
		{"unknown basis", citizen.French, "bonus", "bonus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := basisLabel(c.lang, c.basis); got != c.want {
				t.Errorf("basisLabel(%s, %q) = %q, want %q", c.lang, c.basis, got, c.want)
			}
		})
	}
	for _, basis := range []string{"use", "consumed", "service", "damage"} {
		if _, ok := bases[basis]; !ok {
			t.Errorf("basis %q has no text", basis)
		}
	}
}
