package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/sqlstore"
)

// BenchmarkCitizenWebLookup is one citizen look-up on the citizen page
// (POST /c/ with code and birth date) through the whole server but the
// network: guard, store, signature check, rendering. Each request comes
// from an address of its own, as behind a load balancer.
func BenchmarkCitizenWebLookup(b *testing.B) {
	db := sqlstore.OpenTest(b, filepath.Join(b.TempDir(), "muster.db"))
	f := newCitizenFixture(b, db)
	// The default guard, but one order code may be looked up b.N times.
	cfg := citizen.DefaultConfig()
	cfg.PerCode = citizen.Limit{Every: time.Nanosecond, Burst: 1 << 30}
	guard, err := citizen.NewGuard(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := f.server(guard)
	o := f.orders[2]
	body := url.Values{"code": {citizen.NumericCode(o.Code)}, "birth": {birthOf(7).Format("02/01/2006")}}.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := httptest.NewRequest("POST", "/c/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = "10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255) + ":4000"
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "vérifiée") {
			b.Fatalf("look-up: %d\n%s", w.Code, w.Body)
		}
	}
}
