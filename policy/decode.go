package policy

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxProblems caps how many problems one load reports: enough to fix a
// file in one pass, not so many that a file of garbage floods the screen.
const maxProblems = 20

// decoder walks the YAML nodes of one policy file and collects every
// problem as "FILE:LINE: field: reason", so that an author fixes them all
// in one pass instead of one per load.
type decoder struct {
	file     string
	problems []string
}

// errorf records a problem with the node n at the field path.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.errorAt(line(n), path, format, args...)
}

func (d *decoder) errorAt(ln int, path, format string, args ...any) {
	if len(d.problems) >= maxProblems {
		return
	}
	where := d.file
	if ln > 0 {
		where += ":" + strconv.Itoa(ln)
	}
	// One problem per line: a reason quoting a multi-line CEL token must
	// not split into lines that look like problems without a file.
	reason := oneLine.Replace(fmt.Sprintf(format, args...))
	d.problems = append(d.problems, fmt.Sprintf("%s: %s: %s", where, path, reason))
}

var oneLine = strings.NewReplacer("\n", `\n`, "\r", `\r`)

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// zeroBasedLines are the messages of yaml's parser (as opposed to its
// scanner), which it reports with a line counted from 0: without the
// correction an unclosed "{" is reported on the line before it.
var zeroBasedLines = []string{
	"did not find expected key",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected ',' or '}'",
	"did not find expected ',' or ']'",
	"did not find expected <document start>",
}

// syntaxError turns the YAML parser's error into a problem with a line.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		ln, _ := strconv.Atoi(m[1])
		if slices.Contains(zeroBasedLines, m[2]) {
			ln++
		}
		d.errorAt(ln, "syntax", "%s", m[2])
		return
	}
	d.errorAt(0, "syntax", "%s", strings.TrimPrefix(msg, "yaml: "))
}

// noAliases rejects anchors and aliases anywhere in the tree: a policy is
// read by people who approve it, and a value defined elsewhere by reference
// is easy to misread (and aliases can blow a small file up to a huge one).
func (d *decoder) noAliases(n *yaml.Node, depth int) {
	if depth > 64 {
		d.errorf(n, "structure", "nested more than 64 levels deep")
		return
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		d.errorf(n, "structure", "anchors and aliases (&name, *name) are not allowed in a policy; write the value out")
		return
	}
	for _, c := range n.Content {
		d.noAliases(c, depth+1)
	}
}

// describe names what a node holds, for "must be X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "empty"
		case "!!bool":
			return "true/false"
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		case "!!str":
			return "text"
		}
		return "a value tagged " + n.Tag
	}
	return "something else"
}

// entry is one key and value of a YAML mapping, in file order.
type entry struct {
	key   string
	keyAt *yaml.Node
	value *yaml.Node
}

// entries returns the entries of a mapping, reporting keys that are not
// text and keys given twice (YAML parsers disagree on which one wins).
func (d *decoder) entries(n *yaml.Node, path string) ([]entry, bool) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, orRoot(path), "must be a mapping (key: value lines), not %s", describe(n))
		return nil, false
	}
	out := make([]entry, 0, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
			d.errorf(k, orRoot(path), "keys must be text, not %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "given twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, entry{k.Value, k, v})
	}
	return out, true
}

// fields returns a mapping's values by key, reporting keys not in known
// and known keys marked required ("name!") that are missing.
func (d *decoder) fields(n *yaml.Node, path string, known ...string) map[string]*yaml.Node {
	es, ok := d.entries(n, path)
	if !ok {
		return nil
	}
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = strings.TrimSuffix(k, "!")
	}
	out := make(map[string]*yaml.Node, len(es))
	for _, e := range es {
		if !slices.Contains(names, e.key) {
			d.errorf(e.keyAt, join(path, e.key), "unknown field (expected one of %s)", strings.Join(names, ", "))
			continue
		}
		out[e.key] = e.value
	}
	for _, k := range known {
		if name, required := strings.CutSuffix(k, "!"); required && out[name] == nil {
			d.errorf(n, join(path, name), "missing")
		}
	}
	return out
}

// orRoot names the root mapping, whose path is empty, as "policy".
func orRoot(path string) string {
	if path == "" {
		return "policy"
	}
	return path
}

// join builds a field path: join("liability[2]", "when").
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// str reads text. Numbers and true/false are not text: a version written
// 2 or a label written yes is more likely a slip than intended.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.errorf(n, path, "must be text, not %s (put it in quotes if it is meant as text)", describe(n))
		return "", false
	}
	return n.Value, true
}

// text reads text that must not be blank.
func (d *decoder) text(n *yaml.Node, path string) (string, bool) {
	s, ok := d.str(n, path)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(n, path, "is empty")
		return "", false
	}
	return s, ok
}

// token reads a lower-case vocabulary word (a rule name, a code).
func (d *decoder) token(n *yaml.Node, path string) (string, bool) {
	s, ok := d.str(n, path)
	if ok && !tokenPattern.MatchString(s) {
		d.errorf(n, path, "%q is not a name of lower-case letters, digits and '_' (starting with a letter, at most 40)", s)
		return "", false
	}
	return s, ok
}

var tokenPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// integer reads a whole number.
func (d *decoder) integer(n *yaml.Node, path string) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.errorf(n, path, "must be a whole number, not %s", describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		d.errorf(n, path, "%s is out of range", n.Value)
		return 0, false
	}
	return v, true
}

// boolean reads true or false.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, path, "must be true or false, not %s", describe(n))
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		d.errorf(n, path, "%s is not true or false", n.Value)
		return false, false
	}
	return v, true
}

// list returns the items of a sequence.
func (d *decoder) list(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list, not %s", describe(n))
		return nil, false
	}
	return n.Content, true
}

// strs reads a list of text items, reporting repeats. It returns the
// nodes of the items it kept, for errors about a particular one.
func (d *decoder) strs(n *yaml.Node, path string) ([]string, []*yaml.Node) {
	items, ok := d.list(n, path)
	if !ok {
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	for i, it := range items {
		s, ok := d.str(it, index(path, i))
		switch {
		case !ok:
		case slices.Contains(out, s):
			d.errorf(it, index(path, i), "%q is listed twice", s)
		default:
			out = append(out, s)
			nodes = append(nodes, it)
		}
	}
	return out, nodes
}

// finite reports whether f is an ordinary number, for values read back
// from CEL or YAML where NaN or an infinity would poison comparisons.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
