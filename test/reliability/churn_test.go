package reliability

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/internal/c1zread"
	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// TestChurnDuringSync_FileIsInternallyConsistent changes the tenant every 100 ms (60 rounds at most) while the real binary
// syncs it — users
// created, deleted and disabled, memberships, directory and Azure role assignments added and removed —
// and checks that the file is consistent in itself: every grant's principal and every entitlement's
// resource is a resource of the file, and every grant's entitlement is an entitlement of the file.
// (The file cannot equal any single state of a tenant that changed under it; docs/reliability.md.)
func TestChurnDuringSync_FileIsInternallyConsistent(t *testing.T) {
	t.Parallel()
	s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 41})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rounds int
	var churnErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if rounds >= 60 { // at most 6 s of churn: enough to straddle the resource and grant phases
					continue
				}
				if _, err := s.Churn(azsim.ChurnSpec{AddUsers: 5, RemoveUsers: 5, DisableUsers: 5, Memberships: 10,
					RoleAssignments: 10, RBACAssignments: 10}); err != nil {
					churnErr = err
					return
				}
				rounds++
			}
		}
	}()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	r := runBinary(t, connectorArgs(e, path), "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret)
	close(stop)
	wg.Wait()
	if r.Err != nil {
		t.Fatalf("sync: %v\n%s", r.Err, tail(r.Stderr, 3000))
	}
	if churnErr != nil {
		t.Fatal(churnErr)
	}
	if rounds < 3 {
		t.Fatalf("only %d churn rounds ran during the sync", rounds)
	}
	f, err := c1zread.Read(context.Background(), path, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	resources := map[string]bool{}
	for _, r := range f.Resources {
		resources[r.GetId().GetResourceType()+"/"+r.GetId().GetResource()] = true
	}
	entitlements := map[string]bool{}
	for _, en := range f.Entitlements {
		entitlements[en.GetId()] = true
		if id := en.GetResource().GetId(); !resources[id.GetResourceType()+"/"+id.GetResource()] {
			t.Errorf("entitlement %s belongs to %s/%s, which is not in the file", en.GetId(), id.GetResourceType(), id.GetResource())
		}
	}
	var bad int
	for _, g := range f.Grants {
		p := g.GetPrincipal().GetId()
		if !resources[p.GetResourceType()+"/"+p.GetResource()] {
			if bad++; bad <= 10 {
				t.Errorf("grant %s is to %s/%s, which is not in the file", g.GetId(), p.GetResourceType(), p.GetResource())
			}
		}
		if !entitlements[g.GetEntitlement().GetId()] {
			if bad++; bad <= 10 {
				t.Errorf("grant %s is of entitlement %s, which is not in the file", g.GetId(), g.GetEntitlement().GetId())
			}
		}
	}
	if n := strings.Count(r.Stderr, "to principals created after they were listed"); n == 0 {
		t.Log("no grant needed dropping in this run")
	} else {
		t.Logf("%d grant lists dropped grants to principals created mid-sync", n)
	}
	t.Logf("%d churn rounds during the sync; %d resources, %d entitlements, %d grants; %d inconsistent", rounds,
		len(f.Resources), len(f.Entitlements), len(f.Grants), bad)
}
