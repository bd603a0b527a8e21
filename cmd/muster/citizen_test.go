package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/sqlstore"
)

func TestSMSProvider(t *testing.T) {
	t.Setenv("MUSTER_AT_USERNAME", "")
	t.Setenv("MUSTER_AT_API_KEY", "")
	t.Setenv("MUSTER_COURIER_SEND_URL", "")
	dir := filepath.Join(t.TempDir(), "data")
	p, closeIt, err := smsProvider("file", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*sms.FileProvider); !ok {
		t.Errorf("file provider is a %T", p)
	}
	closeIt()
	if fi, err := os.Stat(filepath.Join(dir, "sms-outbox.jsonl")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sms-outbox.jsonl: %v %v, want a file private to its owner", fi, err)
	}
	for _, tc := range []struct{ name, provider, want string }{
		{"africastalking without credentials", "africastalking", "MUSTER_AT_USERNAME"},
		{"courier without a URL", "courier", "MUSTER_COURIER_SEND_URL"},
		{"unknown provider", "pigeon", "not file, africastalking or courier"},
	} {
		_, _, err := smsProvider(tc.provider, dir)
		if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want Invalid naming %s", tc.name, err, tc.want)
		}
	}
	t.Setenv("MUSTER_AT_USERNAME", "sandbox")
	t.Setenv("MUSTER_AT_API_KEY", "k")
	if p, _, err := smsProvider("africastalking", dir); err != nil || p.(*sms.AfricasTalking).BaseURL != sms.ATSandbox {
		t.Errorf("sandbox credentials: %+v, %v; want the sandbox host", p, err)
	}
}

func TestStartCitizenChannels(t *testing.T) {
	db := sqlstore.OpenTest(t, filepath.Join(t.TempDir(), "muster.db"))
	cfg := &config{dataDir: t.TempDir()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	good := citizenSettings{smsProvider: "file", ussdCode: "*384*123#", zone: "Africa/Niamey"}
	ch, err := startCitizenChannels(context.Background(), cfg, db, "127.0.0.1:8080", good, logger)
	if err != nil {
		t.Fatal(err)
	}
	if ch.service == nil || ch.guard == nil || ch.outbox == nil || len(ch.service.FormKey()) != 32 {
		t.Errorf("channels %+v", ch)
	}
	ch.stop() // the worker stops and the provider closes without the context ending
	for _, tc := range []struct {
		name string
		edit func(*citizenSettings)
		want string
	}{
		{"unknown zone", func(s *citizenSettings) { s.zone = "Mars/Olympus" }, "--tz"},
		{"bad USSD code", func(s *citizenSettings) { s.ussdCode = "384" }, "--ussd-code"},
		{"long URL", func(s *citizenSettings) { s.citizenURL = "https://" + strings.Repeat("x", 40) + ".ne/c" }, "--citizen-url"},
	} {
		s := good
		tc.edit(&s)
		if _, err := startCitizenChannels(context.Background(), cfg, db, "127.0.0.1:8080", s, logger); muster.ErrorKind(err) != muster.Invalid ||
			!strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want Invalid naming %s", tc.name, err, tc.want)
		}
	}
}
