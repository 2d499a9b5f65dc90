package connector

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// TestRiskLevels_ThrottledPages_AreRetriedInPlace: the risk levels are gathered in one call; Graph's
// Identity Protection budget (about one request per second) throttles it. The call must retry the throttled
// page itself and answer every risky user — returning the 429 would make baton-sdk restart the whole
// listing, which on a large tenant is throttled again at the same depth, forever.
func TestRiskLevels_ThrottledPages_AreRetriedInPlace(t *testing.T) {
	t.Parallel()
	const route = "/v1.0/identityProtection/riskyUsers"
	s, cfg := simCfg(t, azsim.Options{Preset: "tiny", Seed: 5, FaultRules: []azsim.FaultRule{
		{Route: "GET " + route, Kind: azsim.FaultThrottle, Count: 3, RetryAfter: 10 * time.Millisecond}}})
	c, err := newConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.risk.get(t.Context(), c, "sync-1")
	if err != nil {
		t.Fatalf("risk levels under 3 throttled pages: %v", err)
	}
	want := map[string]bool{}
	s.ReadWorld(func(w *world.World) {
		for _, u := range w.Users {
			if u.Risk != nil {
				want[strings.ToLower(u.ID)] = true
			}
		}
	})
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%d risky users read, the tenant has %d", len(got), len(want))
	}
	for id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("risky user %s missing", id)
		}
	}
	if r := s.Stats().Route("GET", route); r.Requests != 4 || r.Faults["throttle"] != 3 {
		t.Errorf("risky users route: %d requests, faults %v; want 4 requests, 3 throttled", r.Requests, r.Faults)
	}
}
