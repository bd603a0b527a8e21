package qr

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// PNG draws text as a QR code in a PNG image about size pixels wide (larger
// if size is too small for the code; see skip2/go-qrcode). It uses medium
// error correction, which survives a crease or a smudge on a printed order
// without growing the code much. An order text is all Base45, so the encoder
// stores it in alphanumeric mode (5.5 bits a character).
func PNG(text string, size int) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: drawing code: %w", err)
	}
	png, err := q.PNG(size)
	if err != nil {
		return nil, fmt.Errorf("qr: drawing code: %w", err)
	}
	return png, nil
}
