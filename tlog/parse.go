package tlog

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/muster-org/muster"
)

// ParseLeaf decodes a leaf written by MarshalLeaf. It accepts only the
// canonical form: any other spelling of the same data (whitespace, member
// order, escapes, duplicate or unknown members) is an error, so that one
// entry has exactly one leaf hash.
//
// It reads the one shape MarshalLeaf writes instead of using encoding/json,
// which makes an audit of millions of leaves several times faster; whatever
// it decodes must then re-encode to the same bytes, so a fault in it can
// only reject a leaf, never accept a non-canonical one.
func ParseLeaf(leaf []byte) (Entry, error) {
	if len(leaf) > MaxLeafSize {
		return Entry{}, muster.Errorf(muster.Invalid, "leaf is larger than %d bytes", MaxLeafSize)
	}
	if v, ok := leafVersion(leaf); ok && v != LeafVersion {
		return Entry{}, muster.Errorf(muster.Invalid, "leaf version %d is not supported", v)
	}
	p := leafParser{b: leaf}
	e, err := p.entry()
	if err != nil {
		return Entry{}, muster.Wrap(muster.Invalid, err, "leaf is not in canonical form")
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(e.MarshalLeaf(), leaf) {
		return Entry{}, muster.Errorf(muster.Invalid, "leaf is not in canonical form")
	}
	return e, nil
}

// leafVersion reads the version from the `,"v":N}` that ends every leaf,
// since "v" sorts last, so that a leaf of a later version is reported as
// such rather than as malformed.
func leafVersion(leaf []byte) (int, bool) {
	i := bytes.LastIndex(leaf, []byte(`,"v":`))
	if i < 0 || !bytes.HasSuffix(leaf, []byte("}")) {
		return 0, false
	}
	v, err := strconv.Atoi(string(leaf[i+len(`,"v":`) : len(leaf)-1]))
	return v, err == nil
}

var errShape = errors.New("unexpected member or character")

type leafParser struct {
	b []byte
	i int
}

// lit consumes s if the input continues with it.
func (p *leafParser) lit(s string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

// entry parses the members in the order MarshalLeaf writes them.
func (p *leafParser) entry() (Entry, error) {
	var e Entry
	if !p.lit(`{"at":`) {
		return e, errShape
	}
	at, err := p.str()
	if err != nil {
		return e, err
	}
	if e.At, err = time.Parse(timeLayout, at); err != nil {
		return e, err
	}
	if p.lit(`,"data":{`) {
		e.Data = make(map[string]string)
		for first := true; !p.lit("}"); first = false {
			if !first && !p.lit(",") {
				return e, errShape
			}
			k, err := p.str()
			if err != nil {
				return e, err
			}
			if !p.lit(":") {
				return e, errShape
			}
			if e.Data[k], err = p.str(); err != nil {
				return e, err
			}
		}
	}
	if p.lit(`,"data_hash":`) {
		h, err := p.str()
		if err != nil {
			return e, err
		}
		if len(h) != 2*len(e.DataHash) {
			return e, errors.New("data_hash is not 32 bytes of hex")
		}
		if _, err := hex.Decode(e.DataHash[:], []byte(h)); err != nil {
			return e, errors.New("data_hash is not 32 bytes of hex")
		}
	}
	if !p.lit(`,"event":`) {
		return e, errShape
	}
	if e.Event, err = p.str(); err != nil {
		return e, err
	}
	if !p.lit(`,"kind":`) {
		return e, errShape
	}
	if e.Kind, err = p.str(); err != nil {
		return e, err
	}
	if p.lit(`,"subject":`) {
		if e.Subject, err = p.str(); err != nil {
			return e, err
		}
	}
	if !p.lit(`,"v":1}`) || p.i != len(p.b) {
		return e, errShape
	}
	return e, nil
}

// str parses a JSON string with the escapes RFC 8785 writes. UTF-8
// validity is left to Validate.
func (p *leafParser) str() (string, error) {
	if !p.lit(`"`) {
		return "", errShape
	}
	var out []byte
	for start := p.i; p.i < len(p.b); {
		c := p.b[p.i]
		switch {
		case c == '"':
			out = append(out, p.b[start:p.i]...)
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", errors.New("unescaped control character")
		case c != '\\':
			p.i++
			continue
		}
		out = append(out, p.b[start:p.i]...)
		if p.i+1 >= len(p.b) {
			break
		}
		switch esc := p.b[p.i+1]; esc {
		case '"', '\\':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u': // only \u00XX for control characters
			if p.i+6 > len(p.b) || string(p.b[p.i+2:p.i+4]) != "00" {
				return "", errors.New("escape other than a control character")
			}
			var c [1]byte
			if _, err := hex.Decode(c[:], p.b[p.i+4:p.i+6]); err != nil || c[0] >= 0x20 {
				return "", errors.New("escape other than a control character")
			}
			out = append(out, c[0])
			p.i += 4
		default:
			return "", errors.New("unknown escape")
		}
		p.i += 2
		start = p.i
	}
	return "", errors.New("unterminated string")
}
