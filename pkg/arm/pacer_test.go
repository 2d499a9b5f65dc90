package arm

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPacer_A429HoldsItsSubscriptionOnly throttles the first read of subscription a with Retry-After 1 s:
// the next read of a waits it out, a read of subscription b does not.
func TestPacer_A429HoldsItsSubscriptionOnly(t *testing.T) {
	t.Parallel()
	var throttled atomic.Bool
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/subscriptions/a/") && throttled.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"SubscriptionRequestsThrottled","message":"slow down"}}`))
			return
		}
		w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", "240")
		_, _ = w.Write([]byte(`{"value":[]}`))
	})
	if _, err := c.ListResourceGroups(t.Context(), "a", ""); err == nil {
		t.Fatal("the throttled read succeeded")
	}
	if st := c.PacerStats("a"); st.Throttles != 1 {
		t.Fatalf("pacer of a saw %d throttles, want 1", st.Throttles)
	}
	start := time.Now()
	if _, err := c.ListResourceGroups(t.Context(), "b", ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("subscription b waited %v for a's Retry-After", d)
	}
	if _, err := c.ListResourceGroups(t.Context(), "a", ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("subscription a's next read started after %v, before its 1 s Retry-After", d)
	}
}

// TestPacer_FewRemainingReads_StartPacing reports 10 remaining reads: the subscription's pacer starts
// pacing (a rate is set), the other subscription's does not.
func TestPacer_FewRemainingReads_StartPacing(t *testing.T) {
	t.Parallel()
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		remaining := "240"
		if strings.HasPrefix(r.URL.Path, "/subscriptions/a/") {
			remaining = "10"
		}
		w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", remaining)
		_, _ = w.Write([]byte(`{"value":[]}`))
	})
	for _, sub := range []string{"a", "b"} {
		if _, err := c.ListResourceGroups(t.Context(), sub, ""); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.PacerStats("a"); st.Rate <= 0 || st.Pressure != 1 {
		t.Fatalf("subscription a: %+v, want paced after reporting 10 remaining reads", st)
	}
	if st := c.PacerStats("b"); st.Rate != 0 {
		t.Fatalf("subscription b: %+v, want unpaced", st)
	}
}
