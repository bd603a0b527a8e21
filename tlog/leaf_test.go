package tlog

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenEntries cover every member and every escape rule of the encoding.
func goldenEntries() []Entry {
	var h [32]byte
	for i := range h {
		h[i] = byte(i * 7)
	}
	at := time.Date(2025, 3, 1, 8, 30, 15, 123_456_789, time.FixedZone("WAT", 3600))
	return []Entry{
		{Kind: "order.event", Subject: "ORD-7Q4K-2M9X", Event: "issued", At: testTime},
		{Kind: "order.event", Subject: "ORD-7Q4K-2M9X", Event: "acknowledged", At: at,
			Data: map[string]string{"state": "acknowledged", "area": "NE.AG", "channel": "ussd"}},
		{Kind: "policy", Subject: "policy-v12", Event: "published", At: testTime, DataHash: h},
		{Kind: "ledger.transfer", Subject: "TX-000042", Event: "posted", At: testTime,
			Data: map[string]string{"amount": "125000", "currency": "XOF", "from": "fund", "to": "programme.fuel"}},
		{Kind: "campaign.commitment", Event: "eligible-root", At: testTime, DataHash: h,
			Data: map[string]string{"seed_sha256": strings.Repeat("ab", 32), "count": "18211"}},
		{Kind: "order.event", Subject: "ORD-1", Event: "returned", At: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
			Data: map[string]string{
				"note":  "quote\" backslash\\ nl\n cr\r tab\t bs\b ff\f ctl\x01 del\x7f",
				"hausa": "ƙ ɗ ɓ ƴ — Yamai, 50 €",
				"sep":   "\u2028\u2029 <&> 🚚",
			}},
	}
}

func TestLeafGolden(t *testing.T) {
	var got bytes.Buffer
	for _, e := range goldenEntries() {
		leaf := e.MarshalLeaf()
		fmt.Fprintf(&got, "%x %s\n", LeafHash(leaf), leaf)
	}
	path := filepath.Join("testdata", "leaves.golden")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("leaf encoding changed: a logged leaf would no longer hash the same.\ngot:\n%s\nwant:\n%s", got.Bytes(), want)
	}
}

func TestLeafRoundTrip(t *testing.T) {
	for i, e := range goldenEntries() {
		leaf := e.MarshalLeaf()
		got, err := ParseLeaf(leaf)
		if err != nil {
			t.Fatalf("entry %d: ParseLeaf(%s): %v", i, leaf, err)
		}
		want := e
		want.At = e.At.UTC().Truncate(time.Millisecond)
		if !got.At.Equal(want.At) || got.At.Location() != time.UTC {
			t.Errorf("entry %d: At = %v, want %v", i, got.At, want.At)
		}
		if !bytes.Equal(got.MarshalLeaf(), leaf) {
			t.Errorf("entry %d: not stable", i)
		}
		got.At, want.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d: got %+v, want %+v", i, got, want)
		}
	}
}

// TestLeafIsSortedJSON: for text encoding/json leaves alone, the leaf is
// exactly what encoding/json writes for the same object (it sorts map keys),
// which checks the member order and number format independently.
func TestLeafIsSortedJSON(t *testing.T) {
	for i, e := range goldenEntries()[:5] {
		obj := map[string]any{"at": e.At.UTC().Truncate(time.Millisecond).Format(timeLayout),
			"event": e.Event, "kind": e.Kind, "v": 1}
		if e.Subject != "" {
			obj["subject"] = e.Subject
		}
		if len(e.Data) > 0 {
			obj["data"] = e.Data
		}
		if e.DataHash != ([32]byte{}) {
			obj["data_hash"] = hex.EncodeToString(e.DataHash[:])
		}
		want, _ := json.Marshal(obj)
		if got := e.MarshalLeaf(); !bytes.Equal(got, want) {
			t.Errorf("entry %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestParseLeafRejects(t *testing.T) {
	good := `{"at":"2025-03-01T08:00:00.000Z","data":{"area":"NE.AG"},"event":"issued","kind":"order.event","subject":"ORD-1","v":1}`
	if _, err := ParseLeaf([]byte(good)); err != nil {
		t.Fatalf("the base case is rejected: %v", err)
	}
	r := strings.NewReplacer
	cases := map[string]string{
		"empty":               ``,
		"not an object":       `[]`,
		"null":                `null`,
		"trailing newline":    good + "\n",
		"trailing garbage":    good + "x",
		"leading space":       " " + good,
		"space after colon":   r(`"v":1`, `"v": 1`).Replace(good),
		"members reordered":   r(`"event":"issued","kind":"order.event"`, `"kind":"order.event","event":"issued"`).Replace(good),
		"duplicate member":    r(`"v":1}`, `"v":1,"v":1}`).Replace(good),
		"unknown member":      r(`"v":1}`, `"v":1,"w":1}`).Replace(good),
		"upper-case member":   r(`"kind"`, `"Kind"`).Replace(good),
		"version 2":           r(`"v":1`, `"v":2`).Replace(good),
		"version missing":     r(`,"v":1`, ``).Replace(good),
		"version as float":    r(`"v":1`, `"v":1.0`).Replace(good),
		"version as string":   r(`"v":1`, `"v":"1"`).Replace(good),
		"kind missing":        r(`,"kind":"order.event"`, ``).Replace(good),
		"kind upper case":     r(`order.event`, `Order.event`).Replace(good),
		"event with space":    r(`"issued"`, `"is sued"`).Replace(good),
		"subject empty":       r(`"ORD-1"`, `""`).Replace(good),
		"subject with space":  r(`"ORD-1"`, `"ORD 1"`).Replace(good),
		"subject non-ASCII":   r(`"ORD-1"`, `"ORD-ƙ"`).Replace(good),
		"time without millis": r(`08:00:00.000Z`, `08:00:00Z`).Replace(good),
		"time with micros":    r(`08:00:00.000Z`, `08:00:00.000000Z`).Replace(good),
		"time with offset":    r(`08:00:00.000Z`, `09:00:00.000+01:00`).Replace(good),
		"time lower-case z":   r(`.000Z`, `.000z`).Replace(good),
		"time missing":        r(`"at":"2025-03-01T08:00:00.000Z",`, ``).Replace(good),
		"time as number":      r(`"2025-03-01T08:00:00.000Z"`, `0`).Replace(good),
		"empty data object":   r(`{"area":"NE.AG"}`, `{}`).Replace(good),
		"data value number":   r(`"NE.AG"`, `1`).Replace(good),
		"data key invalid":    r(`"area"`, `"Area"`).Replace(good),
		"data keys unsorted":  r(`{"area":"NE.AG"}`, `{"zone":"1","area":"NE.AG"}`).Replace(good),
		"needless escape":     r(`NE.AG`, `NE\u002eAG`).Replace(good),
		"escaped slash":       r(`NE.AG`, `NE\/AG`).Replace(good),
		"upper-case escape":   r(`NE.AG`, `NE\u001FAG`).Replace(good),
		"invalid UTF-8":       r(`NE.AG`, "NE\xffAG").Replace(good),
		"raw control char":    r(`NE.AG`, "NE\x01AG").Replace(good),
		"data hash short":     r(`"event"`, `"data_hash":"abcd","event"`).Replace(good),
		"data hash upper hex": r(`"event"`, `"data_hash":"`+strings.Repeat("AB", 32)+`","event"`).Replace(good),
		"data hash zero":      r(`"event"`, `"data_hash":"`+strings.Repeat("00", 32)+`","event"`).Replace(good),
		"too large":           r(`NE.AG`, strings.Repeat("x", MaxLeafSize)).Replace(good),
	}
	for name, leaf := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := parseLeafJSON([]byte(leaf)); err == nil {
				t.Errorf("the reference parser accepts %q", leaf)
			}
			e, err := ParseLeaf([]byte(leaf))
			if err == nil {
				t.Fatalf("ParseLeaf(%q) = %+v, want an error", leaf, e)
			}
			if muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("error %v is not Invalid", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	base := testEntry(1)
	cases := map[string]func(*Entry){
		"no kind":            func(e *Entry) { e.Kind = "" },
		"kind starts with .": func(e *Entry) { e.Kind = ".order" },
		"long event":         func(e *Entry) { e.Event = strings.Repeat("a", 65) },
		"zero time":          func(e *Entry) { e.At = time.Time{} },
		"year 10000":         func(e *Entry) { e.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"bad value":          func(e *Entry) { e.Data["x"] = "\xff" },
		"long subject":       func(e *Entry) { e.Subject = strings.Repeat("S", 129) },
	}
	for name, change := range cases {
		e := base
		e.Data = map[string]string{"a": "b"}
		change(&e)
		if err := e.Validate(); err == nil {
			t.Errorf("%s: Validate accepts %+v", name, e)
		}
		if _, err := ParseLeaf(e.MarshalLeaf()); err == nil {
			t.Errorf("%s: ParseLeaf accepts the encoding of an invalid entry", name)
		}
	}
}

// parseLeafJSON is ParseLeaf written with encoding/json, a slower, plainer
// reference for FuzzParseLeaf: both must accept and reject the same inputs.
func parseLeafJSON(leaf []byte) (Entry, error) {
	var w struct {
		At       string            `json:"at"`
		Data     map[string]string `json:"data"`
		DataHash string            `json:"data_hash"`
		Event    string            `json:"event"`
		Kind     string            `json:"kind"`
		Subject  string            `json:"subject"`
		V        int               `json:"v"`
	}
	if len(leaf) > MaxLeafSize {
		return Entry{}, fmt.Errorf("too large")
	}
	if err := json.Unmarshal(leaf, &w); err != nil {
		return Entry{}, err
	}
	at, err := time.Parse(timeLayout, w.At)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Kind: w.Kind, Subject: w.Subject, Event: w.Event, At: at, Data: w.Data}
	if len(e.Data) == 0 {
		e.Data = nil
	}
	if w.DataHash != "" {
		h, err := hex.DecodeString(w.DataHash)
		if err != nil || len(h) != 32 {
			return Entry{}, fmt.Errorf("bad data_hash")
		}
		copy(e.DataHash[:], h)
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(e.MarshalLeaf(), leaf) {
		return Entry{}, fmt.Errorf("not canonical")
	}
	return e, nil
}

// FuzzParseLeaf checks that ParseLeaf never panics, accepts only canonical
// leaves (whatever it accepts re-encodes to the same bytes), and agrees
// with an encoding/json reference.
func FuzzParseLeaf(f *testing.F) {
	for _, e := range goldenEntries() {
		f.Add(e.MarshalLeaf())
	}
	f.Add([]byte(`{"at":"2025-03-01T08:00:00.000Z","event":"x","kind":"y","v":1}`))
	f.Add([]byte(`{"at":"2025-03-01T08:00:00.000Z","event":"x","kind":"y","v":1,"v":1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, leaf []byte) {
		e, err := ParseLeaf(leaf)
		ref, refErr := parseLeafJSON(leaf)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("ParseLeaf(%q) error %v, reference error %v", leaf, err, refErr)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(ref.MarshalLeaf(), e.MarshalLeaf()) {
			t.Fatalf("ParseLeaf(%q) = %+v, reference %+v", leaf, e, ref)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("ParseLeaf(%q) accepted an invalid entry: %v", leaf, err)
		}
		if got := e.MarshalLeaf(); !bytes.Equal(got, leaf) {
			t.Fatalf("ParseLeaf(%q) accepted a non-canonical leaf; canonical is %q", leaf, got)
		}
	})
}

// TestLeafSizeExact checks the room MarshalLeaf makes for a leaf: exactly
// its length when nothing needs escaping, so that no leaf is copied to
// grow and none holds more memory than it uses.
func TestLeafSizeExact(t *testing.T) {
	for i, e := range goldenEntries()[:5] {
		leaf := e.MarshalLeaf()
		if cap(leaf) != len(leaf) {
			t.Errorf("entry %d: a leaf of %d bytes was given room for %d: %s", i, len(leaf), cap(leaf), leaf)
		}
	}
}
