package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/trust"
)

// logOrigin names muster's transparency log in its checkpoints.
const logOrigin = "muster.example/log"

// readOrCreate returns the contents of a private file, creating it with
// make's output (mode 0600) when it does not exist.
func readOrCreate(path string, make func() (string, error)) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s, err := make()
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", err
		}
		if err := writePrivateFile(path, []byte(s+"\n")); err != nil {
			return "", err
		}
		return s, nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

// rootKey loads the trust-list root key, creating it on first use. In a
// deployment it lives offline; the demo keeps it in the data directory.
func (c *config) rootKey() (ed25519.PrivateKey, error) {
	path := envOr("MUSTER_ROOT_KEY_FILE", filepath.Join(c.dataDir, "root.key"))
	s, err := readOrCreate(path, func() (string, error) {
		_, priv := trust.GenerateRoot()
		return trust.FormatRootPrivate(priv), nil
	})
	if err != nil {
		return nil, fmt.Errorf("root key %s: %w", path, err)
	}
	return trust.ParseRootPrivate(s)
}

// logSigner loads the key that signs checkpoints, creating it on first
// use. The file holds the signer key and, on its second line, the
// verifier key that third parties use.
func (c *config) logSigner() (note.Signer, string, error) {
	path := envOr("MUSTER_LOG_KEY_FILE", filepath.Join(c.dataDir, "log.key"))
	s, err := readOrCreate(path, func() (string, error) {
		skey, vkey, err := tlog.GenerateLogKey(logOrigin)
		return skey + "\n" + vkey, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("log key %s: %w", path, err)
	}
	skey, vkey, _ := strings.Cut(s, "\n")
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("log key %s: %w", path, err)
	}
	return signer, strings.TrimSpace(vkey), nil
}

func newKeysCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "The trust list of authority keys and the log's checkpoint key"}
	var out string
	trustlist := &cobra.Command{
		Use:   "trustlist",
		Short: "Write the trust list (every authority key, signed by the root key) to a file",
		Long: `Write the trust list: every authority's public keys with their validity
and revocations, signed by the root key (COSE_Sign1 over CBOR). With this
file and the root public key, anyone can verify orders offline:
  muster verify --trustlist FILE --root ROOT-PUBLIC-KEY MU1:...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			data, root, err := signedTrustList(cmd, cfg, db)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(cfg.dataDir, "trustlist.cose")
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\nroot public key: %s\n", out, len(data), trust.FormatRootPublic(root))
			return nil
		},
	}
	trustlist.Flags().StringVarP(&out, "output", "o", "", "file to write (default DATA-DIR/trustlist.cose)")
	vkey := &cobra.Command{
		Use:   "log-vkey",
		Short: "Print the note verifier key of the transparency log's checkpoints",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, vkey, err := cfg.logSigner()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		},
	}
	cmd.AddCommand(trustlist, vkey)
	return cmd
}

// signedTrustList signs the current keys with the root key.
func signedTrustList(cmd *cobra.Command, cfg *config, db *sqlstore.DB) ([]byte, ed25519.PublicKey, error) {
	priv, err := cfg.rootKey()
	if err != nil {
		return nil, nil, err
	}
	keys, err := db.Keys(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC()
	tl, err := trust.NewTrustList(keys, uint64(now.Unix()), now)
	if err != nil {
		return nil, nil, err
	}
	data, err := tl.Sign(priv)
	return data, priv.Public().(ed25519.PublicKey), err
}

func noteVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log verifier key: %w", err)
	}
	return v, nil
}
