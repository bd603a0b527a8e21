package campaign

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

func readListFile(t testing.TB, name string) ([]Entry, error) {
	t.Helper()
	path := filepath.Join("testdata", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ReadList(f, path)
}

// TestListFileRoundTrip reads the published fixture, freezes it and writes
// it back byte for byte.
func TestListFileRoundTrip(t *testing.T) {
	entries, err := readListFile(t, "list.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 24 {
		t.Fatalf("read %d entries, want 24", len(entries))
	}
	var out bytes.Buffer
	if err := WriteList(&out, mustFreeze(t, entries)); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("WriteList wrote\n%s\nwant\n%s", out.Bytes(), want)
	}
	again, err := ReadList(&out, "written")
	if err != nil || !reflect.DeepEqual(again, entries) {
		t.Errorf("reading the written list: %v", err)
	}
}

func TestReadListErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"list_bad_header.csv", `testdata/list_bad_header.csv:1: the header row is "ref,area"; want ref,area,skills`},
		{"list_bad_skill.csv", `testdata/list_bad_skill.csv:4: skills: "Driver" is not a skill name`},
		{"list_duplicate.csv", `testdata/list_duplicate.csv:5: ref "0b5000b73a53f091" is already on line 2`},
		{"list_bad_quote.csv", `testdata/list_bad_quote.csv:3:6: bare " in non-quoted-field`},
		{"list_extra_field.csv", `testdata/list_extra_field.csv:3: 4 fields; want 3`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := readListFile(t, tt.file)
			wantError(t, err, nil, tt.want)
		})
	}
}

func TestReadListInline(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // error fragment; "" when the input is valid
		n     int    // entries when valid
	}{
		{"header only", "ref,area,skills\n", "", 0},
		{"byte order mark", "\ufeffref,area,skills\nr1,NE,\n", "", 1},
		{"CRLF", "ref,area,skills\r\nr1,NE,nurse\r\n", "", 1},
		{"no final newline", "ref,area,skills\nr1,NE,nurse", "", 1},
		{"empty file", "", "in.csv:1: the file is empty", 0},
		{"empty skill between separators", "ref,area,skills\nr1,NE,nurse;;driver\n", `in.csv:2: skills: "" is not a skill name`, 0},
		{"trailing separator", "ref,area,skills\nr1,NE,nurse;\n", "in.csv:2: skills", 0},
		{"space in ref", "ref,area,skills\nr1 ,NE,\n", `in.csv:2: ref "r1 "`, 0},
		{"empty area", "ref,area,skills\nr1,,\n", `in.csv:2: area "": is empty`, 0},
		{"two fields", "ref,area,skills\nr1,NE\n", "in.csv:2: 2 fields", 0},
		{"line of a quoted multi-line record", "ref,area,skills\nr1,NE,\n\"r\n2\",NE,\n", "in.csv:3: ref", 0},
		{"header in another order", "area,ref,skills\n", "in.csv:1: the header row", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadList(strings.NewReader(tt.input), "in.csv")
			if tt.want == "" {
				if err != nil || len(got) != tt.n {
					t.Fatalf("ReadList = %d entries, %v; want %d", len(got), err, tt.n)
				}
				return
			}
			wantError(t, err, nil, tt.want)
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadListReadError(t *testing.T) {
	_, err := ReadList(failingReader{}, "in.csv")
	if muster.ErrorKind(err) != muster.Internal || !strings.Contains(err.Error(), "in.csv") {
		t.Errorf("ReadList of a failing reader: %v, want an internal error naming the file", err)
	}
}
