package connector_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// loadOp is one provisioning request of the load test. done marks it finished; grant receives the grant
// a Grant returned (the ARM grants are revoked with it in the second wave).
type loadOp struct {
	name   string
	grant  *v2.Entitlement
	p      *v2.Resource
	revoke *v2.Grant
	got    *v2.Grant
}

// TestProvisionLoad_AThousandConcurrentGrantsAndRevokesUnderThrottling sends 1,000 grant and revoke
// requests, 24 at a time, through baton's builder (whose retryer honours our rate-limit details) against
// azsim with Graph's L-tenant and ARM's real buckets, plus 10 % of Graph membership writes and of ARM requests
// throttled. Each request
// either completes or fails with Unavailable (then it is re-sent, as the platform re-runs a task); any other
// outcome fails the test. In the end the tenant holds exactly what was requested.
func TestProvisionLoad_AThousandConcurrentGrantsAndRevokesUnderThrottling(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 provisioning requests")
	}
	t.Parallel()
	// The small tenant (1,000 users, 200 groups) has room for the operations; no sync is needed, the
	// requests name entitlements and principals by id as the platform does.
	s, cfg := simConfig(t, azsim.Options{Preset: "small", Seed: 81}, entraProvisionerApp)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx := &entraFixture{s: s, cl: synctest.Serve(t, b)}
	rules := []azsim.FaultRule{
		{Route: "POST /v1.0/groups/{id}/members/$ref", Kind: azsim.FaultThrottle, Probability: 0.10, RetryAfter: 200 * time.Millisecond},
		{Route: "DELETE /v1.0/groups/{id}/members/{oid}/$ref", Kind: azsim.FaultThrottle, Probability: 0.10, RetryAfter: 200 * time.Millisecond},
		{Route: "arm", Kind: azsim.FaultThrottle, Probability: 0.10, RetryAfter: time.Second},
	}
	if err := fx.s.SetFaults("none", rules...); err != nil {
		t.Fatal(err)
	}
	if err := fx.s.SetThrottle("L"); err != nil {
		t.Fatal(err)
	}

	// Plan: group-member grants of (plain group, user) pairs that do not exist, revokes of direct user
	// memberships that do, and active Reader assignments of users on subscriptions (revoked in a second wave).
	const memberGrants, memberRevokes, rbacGrants = 450, 250, 150
	var ops []*loadOp
	wantMember := map[[2]string]bool{} // (group, user) → member afterwards
	var subs []string
	fx.s.ReadWorld(func(w *world.World) {
		r := rand.New(rand.NewPCG(81, 1))
		var groups []*world.Group
		for _, g := range w.Groups {
			if g.SecurityEnabled && !g.MailEnabled && !g.IsDynamic() && !g.IsUnified() && !g.IsAssignableToRole && !entraSynced(g.OnPremisesSyncEnabled) {
				groups = append(groups, g)
			}
		}
		var users []string
		for _, u := range w.Users {
			users = append(users, u.ID)
		}
		var add, remove [][2]string
		for _, g := range groups {
			for _, u := range users {
				if g.HasMember(u) {
					remove = append(remove, [2]string{g.ID, u})
				} else {
					add = append(add, [2]string{g.ID, u})
				}
			}
		}
		r.Shuffle(len(add), func(i, j int) { add[i], add[j] = add[j], add[i] })
		r.Shuffle(len(remove), func(i, j int) { remove[i], remove[j] = remove[j], remove[i] })
		if len(add) < memberGrants || len(remove) < memberRevokes {
			t.Fatalf("small has %d possible member grants and %d direct user memberships; the test needs %d and %d",
				len(add), len(remove), memberGrants, memberRevokes)
		}
		for _, pr := range add[:memberGrants] {
			wantMember[pr] = true
			ops = append(ops, &loadOp{name: "add " + pr[1] + " to " + pr[0], grant: entStub("group:" + pr[0] + ":member"), p: stub("user", pr[1])})
		}
		for _, pr := range remove[:memberRevokes] {
			wantMember[pr] = false
			ent := entStub("group:" + pr[0] + ":member")
			ops = append(ops, &loadOp{name: "remove " + pr[1] + " from " + pr[0], revoke: v2.Grant_builder{
				Id: ent.GetId() + ":user:" + pr[1], Entitlement: ent, Principal: stub("user", pr[1])}.Build()})
		}
		for _, s := range w.Subscriptions {
			subs = append(subs, s.ID)
		}
		var n int
		for _, u := range users {
			if n == rbacGrants {
				break
			}
			if slices.ContainsFunc(w.ARMAssignments, func(a *world.ARMRoleAssignment) bool { return a.PrincipalID == u }) {
				continue
			}
			for _, s := range subs {
				if n < rbacGrants {
					n++
					ops = append(ops, &loadOp{name: "Reader for " + u + " on " + s,
						grant: entStub(connector.FormatRBACEntitlementID(connector.RBACEntitlement{ResourceType: "subscription", ScopeID: s,
							RoleID: readerRoleID, State: connector.RBACActive})), p: stub("user", u)})
				}
			}
		}
		if n < rbacGrants {
			t.Fatalf("small has room for only %d Reader assignments; the test needs %d", n, rbacGrants)
		}
	})
	r := rand.New(rand.NewPCG(81, 2))
	r.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

	var resent atomic.Int64
	run := func(ops []*loadOp) {
		t.Helper()
		queue := make(chan *loadOp, len(ops))
		for _, op := range ops {
			queue <- op
		}
		// Every operation is outstanding exactly once, so re-queueing never blocks; the queue closes when
		// all are finished.
		var pending sync.WaitGroup
		pending.Add(len(ops))
		go func() { pending.Wait(); close(queue) }()
		var wg sync.WaitGroup
		for range 24 {
			wg.Go(func() {
				for op := range queue {
					err := fx.do(t.Context(), op)
					switch status.Code(err) {
					case codes.OK:
						pending.Done()
					case codes.Unavailable:
						resent.Add(1)
						time.Sleep(100 * time.Millisecond)
						queue <- op
					default:
						t.Errorf("%s: %v (want success, or Unavailable to retry)", op.name, err)
						pending.Done()
					}
				}
			})
		}
		wg.Wait()
	}

	start := time.Now()
	run(ops)
	var second []*loadOp
	for _, op := range ops {
		if op.got != nil && strings.HasPrefix(op.got.GetEntitlement().GetId(), "subscription:") {
			second = append(second, &loadOp{name: "revoke " + op.name, revoke: op.got})
		}
	}
	if len(second) != rbacGrants {
		t.Fatalf("%d Reader grants returned a grant; want %d", len(second), rbacGrants)
	}
	run(second)
	total := len(ops) + len(second)
	st := fx.s.Stats()
	t.Logf("%d operations in %v; %d re-sent after Unavailable; azsim: %d requests, %d throttled, %d injected faults",
		total, time.Since(start).Round(time.Millisecond), resent.Load(), st.Requests, st.Throttled, st.Faults["throttle"])
	if total != 1000 {
		t.Errorf("%d operations, want 1,000", total)
	}

	fx.s.ReadWorld(func(w *world.World) {
		for pr, want := range wantMember {
			if got := w.Group(pr[0]).HasMember(pr[1]); got != want {
				t.Errorf("user %s member of group %s: %v, want %v", pr[1], pr[0], got, want)
			}
		}
		for _, op := range second {
			p := op.revoke.GetPrincipal().GetId().GetResource()
			if slices.ContainsFunc(w.ARMAssignments, func(a *world.ARMRoleAssignment) bool { return a.PrincipalID == p }) {
				t.Errorf("%s: the user still has an Azure role assignment", op.name)
			}
		}
	})
	if st.Throttled+st.Faults["throttle"] == 0 {
		t.Error("nothing was throttled: the test did not exercise throttling")
	}
}

// readerRoleID is the built-in Azure Reader role.
const readerRoleID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"

// do sends one operation through baton's builder, as the platform does.
func (fx *entraFixture) do(ctx context.Context, op *loadOp) error {
	if op.revoke != nil {
		_, err := fx.revoke(ctx, op.revoke)
		return err
	}
	resp, err := fx.grant(ctx, op.grant, op.p)
	if err != nil {
		return err
	}
	gs := resp.GetGrants()
	if len(gs) == 0 {
		// GrantAlreadyExists after a write whose answer was lost is fine only if it was this test's own
		// earlier attempt; the first attempt of a fresh pair never sees it.
		return nil
	}
	if len(gs) != 1 {
		return status.Error(codes.Internal, fmt.Sprintf("%d grants returned", len(gs)))
	}
	op.got = gs[0]
	return nil
}
