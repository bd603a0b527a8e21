package policy

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// GroundKind says what a ground obtains if the review board accepts it.
type GroundKind string

const (
	Exemption GroundKind = "exemption" // released from the order
	Deferral  GroundKind = "deferral"  // the order waits
)

// MaxLabel is the longest a ground's label may be, in characters: a USSD
// screen lists the grounds by number in about 160 characters.
const MaxLabel = 30

// Ground is one reason a citizen may give to claim exemption from, or
// deferral of, an order, with its label in every language of the policy.
type Ground struct {
	Code   string            `json:"code"`
	Kind   GroundKind        `json:"kind"`
	Labels map[string]string `json:"labels"`

	defaultLang string // the policy's first language
}

// Label returns the ground's label in lang, or in the policy's first
// language when it has none in lang.
func (g Ground) Label(lang string) string {
	if l, ok := g.Labels[lang]; ok {
		return l
	}
	return g.Labels[g.defaultLang]
}

// Grounds returns every ground in the policy's order, which is the order a
// citizen sees them numbered in.
func (p *Policy) Grounds() []Ground {
	out := make([]Ground, len(p.grounds))
	for i, g := range p.grounds {
		out[i] = g.clone()
	}
	return out
}

// Ground returns the ground with the given code.
func (p *Policy) Ground(code string) (Ground, bool) {
	for _, g := range p.grounds {
		if g.Code == code {
			return g.clone(), true
		}
	}
	return Ground{}, false
}

func (g Ground) clone() Ground {
	c := g
	c.Labels = maps.Clone(g.Labels)
	return c
}

var languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)

func decodeLanguages(d *decoder, n *yaml.Node) []string {
	var out []string
	langs, nodes := d.strs(n, "languages")
	for i, l := range langs {
		if !languagePattern.MatchString(l) {
			d.errorf(nodes[i], index("languages", slices.Index(n.Content, nodes[i])), "%q is not a language code of 2 or 3 lower-case letters (fr, en, ha, dje)", l)
			continue
		}
		out = append(out, l)
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.errorf(n, "languages", "is empty; list the languages every label is given in, default first")
	}
	return out
}

func decodeGrounds(d *decoder, n *yaml.Node, langs []string) []Ground {
	items, ok := d.list(n, "grounds")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(n, "grounds", "is empty; a citizen must be able to claim something")
	}
	var out []Ground
	for i, it := range items {
		path := index("grounds", i)
		f := d.fields(it, path, "code!", "kind!", "labels!")
		if f == nil {
			continue
		}
		var g Ground
		if n := f["code"]; n != nil {
			g.Code, _ = d.token(n, join(path, "code"))
			if slices.ContainsFunc(out, func(o Ground) bool { return o.Code == g.Code }) {
				d.errorf(n, join(path, "code"), "%q is the code of an earlier ground too", g.Code)
			}
		}
		if n := f["kind"]; n != nil {
			if k, ok := d.str(n, join(path, "kind")); ok {
				g.Kind = GroundKind(k)
				if g.Kind != Exemption && g.Kind != Deferral {
					d.errorf(n, join(path, "kind"), "%q is not exemption or deferral", k)
				}
			}
		}
		if n := f["labels"]; n != nil {
			g.Labels = decodeLabels(d, n, join(path, "labels"), langs)
		}
		if len(langs) > 0 {
			g.defaultLang = langs[0]
		}
		out = append(out, g)
	}
	return out
}

// decodeLabels reads one label per language of the policy.
func decodeLabels(d *decoder, n *yaml.Node, path string, langs []string) map[string]string {
	labels := map[string]string{}
	es, ok := d.entries(n, path)
	if !ok || len(langs) == 0 {
		// Without languages (reported already) every label would be
		// reported too, burying the one mistake under many.
		return labels
	}
	for _, e := range es {
		p := join(path, e.key)
		if !slices.Contains(langs, e.key) {
			d.errorf(e.keyAt, p, "%q is not one of the policy's languages (%s)", e.key, strings.Join(langs, ", "))
			continue
		}
		s, ok := d.text(e.value, p)
		switch {
		case !ok:
		case utf8.RuneCountInString(s) > MaxLabel:
			d.errorf(e.value, p, "%q is %d characters; a label must fit a USSD menu line (at most %d)", s, utf8.RuneCountInString(s), MaxLabel)
		case strings.IndexFunc(s, unicode.IsControl) >= 0:
			d.errorf(e.value, p, "contains a line break or control character")
		default:
			labels[e.key] = s
		}
	}
	for _, l := range langs {
		if _, ok := labels[l]; !ok && !slices.ContainsFunc(es, func(e entry) bool { return e.key == l }) {
			d.errorf(n, join(path, l), "missing: every ground needs a label in each of %s", strings.Join(langs, ", "))
		}
	}
	return labels
}
