package officerweb

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/httpapi/clientaddr"
)

// sessionCookie holds the session token; the store keeps only its hash.
const sessionCookie = "muster_session"

// dummyHash is checked when a name is unknown, so that an unknown name
// costs the same argon2 work as a wrong password and timing does not tell
// whether a user exists (as the JSON API's login does).
var dummyHash = sync.OnceValue(func() string {
	b := make([]byte, 24)
	rand.Read(b)
	h, err := auth.HashPassword(base64.RawStdEncoding.EncodeToString(b))
	if err != nil {
		panic("officerweb: hashing the dummy password: " + err.Error())
	}
	return h
})

// session resolves the session cookie to its user.
func (h *Handler) session(r *http.Request) (auth.User, []byte, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return auth.User{}, nil, muster.Errorf(muster.Unauthorized, "not logged in")
	}
	hash := auth.HashToken(c.Value)
	u, err := h.store.SessionUser(r.Context(), hash)
	return u, hash, err
}

// csrfToken is the token every POST form of a session carries: an HMAC of
// the session's token hash, so that it needs no storage and changes with
// every login.
func (h *Handler) csrfToken(tokenHash []byte) string {
	m := hmac.New(sha256.New, h.csrfKey)
	m.Write([]byte("officerweb-csrf|"))
	m.Write(tokenHash)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *Handler) validCSRF(tokenHash []byte, got string) bool {
	want := h.csrfToken(tokenHash)
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

type loginPage struct {
	Name, Next string
	Problem    string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, c *call) error {
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = ""
	}
	if u, hash, err := h.session(r); err == nil {
		c.user, c.tokenHash = u, hash
	}
	h.render(w, r, c, http.StatusOK, "login", txtLoginTitle, loginPage{Next: next})
	return nil
}

// login checks a name and password and opens a session. The form is not
// CSRF-protected (there is no session yet), so a request from another
// site, which browsers mark with its Origin, is refused.
func (h *Handler) login(w http.ResponseWriter, r *http.Request, c *call) error {
	if origin := r.Header.Get("Origin"); origin != "" && !sameHost(origin, r.Host) {
		return muster.Errorf(muster.Forbidden, "login from another site")
	}
	name, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	pg := loginPage{Name: name, Next: r.PostFormValue("next")}
	if !localPath(pg.Next) {
		pg.Next = ""
	}
	// Rate-limit before hashing: the limit protects the CPU as much as
	// the passwords.
	if !h.logins.allow(h.clientIP(r), h.now()) {
		pg.Problem = string(txtLoginLimited)
		h.render(w, r, c, http.StatusTooManyRequests, "login", txtLoginTitle, pg)
		return nil
	}
	if name == "" || password == "" {
		pg.Problem = string(txtLoginMissing)
		h.render(w, r, c, http.StatusBadRequest, "login", txtLoginTitle, pg)
		return nil
	}
	u, hash, err := h.store.UserByName(r.Context(), name)
	switch {
	case muster.ErrorKind(err) == muster.NotFound:
		auth.CheckPassword(dummyHash(), password)
		err = nil
	case err != nil:
		return err
	case auth.CheckPassword(hash, password):
		token, tokenHash := auth.NewToken()
		expires := h.now().Add(h.ttl).UTC().Truncate(time.Second)
		if err := h.store.CreateSession(r.Context(), tokenHash, u.ID, expires); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: Prefix, Expires: expires,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		h.log.InfoContext(r.Context(), "officer web login", "user", u.Name, "client", h.clientIP(r))
		target := pg.Next
		if target == "" {
			target = Prefix
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	h.log.InfoContext(r.Context(), "officer web login failed", "client", h.clientIP(r))
	pg.Problem = string(txtLoginWrong)
	h.render(w, r, c, http.StatusUnauthorized, "login", txtLoginTitle, pg)
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.store.DeleteSession(r.Context(), c.tokenHash); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/o/login", http.StatusSeeOther)
	return nil
}

func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host == host
}

// ipLimiter keeps one token bucket per client address.
type ipLimiter struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(limit rate.Limit, burst int) *ipLimiter {
	return &ipLimiter{limit: limit, burst: burst, clients: map[string]*bucket{}}
}

// allow takes a token from client's bucket. Buckets that have refilled
// are forgotten once a minute, so that the map does not grow with every
// address ever seen.
func (l *ipLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		l.lastSweep = now
		full := time.Duration(float64(l.burst+1) / float64(l.limit) * float64(time.Second))
		for k, b := range l.clients {
			if now.Sub(b.seen) > full {
				delete(l.clients, k)
			}
		}
	}
	b := l.clients[client]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// clientIP names the client for the login limit: the peer, or when the
// peer is a trusted proxy the nearest untrusted address of
// X-Forwarded-For. IPv6 clients are counted by /64, which one host
// usually holds whole.
func (h *Handler) clientIP(r *http.Request) string { return clientaddr.Of(r, h.proxies) }
