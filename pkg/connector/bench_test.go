package connector_test

import (
	"context"
	"hash/fnv"
	"os"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// BenchmarkSync_Medium syncs azsim's medium tenant (10,000 users, 2,000 groups, 10 subscriptions, 200
// resource groups, 40 storage accounts × 5 containers, 3,000 Azure role assignments) completely, checks the
// c1z against the ground truth (every resource, entitlement and grant, compared as hashes so that the 3.3
// million grants of the inheritance case fit in memory) and reports the requests azsim served:
//
//	go test -run '^$' -bench Sync_Medium -benchtime 1x -timeout 30m ./pkg/connector/
//
// AZSIM_BENCH_PRESET picks another preset.
func BenchmarkSync_Medium(b *testing.B) {
	preset := os.Getenv("AZSIM_BENCH_PRESET")
	if preset == "" {
		preset = "medium"
	}
	for _, bc := range []struct {
		name string
		opts expectOpts
	}{
		{"inheritance", expectOpts{}},
		{"rbac-inheritance=structural", expectOpts{inheritance: "structural"}},
		{"rbac-inheritance=off", expectOpts{inheritance: "off"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s, cfg := simConfig(b, azsim.Options{Preset: preset, Seed: 1}, azsim.ReaderAppName)
				cfg.RbacInheritance = bc.opts.inheritance
				builder, _, err := connector.New(b.Context(), cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				path, err := synctest.Sync(b, synctest.Serve(b, builder))
				if err != nil {
					b.Fatalf("sync: %v", err)
				}
				wall := time.Since(start)
				b.StopTimer()
				got := hashC1Z(b, path)
				var want *hashedExpectation
				s.ReadWorld(func(w *world.World) { want = hashExpectation(expect(w, bc.opts), cycleGrants(w)) })
				want.compare(b, got)
				st := s.Stats()
				var armReqs, graphReqs int64
				for _, r := range st.Routes {
					switch r.Service {
					case "arm":
						armReqs += r.Requests
					case "graph":
						graphReqs += r.Requests
					}
				}
				for route, n := range armRequests(s) {
					b.Logf("ARM %-110s %d", route, n)
				}
				b.ReportMetric(float64(armReqs), "arm-requests")
				b.ReportMetric(float64(graphReqs), "graph-requests")
				b.ReportMetric(float64(got.grants.n), "grants")
				b.ReportMetric(wall.Seconds(), "sync-s")
				b.StartTimer()
			}
		})
	}
}

// hashSet is a set of 64-bit FNV hashes of keys.
type hashSet struct {
	m map[uint64]struct{}
	n int
}

func newHashSet() *hashSet { return &hashSet{m: map[uint64]struct{}{}} }

func hashOf(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func (h *hashSet) add(k string) {
	if _, ok := h.m[hashOf(k)]; !ok {
		h.n++
	}
	h.m[hashOf(k)] = struct{}{}
}

type hashedExpectation struct {
	resources, entitlements, grants, tolerated *hashSet
	examples                                   map[uint64]string // a few keys, to name what is missing
}

func hashExpectation(e *expectation, tolerated map[string]bool) *hashedExpectation {
	h := &hashedExpectation{resources: newHashSet(), entitlements: newHashSet(), grants: newHashSet(), tolerated: newHashSet(),
		examples: map[uint64]string{}}
	for k := range e.resources {
		h.resources.add(k)
	}
	for k := range e.entitlements {
		h.entitlements.add(k)
	}
	for k := range e.grants {
		h.grants.add(k)
		if !strings.HasPrefix(k, "group:") && len(h.examples) < 100000 {
			h.examples[hashOf(k)] = k
		}
	}
	for k := range tolerated {
		h.tolerated.add(k)
	}
	return h
}

func (want *hashedExpectation) compare(tb testing.TB, got *hashedExpectation) {
	tb.Helper()
	for _, c := range []struct {
		kind      string
		want, got *hashSet
	}{{"resources", want.resources, got.resources}, {"entitlements", want.entitlements, got.entitlements}, {"grants", want.grants, got.grants}} {
		missing, tolerated, extra := 0, 0, 0
		var examples []string
		for k := range c.want.m {
			if _, ok := c.got.m[k]; !ok {
				if _, tol := want.tolerated.m[k]; tol && c.kind == "grants" {
					tolerated++
					continue
				}
				missing++
				if ex, ok := want.examples[k]; ok && len(examples) < 5 {
					examples = append(examples, ex)
				}
			}
		}
		for k := range c.got.m {
			if _, ok := c.want.m[k]; !ok {
				extra++
			}
		}
		tb.Logf("%s: %d expected, %d synced (%d derived grants inside a group nesting cycle tolerated)", c.kind, c.want.n, c.got.n, tolerated)
		if missing > 0 || extra > 0 {
			tb.Errorf("%s: %d missing (e.g. %v), %d extra", c.kind, missing, examples, extra)
		}
	}
}

// hashC1Z reads a c1z page by page into hash sets of the same keys as fileSets.
func hashC1Z(tb testing.TB, path string) *hashedExpectation {
	tb.Helper()
	ctx := context.Background()
	st, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tb.TempDir()))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = st.Close(ctx) }()
	latest, err := st.SyncMeta().LatestFinishedSyncOfAnyType(ctx)
	if err != nil || latest == nil {
		tb.Fatalf("no finished sync in %s: %v", path, err)
	}
	if err := st.SetCurrentSync(ctx, latest.ID); err != nil {
		tb.Fatal(err)
	}
	h := &hashedExpectation{resources: newHashSet(), entitlements: newHashSet(), grants: newHashSet()}
	for tok := ""; ; {
		resp, err := st.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: tok, PageSize: 1000}.Build())
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range resp.GetList() {
			h.resources.add(r.GetId().GetResourceType() + "/" + r.GetId().GetResource())
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		resp, err := st.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: tok, PageSize: 1000}.Build())
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range resp.GetList() {
			h.entitlements.add(e.GetId())
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		resp, err := st.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: tok, PageSize: 1000}.Build())
		if err != nil {
			tb.Fatal(err)
		}
		for _, g := range resp.GetList() {
			p := g.GetPrincipal().GetId()
			h.grants.add(key(g.GetEntitlement().GetId(), p.GetResourceType(), p.GetResource()))
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	return h
}
