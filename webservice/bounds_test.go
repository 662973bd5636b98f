package webservice

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"golang.org/x/time/rate"

	"github.com/wallet-operator/wallet-operator/webservice/ratelimit"
)

// One client cannot use up the device log: another client's lines are
// still written while the first floods.
func TestDeviceLogIsLimitedPerClient(t *testing.T) {
	var logged atomic.Int32
	s := &Server{
		log:        funcr.New(func(_, args string) { logged.Add(1) }, funcr.Options{}),
		logLimiter: rate.NewLimiter(50, 200),
		logLines:   ratelimit.New(1, 20, 100, time.Minute),
	}
	send := func(remote string) {
		lines := make([]string, 20)
		for i := range lines {
			lines[i] = fmt.Sprintf("line %d", i)
		}
		body := `{"logs":["` + strings.Join(lines, `","`) + `"]}`
		r := httptest.NewRequest("POST", "/v1/log", strings.NewReader(body))
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		s.deviceLog(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("log: %d", w.Code)
		}
	}
	for range 100 {
		send("203.0.113.1:1000")
	}
	flooder := logged.Load()
	send("198.51.100.2:1000")
	if flooder > 40 {
		t.Errorf("one client wrote %d log lines", flooder)
	}
	if logged.Load() == flooder {
		t.Error("another client's lines were dropped after one client flooded")
	}
}
