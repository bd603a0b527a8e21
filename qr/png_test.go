package qr

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
)

// TestPNGReadBack draws orders as we print them, reads the images back with
// an independent QR reader, and verifies the text it finds.
func TestPNGReadBack(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		claims Claims
		size   int
	}{
		{"call-up", callUp(), 400},
		{"requisition", requisition(), 400},
		{"small image", callUp(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := encode(t, tt.claims, f.cur)
			b, err := PNG(text, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			bmp, err := gozxing.NewBinaryBitmapFromImage(img)
			if err != nil {
				t.Fatal(err)
			}
			res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
			if err != nil {
				t.Fatalf("reading the code back: %v", err)
			}
			if res.GetText() != text {
				t.Fatalf("read %q\nwant %q", res.GetText(), text)
			}
			if _, err := Verify(res.GetText(), f.list, now); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPNGAlphanumeric checks that the encoder stores order texts in
// alphanumeric mode: the same text in lower case, which forces byte mode,
// needs a bigger code.
func TestPNGAlphanumeric(t *testing.T) {
	f := newFixture(t)
	for name, c := range map[string]Claims{"call-up": callUp(), "requisition": requisition()} {
		text := encode(t, c, f.cur)
		alnum, err := qrcode.New(text, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		bytesMode, err := qrcode.New(strings.ToLower(text), qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d characters, QR version %d (byte mode would need %d)", name, len(text), alnum.VersionNumber, bytesMode.VersionNumber)
		if alnum.VersionNumber >= bytesMode.VersionNumber {
			t.Errorf("%s: version %d is not smaller than byte mode's %d", name, alnum.VersionNumber, bytesMode.VersionNumber)
		}
	}
}

// TestFormatExample keeps FORMAT.md honest: its example is what Encode
// writes today for the call-up fixture.
func TestFormatExample(t *testing.T) {
	f := newFixture(t)
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	text := encode(t, callUp(), f.cur)
	if !bytes.Contains(doc, []byte("\n"+text+"\n")) {
		t.Fatalf("FORMAT.md does not hold the example; it is now:\n%s", text)
	}
}

// TestPNGReadBackMany reads back many codes of varied content at the size
// the CLI prints (512 px) with ReadImage: a code that reads only sometimes
// shows up here rather than as a flaky test elsewhere.
func TestPNGReadBackMany(t *testing.T) {
	f := newFixture(t)
	n := 200
	if testing.Short() {
		n = 40
	}
	failed := 0
	for i := range n {
		c := callUp()
		c.LogIndex = uint64(i) * 7919
		c.AddresseeRef = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
		c.What[0].Quantity = float64(1 + i%37)
		text := encode(t, c, f.cur)
		b, err := PNG(text, 512)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadImage(img)
		if err != nil || got != text {
			failed++
			t.Errorf("code %d: read back %v", i, err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d codes did not read back", failed, n)
	}
}
