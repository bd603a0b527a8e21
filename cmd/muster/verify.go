package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png" // decode PNG images of QR codes
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/trust"
)

// invalidOrder ends `muster verify` on an order that is not genuine: the
// reason is printed, the exit status is 1.
type invalidOrder struct{ reason, detail string }

func (e invalidOrder) Error() string { return "INVALID: " + e.reason + ": " + e.detail }

func newVerifyCmd(cfg *config) *cobra.Command {
	var trustFile, rootText, imageFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify [--trustlist FILE --root KEY] (MU1:... | --image FILE.png)",
		Short: "Check offline that an order is genuine and unaltered",
		Long: `Check an order's signed payload (the text of its QR code, "MU1:...") against
a trust list, with no network. The trust list is the file muster keys
trustlist writes; the root key is the public key printed with it.

Exit status 0 and the order's claims when it is genuine; 1 and the reason
(malformed, bad signature, unknown key, revoked key, expired, not yet valid)
when it is not.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := verifyInput(args, imageFile)
			if err != nil {
				return err
			}
			tl, err := loadTrustList(cfg, trustFile, rootText)
			if err != nil {
				return err
			}
			claims, err := qr.Verify(text, tl, time.Now())
			if err != nil {
				return invalidOrder{reason: verifyReason(err), detail: err.Error()}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Valid  bool      `json:"valid"`
					Claims qr.Claims `json:"claims"`
				}{true, claims})
			}
			fmt.Fprintf(out, "VALID: signed by %s with key %s, issued %s, log index %d\n",
				claims.Authority, claims.KeyID, claims.IssuedAt.Format(time.RFC3339), claims.LogIndex)
			fmt.Fprintf(out, "order %s (code %s), %s\n", claims.OrderID, order.Code(claims.Code), claims.Kind)
			for _, it := range claims.What {
				fmt.Fprintf(out, "  %s %v %s\n", it.Type, it.Quantity, it.Unit)
			}
			fmt.Fprintf(out, "place: %s %s\ndeadline: %s\n", claims.Where.Text, claims.Where.Area, claims.Deadline.Format(time.RFC3339))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&trustFile, "trustlist", "", "trust list file (default DATA-DIR/trustlist.cose)")
	f.StringVar(&rootText, "root", "", "root public key, muster-root:... (default: the one in DATA-DIR)")
	f.StringVar(&imageFile, "image", "", "read the payload from a PNG image of the QR code")
	f.BoolVar(&asJSON, "json", false, "print the claims as JSON")
	return cmd
}

func verifyInput(args []string, imageFile string) (string, error) {
	switch {
	case imageFile != "" && len(args) > 0:
		return "", usageError("give the payload or --image, not both")
	case imageFile != "":
		return readQR(imageFile)
	case len(args) == 1:
		return strings.TrimSpace(args[0]), nil
	}
	return "", usageError("give the payload (MU1:...) or --image FILE.png")
}

// readQR decodes the QR code in a PNG image.
func readQR(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", usageError("%v", err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", invalidOrder{reason: "malformed", detail: fmt.Sprintf("%s is not a PNG image: %v", path, err)}
	}
	text, err := qr.ReadImage(img)
	if err != nil {
		return "", invalidOrder{reason: "malformed", detail: fmt.Sprintf("no QR code found in %s", path)}
	}
	return text, nil
}

func verifyReason(err error) string {
	for _, r := range []struct {
		err    error
		reason string
	}{
		{qr.ErrBadSignature, "bad signature"}, {qr.ErrUnknownKey, "unknown key"}, {qr.ErrRevoked, "revoked key"},
		{qr.ErrExpired, "expired"}, {qr.ErrNotYetValid, "not yet valid"}, {qr.ErrMalformed, "malformed"},
	} {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "malformed"
}

// loadTrustList opens and checks the trust list file with the root key.
func loadTrustList(cfg *config, file, rootText string) (trust.TrustList, error) {
	if file == "" {
		file = filepath.Join(cfg.dataDir, "trustlist.cose")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return trust.TrustList{}, usageError("trust list: %v (muster keys trustlist writes one)", err)
	}
	var root ed25519.PublicKey
	if rootText != "" {
		if root, err = trust.ParseRootPublic(rootText); err != nil {
			return trust.TrustList{}, usageError("--root: %v", err)
		}
	} else {
		// This machine's own root key, if it has one; never create it here.
		path := envOr("MUSTER_ROOT_KEY_FILE", filepath.Join(cfg.dataDir, "root.key"))
		if _, err := os.Stat(path); err != nil {
			return trust.TrustList{}, usageError("no root key at %s: give --root muster-root:...", path)
		}
		priv, err := cfg.rootKey()
		if err != nil {
			return trust.TrustList{}, err
		}
		root = priv.Public().(ed25519.PublicKey)
	}
	tl, err := trust.OpenTrustList(data, root)
	if err != nil {
		return trust.TrustList{}, invalidOrder{reason: "bad trust list", detail: err.Error()}
	}
	return tl, nil
}
