package main

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // --tz works on machines without a zoneinfo database

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/httpapi"
	"github.com/muster-org/muster/httpapi/officerweb"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/sqlstore"
)

func newServeCmd(cfg *config) *cobra.Command {
	var addr string
	var proxies []string
	var cs citizenSettings
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API, the citizen channels (USSD, SMS, the /c page), /healthz and /metrics, and send the SMS outbox",
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
			return serveWith(cmd.Context(), cfg, db, addr, cs)
		},
	}
	cs.flags(cmd)
	cmd.Flags().StringVar(&addr, "addr", envOr("MUSTER_ADDR", "127.0.0.1:8080"), "address to listen on (MUSTER_ADDR)")
	cmd.Flags().StringSliceVar(&proxies, "trusted-proxy", strings.FieldsFunc(os.Getenv("MUSTER_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' }),
		"CIDR of a load balancer whose X-Forwarded-For names clients (repeatable; MUSTER_TRUSTED_PROXIES, comma-separated)")
	return cmd
}

// serve runs the HTTP server until ctx ends, then drains it, with the
// citizen channels set from the environment (muster demo --serve).
func serve(ctx context.Context, cfg *config, db *sqlstore.DB, addr string) error {
	return serveWith(ctx, cfg, db, addr, citizenSettingsFromEnv())
}

// serveWith is serve with the citizen channels set by cs. The SMS worker
// runs beside the server and stops after it, once its sends in flight
// are over.
func serveWith(ctx context.Context, cfg *config, db *sqlstore.DB, addr string, cs citizenSettings) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	signer, _, err := cfg.logSigner()
	if err != nil {
		return err
	}
	secrets, err := loadWebhookSecrets(os.Getenv("MUSTER_FUND_WEBHOOK_SECRETS"))
	if err != nil {
		return err
	}
	channels, err := startCitizenChannels(ctx, cfg, db, addr, cs, logger)
	if err != nil {
		return err
	}
	defer channels.stop()
	api := httpapi.New(db, httpapi.Options{Logger: logger, LogSigner: signer, TrustedProxies: cfg.trustedProxies, FundWebhookSecrets: secrets,
		Citizen: channels.service, CitizenGuard: channels.guard, CitizenFormKey: channels.service.FormKey(), USSDCode: cs.ussdCode,
		CitizenPDF: func(ctx context.Context, code order.Code, birth time.Time, lang citizen.Language) ([]byte, error) {
			return channels.service.OrderPDF(ctx, code, birth, lang, printout.Verification{USSD: cs.ussdCode, URL: cs.citizenURL})
		},
		SMSOutbox: channels.outbox, SMSCallbackSecret: cs.callbackSecret})
	zone, _ := time.LoadLocation(cs.zone) // checked by startCitizenChannels
	officers := officerweb.New(db, officerweb.Options{Logger: logger, LogSigner: signer, TrustedProxies: cfg.trustedProxies,
		CSRFKey: derivedKey(channels.service.FormKey(), "officerweb.csrf"), Zone: zone,
		Verify: printout.Verification{USSD: cs.ussdCode, URL: cs.citizenURL}})
	mux := http.NewServeMux()
	mux.Handle(officerweb.Prefix, officers)
	mux.Handle("GET /{$}", http.RedirectHandler(officerweb.Prefix, http.StatusSeeOther))
	mux.Handle("/", api)
	srv := &http.Server{
		Addr:              addr,
		Handler:           mux,
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
	fmt.Fprintf(os.Stderr, "muster: serving on http://%s (officers' web UI under /o/, API under /api/v1, OpenAPI at /api/v1/openapi.json); Ctrl-C stops\n", ln.Addr())
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

// derivedKey derives a key for one use from a key shared by every
// server (HMAC-SHA256 of the label).
func derivedKey(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
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

// citizenSettings configure the citizen channels of muster serve: flags,
// each defaulting to its MUSTER_* variable. The provider's credentials
// and the callback secret come from the environment only, never the
// command line, which other users of the machine can read.
type citizenSettings struct {
	smsProvider    string // file, africastalking or courier
	ussdCode       string
	citizenURL     string // "" → http://ADDR/c
	zone           string // the citizens' time zone: deadlines are given in it
	callbackSecret string // MUSTER_SMS_CALLBACK_SECRET
}

func citizenSettingsFromEnv() citizenSettings {
	return citizenSettings{
		smsProvider:    envOr("MUSTER_SMS_PROVIDER", "file"),
		ussdCode:       envOr("MUSTER_USSD_CODE", "*384*123#"),
		citizenURL:     os.Getenv("MUSTER_CITIZEN_URL"),
		zone:           envOr("MUSTER_TZ", "Local"),
		callbackSecret: os.Getenv("MUSTER_SMS_CALLBACK_SECRET"),
	}
}

func (cs *citizenSettings) flags(cmd *cobra.Command) {
	env := citizenSettingsFromEnv()
	f := cmd.Flags()
	f.StringVar(&cs.smsProvider, "sms-provider", env.smsProvider,
		"how SMS go out: file (DATA-DIR/sms-outbox.jsonl, nothing leaves the machine), africastalking (MUSTER_AT_USERNAME, "+
			"MUSTER_AT_API_KEY, MUSTER_AT_SENDER) or courier (MUSTER_COURIER_SEND_URL) (MUSTER_SMS_PROVIDER)")
	f.StringVar(&cs.ussdCode, "ussd-code", env.ussdCode, "USSD service code citizens dial, named in SMS and on the citizen page (MUSTER_USSD_CODE)")
	f.StringVar(&cs.citizenURL, "citizen-url", env.citizenURL, "citizen page URL named in SMS, at most 32 characters (MUSTER_CITIZEN_URL; default http://ADDR/c)")
	f.StringVar(&cs.zone, "tz", env.zone, "time zone of the deadlines citizens read, e.g. Africa/Niamey (MUSTER_TZ; default the machine's)")
	cs.callbackSecret = env.callbackSecret
}

// citizenChannels are the pieces serve builds for the citizen channels
// and the SMS worker that runs beside the server.
type citizenChannels struct {
	service *sqlstore.Citizens
	guard   *citizen.Guard
	outbox  *sqlstore.Outbox
	stop    func() // stops the worker, waits for its sends, closes the provider
}

// startCitizenChannels builds the citizen service, its guard and the
// outbox, and starts the SMS worker on the chosen provider.
func startCitizenChannels(ctx context.Context, cfg *config, db *sqlstore.DB, addr string, cs citizenSettings, logger *slog.Logger) (citizenChannels, error) {
	zone, err := time.LoadLocation(cs.zone)
	if err != nil {
		return citizenChannels{}, usageError("--tz %q: not a time zone such as Africa/Niamey", cs.zone)
	}
	contact := citizen.Contact{USSD: cs.ussdCode, URL: cmp.Or(cs.citizenURL, "http://"+addr+"/c")}
	outbox, err := db.Outbox(contact, zone)
	if err != nil {
		return citizenChannels{}, usageError("--ussd-code and --citizen-url: %s", muster.ErrorMessage(err))
	}
	guard, err := citizen.NewGuard(citizen.DefaultConfig(), nil)
	if err != nil {
		return citizenChannels{}, err
	}
	provider, closeProvider, err := smsProvider(cs.smsProvider, cfg.dataDir)
	if err != nil {
		return citizenChannels{}, err
	}
	if cs.callbackSecret == "" && cs.smsProvider != "file" {
		logger.Warn("MUSTER_SMS_CALLBACK_SECRET is not set: delivery reports are not received, so no order is marked notified by SMS")
	}
	w := &sms.Worker{Outbox: outbox, Provider: provider, Logger: logger}
	workerCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(workerCtx); err != nil {
			logger.Error("sms worker", "err", err)
		}
	}()
	stop := func() {
		cancel()
		<-done
		if err := closeProvider(); err != nil {
			logger.Warn("sms provider: closing", "err", err)
		}
	}
	return citizenChannels{service: db.Citizens(zone), guard: guard, outbox: outbox, stop: stop}, nil
}

// smsProvider returns the named provider, checked, and how to close it.
func smsProvider(name, dataDir string) (sms.Provider, func() error, error) {
	noClose := func() error { return nil }
	switch name {
	case "file":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, nil, err
		}
		p, err := sms.OpenFileProvider(filepath.Join(dataDir, "sms-outbox.jsonl"))
		if err != nil {
			return nil, nil, err
		}
		return p, p.Close, nil
	case "africastalking":
		p := &sms.AfricasTalking{Username: os.Getenv("MUSTER_AT_USERNAME"), APIKey: os.Getenv("MUSTER_AT_API_KEY"), From: os.Getenv("MUSTER_AT_SENDER")}
		if p.Username == "sandbox" {
			p.BaseURL = sms.ATSandbox
		}
		if err := p.Validate(); err != nil {
			return nil, nil, usageError("--sms-provider africastalking: %s (set MUSTER_AT_USERNAME and MUSTER_AT_API_KEY)", muster.ErrorMessage(err))
		}
		return p, noClose, nil
	case "courier":
		p := &sms.Courier{SendURL: os.Getenv("MUSTER_COURIER_SEND_URL")}
		if err := p.Validate(); err != nil {
			return nil, nil, usageError("--sms-provider courier: %s (set MUSTER_COURIER_SEND_URL)", muster.ErrorMessage(err))
		}
		return p, noClose, nil
	}
	return nil, nil, usageError("--sms-provider %q: not file, africastalking or courier", name)
}
