package qr

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// PNG draws text as a QR code in a PNG image at most size pixels wide (or
// one pixel a module if size is too small for the code). Every module is
// the same whole number of pixels: a scale that is not a whole number makes
// modules of uneven width, which readers sometimes fail on. It uses medium
// error correction, which survives a crease or a smudge on a printed order
// without growing the code much. An order text is all Base45, so the encoder
// stores it in alphanumeric mode (5.5 bits a character).
func PNG(text string, size int) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: drawing code: %w", err)
	}
	modules := len(q.Bitmap()) // the symbol with its quiet zone
	png, err := q.PNG(-max(1, size/modules))
	if err != nil {
		return nil, fmt.Errorf("qr: drawing code: %w", err)
	}
	return png, nil
}
