// Package gen builds deterministic azsim worlds: an Entra tenant with users, groups, applications,
// directory roles and licenses, and the Azure estate attached to it.
//
// Generation follows the CockroachDB workload rules. A Spec fully determines the output: entity i of kind
// k is generated from its own random stream seeded by (seed, k, i), its id is a hash of the same triple,
// cross-references (who is in group g) come from streams of their own, and timestamps are a fixed epoch
// plus offsets. The same Spec therefore yields a byte-identical truth export on every run and machine, and
// batches of entities may be generated concurrently. Version changes whenever the output does.
package gen

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Version identifies the generator's output. Bump it, and regenerate the golden files, whenever the world
// generated from some Spec changes.
const Version = 2

// epoch is the reference instant of every generated timestamp.
func epoch() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

// days returns epoch plus d days (d may be fractional or negative).
func days(d float64) time.Time {
	return epoch().Add(time.Duration(d * float64(24*time.Hour))).Truncate(time.Second)
}

// Reference points, in days after the epoch.
const (
	dayTenantCreated = -1800 // early 2019
	dayRecentStart   = 900   // mid 2026: sign-ins and risk updates happen after this
	dayRecentEnd     = 1020  // mid October 2026: and before this
	// PIM schedule ends fall in 2033–2034. azsim expires schedules on its real clock, so ends in the
	// near future would make the generated tenants shrink as time passes (generator v1 used 2027–2028).
	dayFutureStart = 3300 // early 2033
	dayFutureEnd   = 4000 // late 2034
)

// between returns a timestamp uniformly distributed between two day offsets.
func between(r *rand.Rand, from, to float64) time.Time {
	return days(from + r.Float64()*(to-from))
}

// Generate validates the spec and builds its world.
func Generate(s Spec) (*world.World, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b := &builder{spec: s, seed: s.Seed, dict: newDictionary(), w: &world.World{
		Preset: s.Preset, Seed: s.Seed, GeneratorVersion: Version,
	}}
	steps := []struct {
		name string
		run  func() error
	}{
		{"tenant", b.tenant},
		{"skus", b.skus},
		{"users", b.users},
		{"groups", b.groups},
		{"azure", b.azure},
		{"graph", b.graphServicePrincipal},
		{"registered apps", b.registeredApps},
		{"enterprise apps", b.enterpriseApps},
		{"managed identities", b.managedIdentities},
		{"memberships", b.memberships},
		{"app role assignments", b.appRoleAssignments},
		{"administrative units", b.administrativeUnits},
		{"directory roles", b.directoryRoles},
		{"group PIM", b.groupPIM},
		{"group licenses", b.groupLicenses},
		{"ARM roles", b.armRoles},
		{"RBAC", b.rbac},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			return nil, fmt.Errorf("gen: %s: %w", st.name, err)
		}
	}
	b.w.Reindex()
	return b.w, nil
}

// builder carries the world under construction and the derived indexes the steps share.
type builder struct {
	spec Spec
	seed uint64
	dict *dictionary
	w    *world.World

	skuIDs map[string]string // part number -> skuId, for SKUs the tenant subscribes to

	memberUsers  []int // indexes of Member (non-guest) users
	regularUsers []int // enabled members that are people (not shared, room or equipment mailboxes)
	groupInfo    []groupInfo
	// nestable lists groups that may contain or be contained by groups; chain and cycle are the fixed
	// nesting structures (see groups.go).
	nestable       []int
	chain          []int
	cycle          [2]int
	roleAssignable []int
	securityGroups []int // security-enabled groups (valid ARM and directory-role principals if assignable)

	graphSP    *world.ServicePrincipal
	appSPs     []*world.ServicePrincipal // enterprise apps
	ownAppSPs  []*world.ServicePrincipal // enterprise apps registered in this tenant
	miSPs      []*world.ServicePrincipal // managed identities
	registered []*world.ServicePrincipal // the three registered apps' service principals
	customARM  []customARMRole
}

// parallel runs fn over [0, n) split into contiguous chunks on all CPUs. fn must only write state owned by
// its indexes, so that the result does not depend on scheduling.
func parallel(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	const minChunk = 128
	if workers <= 1 || n <= minChunk {
		fn(0, n)
		return
	}
	chunk := max(minChunk, (n+workers*4-1)/(workers*4))
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// tenant fills in the tenant record.
func (b *builder) tenant() error {
	n := b.spec.Users
	size := "L"
	switch {
	case n < 50:
		size = "S"
	case n <= 500:
		size = "M"
	}
	b.w.Tenant = world.Tenant{
		ID:            guid(b.seed, "tenant", 0),
		DisplayName:   fmt.Sprintf("Contoso %d", b.seed),
		DefaultDomain: fmt.Sprintf("contoso%d.onmicrosoft.com", b.seed),
		CreatedAt:     days(dayTenantCreated),
		HasP2:         !b.spec.NoP2,
		SizeClass:     size,
	}
	return nil
}

// errNotEnough reports that the spec left too few entities of some kind for a fixed feature.
func errNotEnough(what string, need, have int) error {
	return fmt.Errorf("need at least %d %s, have %d", need, what, have)
}
