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

// TestPacer_IdentityProtection429_HoldsOnlyItsOwnBudget: Identity Protection's small budget answers 429
// without Retry-After; that holds the next riskyUsers read for the default second, but not the reads
// charged to the app's resource-unit budget, and the other way round.
func TestPacer_IdentityProtection429_HoldsOnlyItsOwnBudget(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, azsim.Options{Preset: "tiny", FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/identityProtection/riskyUsers", Kind: azsim.FaultThrottle, Count: 1},
		{Route: "GET /v1.0/groups", Kind: azsim.FaultThrottle, RetryAfter: 2 * time.Second, Count: 1}}})
	ctx := context.Background()
	if _, err := c.ListRiskyUsers(ctx, ""); err == nil {
		t.Fatal("the throttled riskyUsers read succeeded")
	}
	start := time.Now()
	if _, err := c.ListUsers(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("a users read waited %v behind Identity Protection's 429", d)
	}
	if _, err := c.ListRiskyUsers(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("the next riskyUsers read came %v after its 429, before the default second", d)
	}
	if _, err := c.ListGroups(ctx, ""); err == nil {
		t.Fatal("the throttled groups read succeeded")
	}
	start = time.Now()
	if _, err := c.ListRiskyUsers(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("a riskyUsers read waited %v behind the resource-unit budget's 2 s Retry-After", d)
	}
	if dir, prot := c.PacerStats(), c.IdentityProtectionPacerStats(); dir.Throttles != 1 || prot.Throttles != 1 {
		t.Errorf("throttles seen: resource units %d, identity protection %d; want 1 and 1", dir.Throttles, prot.Throttles)
	}
}
