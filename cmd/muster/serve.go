package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/httpapi"
	"github.com/muster-org/muster/sqlstore"
)

func newServeCmd(cfg *config) *cobra.Command {
	var addr string
	var proxies []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API, /healthz and /metrics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			trusted, err := parsePrefixes(proxies)
			if err != nil {
				return err
			}
			cfg.trustedProxies = trusted
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return serve(cmd.Context(), cfg, db, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", envOr("MUSTER_ADDR", "127.0.0.1:8080"), "address to listen on (MUSTER_ADDR)")
	cmd.Flags().StringSliceVar(&proxies, "trusted-proxy", strings.FieldsFunc(os.Getenv("MUSTER_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' }),
		"CIDR of a load balancer whose X-Forwarded-For names clients (repeatable; MUSTER_TRUSTED_PROXIES, comma-separated)")
	return cmd
}

// serve runs the HTTP server until ctx ends, then drains it.
func serve(ctx context.Context, cfg *config, db *sqlstore.DB, addr string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	signer, _, err := cfg.logSigner()
	if err != nil {
		return err
	}
	api := httpapi.New(db, httpapi.Options{Logger: logger, LogSigner: signer, TrustedProxies: cfg.trustedProxies})
	srv := &http.Server{
		Addr:              addr,
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger.Info("serving", "addr", "http://"+ln.Addr().String(), "db", db.Dialect())
	fmt.Fprintf(os.Stderr, "muster: serving on http://%s (API under /api/v1, OpenAPI at /api/v1/openapi.json); Ctrl-C stops\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	go purgeIdempotencyKeys(ctx, db, logger)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// purgeIdempotencyKeys deletes expired idempotency keys every hour while
// the server runs: they are ignored once expired, and would otherwise
// only pile up.
func purgeIdempotencyKeys(ctx context.Context, db *sqlstore.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := db.PurgeIdempotent(ctx, time.Now().Add(-sqlstore.IdempotencyTTL))
		if err != nil && ctx.Err() == nil {
			logger.Warn("purging idempotency keys", "err", err)
		} else if n > 0 {
			logger.Info("purged idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func parsePrefixes(ss []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, usageError("--trusted-proxy %q: not a CIDR such as 10.0.0.0/8", s)
		}
		out = append(out, p)
	}
	return out, nil
}
