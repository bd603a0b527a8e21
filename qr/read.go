package qr

import (
	"errors"
	"image"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// ErrNoCode is returned by ReadImage when it finds no QR code.
var ErrNoCode = errors.New("qr: no QR code found in the image")

// ReadImage finds and decodes the QR code in an image: a code as we print
// it, a scan, or a photo. It tries the fast reader first, then the reader
// for an image that is only the code (what PNG draws: the finder-pattern
// search sometimes mistakes data modules for a pattern), then the slow,
// thorough search for photos.
func ReadImage(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", errors.Join(ErrNoCode, err)
	}
	var errs []error
	for _, hints := range []map[gozxing.DecodeHintType]any{
		nil,
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
	} {
		res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText(), nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(append([]error{ErrNoCode}, errs...)...)
}
