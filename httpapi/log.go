package httpapi

import (
	"net/http"
	"strconv"

	"github.com/muster-org/muster"
)

// The transparency log's public routes. They are outside /api/v1 and need
// no login: anyone may check that an order is in the log, and that the
// log only ever grows.

// serveCheckpoint answers the latest checkpoint as a C2SP signed note,
// signing a new one first when the log has grown and the server holds
// the log key.
func (s *Server) serveCheckpoint(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var cp []byte
	if s.logSigner != nil {
		var err error
		if cp, err = s.store.SignCheckpoint(r.Context(), s.logSigner); err != nil {
			return err
		}
	} else {
		stored, ok, err := s.store.LatestCheckpoint(r.Context())
		if err != nil {
			return err
		}
		if !ok {
			return muster.Errorf(muster.NotFound, "no checkpoint has been signed yet")
		}
		cp = stored
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(cp)
	return err
}

// proofResponse is an inclusion or consistency proof: the hashes are
// base64, in the order of RFC 6962 / RFC 9162.
type proofResponse struct {
	Index  *uint64  `json:"index,omitempty"`
	Old    *uint64  `json:"old,omitempty"`
	Size   uint64   `json:"size"`
	Hashes [][]byte `json:"hashes"`
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request, _ *caller) error {
	index, err := uintParam(r, "index")
	if err != nil {
		return err
	}
	size, err := uintParam(r, "size")
	if err != nil {
		return err
	}
	proof, err := s.store.Log().InclusionProof(r.Context(), index, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, proofResponse{Index: &index, Size: size, Hashes: nonNil(proof)})
	return nil
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request, _ *caller) error {
	old, err := uintParam(r, "old")
	if err != nil {
		return err
	}
	size, err := uintParam(r, "size")
	if err != nil {
		return err
	}
	proof, err := s.store.Log().ConsistencyProof(r.Context(), old, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, proofResponse{Old: &old, Size: size, Hashes: nonNil(proof)})
	return nil
}

// serveLeaf answers a leaf exactly as hashed into the tree.
func (s *Server) serveLeaf(w http.ResponseWriter, r *http.Request, _ *caller) error {
	index, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		return muster.Errorf(muster.Invalid, "leaf index %q is not a whole number", r.PathValue("index"))
	}
	leaf, err := s.store.Log().Leaf(r.Context(), index)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(leaf)
	return err
}

func uintParam(r *http.Request, name string) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, muster.Errorf(muster.Invalid, "query parameter %s is required", name)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, muster.Errorf(muster.Invalid, "query parameter %s: %q is not a whole number", name, v)
	}
	return n, nil
}

func nonNil(p [][]byte) [][]byte {
	if p == nil {
		return [][]byte{}
	}
	return p
}
