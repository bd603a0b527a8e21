// Package policy loads a mobilization policy — versioned data, never code —
// and answers the questions the rest of muster asks of it: is this person
// liable for call-up and by which rule, is this organisation or resource
// type protected and why, how much of an owner's resource may be taken,
// which exemption and deferral grounds a citizen may claim, and at what
// rates service and requisitions are compensated.
//
// A policy is a YAML (or JSON) file whose rules are CEL expressions; the
// format is documented in FORMAT.md and default.yaml is Niger's demo
// policy. Every rule is compiled and type-checked when the file loads, so
// a policy that loads cannot fail for want of a field or return the wrong
// type; a bad file is refused with "FILE:LINE: field: reason" for each
// problem.
//
// The package is pure: it reads bytes and answers questions. It must not
// import a database, a transport or the file system beyond Load's one
// read.
package policy

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"go.yaml.in/yaml/v3"
)

// Policy is one loaded version of the policy. It is read-only once loaded
// and safe for concurrent use.
type Policy struct {
	// Version is the version the file declares ("NE-2025.1").
	Version string
	// Hash is the hex SHA-256 of the file's bytes: a proposal or an order
	// records it to say exactly which policy it used.
	Hash string
	// Description is the file's free-text description, if any.
	Description string

	languages  []string
	retirement retirement
	liability  []liabilityRule
	protection protection
	limits     limits
	grounds    []Ground
	rates      order.Rates
}

// Parse reads a policy from data; name (usually the file name) prefixes
// every error. Errors are muster.Invalid and list each problem on its own
// line as "NAME:LINE: field: reason".
func Parse(name string, data []byte) (*Policy, error) {
	sum := sha256.Sum256(data)
	d := &decoder{file: name}
	root := readDocument(d, data)
	p := &Policy{Hash: hex.EncodeToString(sum[:])}
	if root != nil {
		p.decode(d, root)
	}
	if len(d.problems) > 0 {
		return nil, muster.Errorf(muster.Invalid, "%s", strings.Join(d.problems, "\n"))
	}
	return p, nil
}

// readDocument parses data as exactly one YAML document and returns its
// root node, or nil after recording why it cannot.
func readDocument(d *decoder, data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorAt(1, "policy", "the file is empty")
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(&extra, "policy", "the file holds more than one YAML document; a policy is one")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntaxError(err)
		return nil
	}
	if len(doc.Content) != 1 {
		d.errorAt(1, "policy", "the file holds no policy")
		return nil
	}
	root := doc.Content[0]
	d.noAliases(root, 0)
	if len(d.problems) > 0 {
		return nil
	}
	return root
}

// decode reads every section of the root mapping.
func (p *Policy) decode(d *decoder, root *yaml.Node) {
	f := d.fields(root, "", "version!", "description", "languages!", "retirement_age!",
		"liability!", "protection", "limits", "grounds!", "compensation!")
	if f == nil {
		return
	}
	if n := f["version"]; n != nil {
		if v, ok := d.text(n, "version"); ok {
			p.Version = strings.TrimSpace(v)
		}
	}
	if n := f["description"]; n != nil {
		p.Description, _ = d.str(n, "description")
	}
	if n := f["languages"]; n != nil {
		p.languages = decodeLanguages(d, n)
	}
	if n := f["retirement_age"]; n != nil {
		p.retirement = decodeRetirement(d, n)
	}
	if n := f["liability"]; n != nil {
		p.liability = decodeLiability(d, n)
	}
	if n := f["protection"]; n != nil {
		p.protection = decodeProtection(d, n)
	}
	if n := f["limits"]; n != nil {
		p.limits = decodeLimits(d, n)
	}
	if n := f["grounds"]; n != nil {
		p.grounds = decodeGrounds(d, n, p.languages)
	}
	if n := f["compensation"]; n != nil {
		p.rates = decodeRates(d, n)
	}
}

// Load reads and parses the policy file at path.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "policy: cannot read %s", path)
	}
	return Parse(path, data)
}

//go:embed default.yaml
var defaultYAML []byte

var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		// The file is embedded at build time and a test loads it, so this
		// cannot happen in a binary that passed its tests.
		panic("policy: the embedded default.yaml does not load: " + err.Error())
	}
	return p
})

// Default returns the policy embedded in the binary: Niger's demo policy.
func Default() *Policy { return defaultPolicy() }

// DefaultBytes returns the bytes of the embedded default policy, so that a
// deployment can start its own policy from a copy.
func DefaultBytes() []byte { return slices.Clone(defaultYAML) }

// Languages returns the languages every label must be given in, the first
// being the one used when a label is asked for in another.
func (p *Policy) Languages() []string { return slices.Clone(p.languages) }

// Rates returns the compensation rates, ready for order.Compensate. The
// maps are copies: changing them does not change the policy.
func (p *Policy) Rates() order.Rates {
	r := p.rates
	r.PerDay = maps.Clone(p.rates.PerDay)
	r.ServicePerDay = maps.Clone(p.rates.ServicePerDay)
	return r
}
