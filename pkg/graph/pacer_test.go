package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// TestPacer_A429HoldsTheClientsNextRequestForItsRetryAfter: after Graph answers 429 with Retry-After
// 0.3 s, the client's next request (to any endpoint) starts only once that time has passed.
func TestPacer_A429HoldsTheClientsNextRequestForItsRetryAfter(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, azsim.Options{Preset: "tiny", FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/groups", Kind: azsim.FaultThrottle, RetryAfter: 300 * time.Millisecond, Count: 1}}})
	if _, err := c.ListGroups(context.Background(), ""); err == nil {
		t.Fatal("the throttled request succeeded")
	}
	start := time.Now()
	if _, err := c.ListUsers(context.Background(), "", false); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("next request finished after %v, before the 0.3 s Retry-After", d)
	}
	if st := c.PacerStats(); st.Throttles != 1 || st.Rate <= 0 {
		t.Fatalf("pacer %+v: want one throttle and a paced rate", st)
	}
}
