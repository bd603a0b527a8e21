package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// errBadLogin is the one answer to a wrong name and to a wrong password,
// so that the body does not tell which it was.
var errBadLogin = muster.Errorf(muster.Unauthorized, "wrong name or password")

// dummyHash is checked against when the name is unknown, so that an
// unknown name costs the same argon2 work as a wrong password and timing
// does not tell whether a user exists. It is made on first use: hashing
// costs about 60 ms.
var dummyHash = sync.OnceValue(func() string {
	b := make([]byte, 24)
	rand.Read(b)
	h, err := auth.HashPassword(base64.RawStdEncoding.EncodeToString(b))
	if err != nil {
		panic("httpapi: hashing the dummy password: " + err.Error())
	}
	return h
})

// authenticate resolves the bearer token of r to a user and checks that
// their role may do action.
func (s *Server) authenticate(r *http.Request, action auth.Action) (*caller, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, muster.Errorf(muster.Unauthorized, "this route needs an Authorization: Bearer <token> header; POST /api/v1/login gives a token")
	}
	hash := auth.HashToken(token)
	u, err := s.store.SessionUser(r.Context(), hash)
	if err != nil {
		return nil, err
	}
	if action != Authenticated {
		if err := u.Authorize(action); err != nil {
			return nil, err
		}
	}
	return &caller{user: u, tokenHash: hash}, nil
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      auth.User `json:"user"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *caller) error {
	// Rate-limit before reading the body or hashing: the limit protects
	// the CPU as much as the passwords.
	if err := s.logins.allow(s.clientIP(r), s.now()); err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == "" || req.Password == "" {
		return muster.Errorf(muster.Invalid, "name and password are both required")
	}
	u, hash, err := s.store.UserByName(r.Context(), req.Name)
	switch {
	case muster.ErrorKind(err) == muster.NotFound:
		auth.CheckPassword(dummyHash(), req.Password)
		s.log.InfoContext(r.Context(), "login failed", "client", s.clientIP(r))
		return errBadLogin
	case err != nil:
		return err
	case !auth.CheckPassword(hash, req.Password):
		s.log.InfoContext(r.Context(), "login failed", "client", s.clientIP(r))
		return errBadLogin
	}
	token, tokenHash := auth.NewToken()
	expires := s.now().Add(s.ttl).UTC().Truncate(time.Second)
	if err := s.store.CreateSession(r.Context(), tokenHash, u.ID, expires); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "login", "user", u.Name, "client", s.clientIP(r))
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: expires, User: u})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.store.DeleteSession(r.Context(), c.tokenHash); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c *caller) error {
	writeJSON(w, http.StatusOK, c.user)
	return nil
}
