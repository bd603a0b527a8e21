package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serverLog collects a server's stderr and reports the address it
// announces.
type serverLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addr  chan string
	found bool
}

var servingOn = regexp.MustCompile(`serving on (http://[^\s/]+) `)

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.found {
		if m := servingOn.FindSubmatch(l.buf.Bytes()); m != nil {
			l.found = true
			l.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startServer starts muster serve on a free port and returns its base
// URL; stop sends SIGTERM and returns the exit status.
func startServer(e *env) (base string, log *serverLog, stop func() int) {
	t := e.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, musterBin, e.args("serve", "--addr", "127.0.0.1:0")...)
	cmd.Env = cleanEnv()
	log = &serverLog{addr: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop = func() int {
		t.Helper()
		if stopped {
			return -1
		}
		stopped = true
		defer cancel()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("SIGTERM: %v", err)
		}
		select {
		case err := <-exited:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exit.ExitCode()
			} else if err != nil {
				t.Errorf("serve: %v", err)
				return -1
			}
			return 0
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("serve did not stop within 10s of SIGTERM\n%s", log)
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	select {
	case base = <-log.addr:
	case err := <-exited:
		stopped = true
		cancel()
		t.Fatalf("serve exited before listening: %v\n%s", err, log)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve announced no address within 30s\n%s", log)
	}
	return base, log, stop
}

// call makes one request and decodes a JSON answer into out (if non-nil).
func call(t *testing.T, method, u, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, u, err, data)
		}
	}
	return resp.StatusCode
}

func inDosso(code string) bool { return code == "NE.DS" || strings.HasPrefix(code, "NE.DS.") }

func TestServe(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		demo := runDemo(e, "--persons", "2000", "--seed", "7")
		base, log, stop := startServer(e)

		if code := call(t, "GET", base+"/healthz", "", nil, nil); code != http.StatusOK {
			t.Errorf("GET /healthz: %d, want 200", code)
		}
		if code := call(t, "GET", base+"/api/v1/persons", "", nil, nil); code != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/persons without a token: %d, want 401", code)
		}
		login := map[string]string{"name": "registrar.dosso", "password": "WRONG" + demo.passwords["registrar.dosso"]}
		if code := call(t, "POST", base+"/api/v1/login", "", login, nil); code != http.StatusUnauthorized {
			t.Errorf("login with a wrong password: %d, want 401", code)
		}
		login["password"] = demo.passwords["registrar.dosso"]
		var session struct {
			Token string `json:"token"`
		}
		if code := call(t, "POST", base+"/api/v1/login", "", login, &session); code != http.StatusOK || session.Token == "" {
			t.Fatalf("login as registrar.dosso: %d, token %q\n%s", code, session.Token, log)
		}

		// Page through every person the registrar may see.
		seen := 0
		after := ""
		for page := 0; ; page++ {
			if page > 100 {
				t.Fatal("more than 100 pages of persons")
			}
			q := url.Values{"limit": {"100"}}
			if after != "" {
				q.Set("after", after)
			}
			var p struct {
				Items []struct {
					NationalID string `json:"national_id"`
					Area       string `json:"area"`
				} `json:"items"`
				Next string `json:"next"`
			}
			if code := call(t, "GET", base+"/api/v1/persons?"+q.Encode(), session.Token, nil, &p); code != http.StatusOK {
				t.Fatalf("GET /api/v1/persons: %d, want 200\n%s", code, log)
			}
			for _, it := range p.Items {
				if !inDosso(it.Area) {
					t.Errorf("registrar.dosso sees %s in %s", it.NationalID, it.Area)
				}
			}
			seen += len(p.Items)
			if p.Next == "" {
				break
			}
			after = p.Next
		}

		if code := call(t, "GET", base+"/api/v1/persons?area=NE.DF", session.Token, nil, nil); code != http.StatusForbidden {
			t.Errorf("GET /api/v1/persons?area=NE.DF as registrar.dosso: %d, want 403", code)
		}
		if code := call(t, "GET", base+"/api/v1/persons?area=NE.DS", session.Token, nil, nil); code != http.StatusOK {
			t.Errorf("GET /api/v1/persons?area=NE.DS as registrar.dosso: %d, want 200", code)
		}

		if code := stop(); code != 0 {
			t.Errorf("serve exited %d after SIGTERM, want 0\n%s", code, log)
		}

		want := e.count(`SELECT COUNT(*) FROM persons p JOIN areas a ON a.id = p.area_id WHERE a.code = 'NE.DS' OR a.code LIKE 'NE.DS.%'`)
		if seen != want || seen == 0 {
			t.Errorf("the API listed %d persons for registrar.dosso, the database holds %d in NE.DS", seen, want)
		}
	})
}
