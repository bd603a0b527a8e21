package sms

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// step is how a test gateway answers one request.
type step string

const (
	stepOK         step = "ok"          // accept and answer
	step500        step = "500"         // fail before accepting
	step429        step = "429"         // rate limited, Retry-After: 120
	stepHang       step = "hang"        // stall before accepting until the client gives up
	stepAcceptHang step = "accept-hang" // accept, then stall past the client's timeout
	stepBlock      step = "block"       // accept once the test closes release, then answer
)

// rejectedNumber is a well-formed number that the gateway refuses as
// invalid: a permanent failure.
const rejectedNumber = "+22799999999"

// gateway is a real HTTP server playing an SMS gateway, either Africa's
// Talking's send API ("at") or a gateway behind courier's external
// channel ("courier"), that answers by a script of faults and counts what
// it accepted by client key: the text for Africa's Talking (which takes no
// reference; the tests' texts are unique), {{id}} for courier.
type gateway struct {
	t      *testing.T
	style  string
	dedupe bool // a courier gateway that honours {{id}}: a repeat is acknowledged, not sent again
	srv    *httptest.Server

	started chan struct{} // receives when a stepBlock request is accepted
	release chan struct{} // closed by the test to let stepBlock answer

	mu       sync.Mutex
	script   []step // one per request, in order; then stepOK
	calls    int
	accepted map[string]int    // texts that went out to handsets
	requests map[string]int    // requests seen
	rejected map[string]int    // requests refused as an invalid number
	ids      map[string]string // the provider ID last given
}

func newGateway(t *testing.T, style string, script ...step) *gateway {
	g := &gateway{t: t, style: style, script: script, accepted: map[string]int{}, requests: map[string]int{},
		rejected: map[string]int{}, ids: map[string]string{}, started: make(chan struct{}, 16), release: make(chan struct{})}
	g.srv = httptest.NewServer(g)
	t.Cleanup(g.srv.Close)
	return g
}

// provider returns the provider under test, pointed at g.
func (g *gateway) provider() Provider {
	client := &http.Client{} // no timeout of its own: the worker's SendTimeout is the one tested
	if g.style == "at" {
		return &AfricasTalking{BaseURL: g.srv.URL, Username: "muster-ne", APIKey: "k3y", HTTPClient: client}
	}
	return &Courier{SendURL: g.srv.URL + "/send", HTTPClient: client}
}

// key returns the client key of m, as the gateway counts it.
func (g *gateway) key(m Message) string {
	if g.style == "at" {
		return m.Text
	}
	return fmt.Sprint(m.ID)
}

func (g *gateway) count(m Message) (accepted, requests int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.accepted[g.key(m)], g.requests[g.key(m)]
}

// refusals returns how often m was refused as an invalid number, and the
// provider ID the gateway last gave it.
func (g *gateway) refusals(m Message) (rejected int, providerID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rejected[g.key(m)], g.ids[g.key(m)]
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Reading the body first also lets the server notice a client that
	// gave up, which ends r.Context().
	if err := r.ParseForm(); err != nil {
		g.t.Errorf("gateway: %v", err)
	}
	key, to := r.PostForm.Get("message"), r.PostForm.Get("to")
	if g.style == "courier" {
		key = r.PostForm.Get("id")
	}
	g.mu.Lock()
	s := stepOK
	if g.calls < len(g.script) {
		s = g.script[g.calls]
	}
	g.calls++
	g.requests[key]++
	g.mu.Unlock()

	switch s {
	case step500:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case step429:
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case stepHang:
		g.stall(r)
		return
	}
	if to == rejectedNumber {
		g.mu.Lock()
		g.rejected[key]++
		g.mu.Unlock()
		if g.style == "at" {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"SMSMessageData":{"Message":"Sent to 0/1","Recipients":[{"statusCode":403,"number":%q,"status":"InvalidPhoneNumber","cost":"0","messageId":"None"}]}}`, to)
		} else {
			http.Error(w, "invalid number", http.StatusBadRequest)
		}
		return
	}
	g.mu.Lock()
	if !g.dedupe || g.accepted[key] == 0 {
		g.accepted[key]++
	}
	id := fmt.Sprintf("ATXid_%d", g.calls)
	g.ids[key] = id
	g.mu.Unlock()
	switch s {
	case stepAcceptHang:
		g.stall(r)
		return
	case stepBlock:
		g.started <- struct{}{}
		<-g.release
	}
	if g.style == "at" {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: XOF 25","Recipients":[{"statusCode":101,"number":%q,"status":"Success","cost":"XOF 25","messageId":%q}]}}`, to, id)
		return
	}
	w.Write([]byte("queued"))
}

// stall waits until the client gives up; the cap only keeps a broken test
// from hanging.
func (g *gateway) stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
		g.t.Errorf("gateway: the client never gave up on a stalled request")
	}
}

// fakeClock is the worker's and outbox's clock in tests: time moves only
// when the test says.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
