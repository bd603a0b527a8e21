package officerweb

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The harness of the browser test: one Chromium tab driven by chromedp,
// which fails the test on any console error.

// browser is one Chromium tab on the test server, with what its console
// said.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	page string // the path last opened, for messages

	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "fr-FR"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// listen keeps every console error, uncaught exception and browser log
// error (a refused stylesheet, a Content-Security-Policy violation).
func (b *browser) listen(ev any) {
	var problem string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			problem = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		problem = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			problem += " " + e.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			problem = "log (" + string(e.Entry.Source) + "): " + e.Entry.Text + " " + e.Entry.URL
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

func (b *browser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser console: %s", p)
	}
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s on %s: %v", what, b.page, err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.page = path
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	if res.Status != http.StatusOK {
		b.t.Fatalf("opening %s: status %d", path, res.Status)
	}
}

// submit clicks what sel names and waits for the page it leads to, which
// must be served with 200.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("clicking %s on %s: %v", sel, b.page, err)
	}
	if res.Status != http.StatusOK {
		b.t.Fatalf("clicking %s on %s: status %d", sel, b.page, res.Status)
	}
	b.page = strings.TrimPrefix(res.URL, b.base)
}

func (b *browser) set(sel, value string) {
	b.t.Helper()
	b.run("setting "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.run("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// see checks that the element sel shows want.
func (b *browser) see(sel, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s on %s: %v", sel, b.page, err)
	}
	if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
		b.t.Fatalf("%s on %s does not say %q:\n%s", sel, b.page, want, got)
	}
}

// fetch asks the server for path with the browser's session, as a
// download link does, and returns the status, the content type and the
// body.
func (b *browser) fetch(path string) (int, string, string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + path}})
	})
	if err != nil {
		b.t.Fatalf("the browser's cookies: %v", err)
	}
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range got.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("fetching %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(body)
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

func (b *browser) login(name string) {
	b.t.Helper()
	b.open("/o/login")
	b.set("#name", name)
	b.set("#password", testPassword)
	b.submit(`form button[type=submit]`)
	b.see(".who", name)
}

func (b *browser) logout() {
	b.t.Helper()
	b.submit(`.who button[type=submit]`)
	if loc := b.location(); loc != b.base+"/o/login" {
		b.t.Fatalf("after logging out: %s", loc)
	}
}

// screenshot writes a full-page PNG of the current page as
// MUSTER_SCREENSHOTS/officer-NAME-DB.png, when that variable is set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("MUSTER_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot of %s: %v", b.page, err)
	}
	db := filepath.Base(b.t.Name())
	if err := os.WriteFile(filepath.Join(dir, "officer-"+name+"-"+db+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
