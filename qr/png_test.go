package qr

import (
	"bytes"
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
