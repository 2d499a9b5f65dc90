package graph_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// ids lists the ids of one page read without batching.
func memberIDs(t *testing.T, c *graph.Client, groupID string, owners bool) []string {
	t.Helper()
	list := c.ListGroupMembers
	if owners {
		list = c.ListGroupOwners
	}
	var out []string
	for next := ""; ; {
		p, err := list(context.Background(), groupID, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Value {
			out = append(out, o.ID)
		}
		if next = p.NextLink; next == "" {
			return out
		}
	}
}

func TestGetBatch_AnswersEveryTargetInOrder_AcrossSeveralBatches(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, azsim.Options{Preset: "tiny", Seed: 3})
	var groups []string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups[:min(len(w.Groups), 25)] {
			groups = append(groups, g.ID)
		}
	})
	var targets []string
	for _, g := range groups {
		targets = append(targets, graph.GroupMembersPath(g), graph.GroupOwnersPath(g))
	}
	res, err := c.GetBatch(context.Background(), targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(targets) {
		t.Fatalf("%d results for %d targets", len(res), len(targets))
	}
	for i, g := range groups {
		for k, owners := range []bool{false, true} {
			p, err := graph.DecodePage[graph.DirectoryObject](res[2*i+k])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range p.Value {
				got = append(got, o.ID)
			}
			if want := memberIDs(t, c, g, owners); !equal(got, want) {
				t.Fatalf("group %s owners=%v: batched %v, direct %v", g, owners, got, want)
			}
		}
	}
	if n := s.Stats().Route("POST", "/v1.0/$batch").Requests; n != int64((len(targets)+graph.BatchSize-1)/graph.BatchSize) {
		t.Fatalf("%d $batch requests for %d targets", n, len(targets))
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGetBatch_FollowsANextLink_AndRefusesOneToAnotherHost(t *testing.T) {
	t.Parallel()
	// small has 1,000 users: the first page of 999 has a next link.
	_, c := newClient(t, azsim.Options{Preset: "small"})
	p, err := c.ListUsers(context.Background(), "", false)
	if err != nil || p.NextLink == "" {
		t.Fatalf("first page: next link %q, %v", p.NextLink, err)
	}
	res, err := c.GetBatch(context.Background(), []string{p.NextLink})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := graph.DecodePage[graph.User](res[0])
	if err != nil || len(rest.Value) != 1 || rest.NextLink != "" {
		t.Fatalf("second page through $batch: %d users, next %q, %v; want the 1 remaining user", len(rest.Value), rest.NextLink, err)
	}
	_, err = c.GetBatch(context.Background(), []string{"https://evil.example.com/v1.0/users?$skiptoken=x"})
	var fh *graph.ForeignHostError
	if !errors.As(err, &fh) {
		t.Fatalf("foreign next link: %v, want ForeignHostError", err)
	}
}

func TestGetBatch_ThrottledSubRequests_AreResentAfterTheirRetryAfter(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, azsim.Options{Preset: "tiny", Seed: 4, FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/groups/{id}/members", Kind: azsim.FaultThrottle, RetryAfter: 50 * time.Millisecond, Count: 3}}})
	var groups []string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups[:5] {
			groups = append(groups, g.ID)
		}
	})
	var targets []string
	for _, g := range groups {
		targets = append(targets, graph.GroupMembersPath(g))
	}
	start := time.Now()
	res, err := c.GetBatch(context.Background(), targets)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("target %d: %v after resending", i, r.Err)
		}
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("resent after %v, before the 50 ms Retry-After", d)
	}
	st := s.Stats()
	if st.Faults["throttle"] != 3 || st.Route("POST", "/v1.0/$batch").Requests != 2 {
		t.Fatalf("%d throttled sub-requests in %d batches; want 3 throttled, resent in a second batch", st.Faults["throttle"],
			st.Route("POST", "/v1.0/$batch").Requests)
	}
	if ps := c.PacerStats(); ps.Throttles != 3 {
		t.Fatalf("pacer saw %d throttles, want 3", ps.Throttles)
	}
}

func TestGetBatch_FailedOrAlwaysThrottledSubRequests_ReturnTheirErrors(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, azsim.Options{Preset: "tiny", Seed: 5, FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/groups/{id}/owners", Kind: azsim.FaultError, Status: 500},
		{Route: "GET /v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", Kind: azsim.FaultThrottle, RetryAfter: 10 * time.Millisecond}}})
	var g string
	s.ReadWorld(func(w *world.World) { g = w.Groups[0].ID })
	res, err := c.GetBatch(context.Background(), []string{graph.GroupMembersPath(g), graph.GroupOwnersPath(g), graph.GroupEligibilitiesPath(g)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := graph.DecodePage[graph.DirectoryObject](res[0]); err != nil {
		t.Fatalf("members: %v", err)
	}
	if e, ok := graph.AsError(res[1].Err); !ok || e.StatusCode != http.StatusInternalServerError || !e.Retryable() && e.StatusCode != 500 {
		t.Fatalf("owners: %v, want the sub-request's 500", res[1].Err)
	}
	if p, err := graph.DecodePage[graph.DirectoryObject](res[1]); err == nil || len(p.Value) != 0 {
		t.Fatal("a failed sub-request decoded as a page")
	}
	e, ok := graph.AsError(res[2].Err)
	if !ok || e.StatusCode != http.StatusTooManyRequests || e.RetryAfter != 10*time.Millisecond {
		t.Fatalf("eligibility: %v, want 429 with its Retry-After after the last round", res[2].Err)
	}
}

// A sub-request refused because the token expired (or was revoked) early is resent, like a throttled one,
// instead of failing the whole read as Unauthenticated.
func TestGetBatch_SubRequestWithAnExpiredToken_IsResent(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, azsim.Options{Preset: "tiny", Seed: 4, FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/groups/{id}/owners", Kind: azsim.FaultTokenExpired, MaxTokenAge: time.Nanosecond, Count: 2}}})
	var targets []string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups[:4] {
			targets = append(targets, graph.GroupOwnersPath(g.ID))
		}
	})
	res, err := c.GetBatch(context.Background(), targets)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("target %d: %v after resending", i, r.Err)
		}
	}
	st := s.Stats()
	if st.Faults["token_expired"] != 2 || st.Route("POST", "/v1.0/$batch").Requests != 2 {
		t.Fatalf("%d expired-token sub-requests in %d batches; want 2, resent in a second batch", st.Faults["token_expired"],
			st.Route("POST", "/v1.0/$batch").Requests)
	}
}
