package statusrec

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatus(t *testing.T) {
	for name, c := range map[string]struct {
		handle func(w http.ResponseWriter)
		want   int
	}{
		"nothing written":   {func(http.ResponseWriter) {}, http.StatusOK},
		"body only":         {func(w http.ResponseWriter) { w.Write([]byte("x")) }, http.StatusOK},
		"explicit status":   {func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot},
		"first status wins": {func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound); w.WriteHeader(http.StatusOK) }, http.StatusNotFound},
		"status after body": {func(w http.ResponseWriter) { w.Write([]byte("x")); w.WriteHeader(http.StatusNotFound) }, http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		w := New(rec)
		c.handle(w)
		if got := w.Status(); got != c.want {
			t.Errorf("%s: Status() = %d, want %d", name, got, c.want)
		}
		if rc := http.NewResponseController(w); rc == nil {
			t.Errorf("%s: no response controller", name)
		}
	}
}
