// Package groundtruth derives, from an azsim world, exactly what a baton-azure sync must contain —
// resource ids, entitlement ids and grant keys, including the grants baton-sdk's expansion derives through
// nested groups and (unless disabled) inherited Azure role assignments — and compares it with a synced
// .c1z as sets of 64-bit hashes, so that the tens of millions of grants of a large tenant fit in memory.
//
// It is the one oracle of the project: pkg/connector's sync tests collect it into sets of strings
// (expect_test.go), cmd/azbench and test/reliability compare hashes. Keys are emitted to a Sink; inherited
// RBAC grants are emitted scope by scope from the direct holders up the scope chain rather than
// materialised per entitlement.
package groundtruth

import (
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Options are the connector settings that change what a sync contains.
type Options struct {
	SkipP2          bool   // --skip-entra-id-p2-license-features
	SkipADGroups    bool   // --skip-ad-groups
	SkipUnusedRoles bool   // --skip-unused-roles
	SkipContainers  bool   // --skip-sync-storage-containers
	Inheritance     string // --rbac-inheritance: "" or "effective", "structural", "off"
}

// Sink receives the ground truth. Keys may be emitted more than once.
type Sink interface {
	Resource(typ, id string)
	Entitlement(id string)
	Grant(entitlementID, principalType, principalID string)
}

// ResourceKey, GrantKey: the printable keys of resources ("type/id") and grants
// ("entitlement id -> type/id"); an entitlement's key is its id.
func ResourceKey(typ, id string) string { return typ + "/" + id }

// GrantKey is the printable key of a grant.
func GrantKey(entitlementID, principalType, principalID string) string {
	return entitlementID + " -> " + principalType + "/" + principalID
}

// principalType maps a directory object to the connector's resource type.
func principalType(w *world.World, r world.Ref) string {
	switch r.Kind {
	case world.KindUser:
		return "user"
	case world.KindGroup:
		return "group"
	}
	if sp := w.ServicePrincipal(r.ID); sp != nil && sp.ServicePrincipalType == "ManagedIdentity" {
		return "managed_identity"
	}
	return "enterprise_application"
}

// expander computes (and caches) the non-group principals reachable from a group through nested
// membership, skipping groups that are not synced.
type expander struct {
	w      *world.World
	o      Options
	closed map[string][]world.Ref
}

func (x *expander) synced(g *world.Group) bool {
	return g == nil || !(x.o.SkipADGroups && g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled)
}

func (x *expander) transitive(g *world.Group) []world.Ref {
	if out, ok := x.closed[g.ID]; ok {
		return out
	}
	seen := map[string]bool{g.ID: true}
	var out []world.Ref
	queue := []*world.Group{g}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, m := range cur.Members {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			if m.Kind == world.KindGroup {
				if ng := x.w.Group(m.ID); ng != nil && x.synced(ng) {
					queue = append(queue, ng)
				}
				continue
			}
			out = append(out, m)
		}
	}
	x.closed[g.ID] = out
	return out
}

// Expect emits the ground truth of w as baton-azure with options o syncs it.
func Expect(w *world.World, o Options, s Sink) {
	x := &expander{w: w, o: o, closed: map[string][]world.Ref{}}
	ent := func(typ, id, slug string) string {
		eid := typ + ":" + id + ":" + slug
		s.Entitlement(eid)
		return eid
	}
	// grant emits a direct grant and, for a group principal, the grants derived to its members.
	grant := func(eid string, r world.Ref) {
		if r.Kind == world.KindGroup && !x.synced(w.Group(r.ID)) {
			return // skip-ad-groups: no grants to groups that are not synced
		}
		s.Grant(eid, principalType(w, r), r.ID)
		if r.Kind == world.KindGroup {
			if g := w.Group(r.ID); g != nil {
				for _, m := range x.transitive(g) {
					s.Grant(eid, principalType(w, m), m.ID)
				}
			}
		}
	}

	s.Resource("tenant", w.Tenant.ID)
	for _, u := range w.Users {
		s.Resource("user", u.ID)
	}
	for _, g := range w.Groups {
		if !x.synced(g) {
			continue
		}
		s.Resource("group", g.ID)
		ent("group", g.ID, "member")
		ent("group", g.ID, "owner")
		if !o.SkipP2 {
			ent("group", g.ID, "eligible-member")
			ent("group", g.ID, "eligible-owner")
		}
	}
	for _, g := range w.Groups {
		if !x.synced(g) {
			continue
		}
		for _, m := range g.Members {
			grant("group:"+g.ID+":member", m)
		}
		for _, m := range g.Owners {
			grant("group:"+g.ID+":owner", m)
		}
	}
	if !o.SkipP2 {
		for _, a := range w.GroupAccess {
			if a.Eligible && x.synced(w.Group(a.GroupID)) {
				grant("group:"+a.GroupID+":eligible-"+a.AccessID, a.Principal)
			}
		}
	}
	used := map[string]bool{}
	for _, a := range w.DirectoryAssignments {
		if !a.Eligible || !o.SkipP2 {
			used[a.RoleDefinitionID] = true
		}
	}
	for _, r := range w.DirectoryRoles {
		if o.SkipUnusedRoles && !used[r.ID] {
			continue
		}
		s.Resource("directory_role", r.ID)
		ent("directory_role", r.ID, "assigned")
		if !o.SkipP2 {
			ent("directory_role", r.ID, "eligible")
		}
	}
	for _, au := range w.AdministrativeUnits {
		s.Resource("administrative_unit", au.ID)
		eid := ent("administrative_unit", au.ID, "member")
		for _, m := range au.Members {
			if m.Kind == world.KindGroup && !x.synced(w.Group(m.ID)) {
				continue
			}
			s.Grant(eid, principalType(w, m), m.ID) // unit membership does not pass to a group's members
		}
	}
	for _, a := range w.DirectoryAssignments {
		if a.Eligible && o.SkipP2 {
			continue
		}
		state := "assigned"
		if a.Eligible {
			state = "eligible"
		}
		if au, ok := strings.CutPrefix(a.DirectoryScopeID, "/administrativeUnits/"); ok {
			grant(ent("administrative_unit", au, state+"-role-"+a.RoleDefinitionID), a.Principal)
			continue
		}
		grant("directory_role:"+a.RoleDefinitionID+":"+state, a.Principal)
	}
	for _, sp := range w.ServicePrincipals {
		if sp.ServicePrincipalType == "ManagedIdentity" {
			s.Resource("managed_identity", sp.ID)
			continue
		}
		s.Resource("enterprise_application", sp.ID)
		ent("enterprise_application", sp.ID, "owner")
		ent("enterprise_application", sp.ID, "default-access")
		for _, r := range sp.AppRoles {
			ent("enterprise_application", sp.ID, "app-role-"+r.ID)
		}
		for _, ow := range sp.Owners {
			grant("enterprise_application:"+sp.ID+":owner", ow)
		}
	}
	for _, a := range w.AppRoleAssignments {
		slug := "app-role-" + a.AppRoleID
		if a.AppRoleID == world.DefaultAccessRoleID {
			slug = "default-access"
		}
		grant("enterprise_application:"+a.ResourceID+":"+slug, a.Principal)
	}
	for _, sku := range w.SKUs {
		s.Resource("license", sku.SkuID)
		eid := ent("license", sku.SkuID, "assigned")
		for _, g := range w.Groups {
			for _, l := range g.Licenses {
				if l == sku.SkuID {
					s.Grant(eid, "group", g.ID)
				}
			}
		}
	}
	for _, u := range w.Users {
		for _, l := range w.UserLicenses(u) {
			s.Grant("license:"+l.SkuID+":assigned", "user", u.ID)
		}
	}
	expectAzure(w, o, s, x)
}

// Tolerated emits the grants a sync may lack: the derived membership grants between groups of one
// nesting cycle (for groups X and Y in the same strongly connected component of the nesting graph,
// X:member to Y's direct members). baton-sdk v0.25.0 merges a cycle into one node during grant expansion
// and does not materialise these (README "Known limitations"); every other derived grant is exact.
func Tolerated(w *world.World, s Sink) {
	// Tarjan's SCC over group → nested group edges.
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	comp := map[string]int{}
	next, nComp := 0, 0
	var visit func(id string)
	visit = func(id string) {
		index[id], low[id] = next, next
		next++
		stack = append(stack, id)
		onStack[id] = true
		if g := w.Group(id); g != nil {
			for _, m := range g.Members {
				if m.Kind != world.KindGroup {
					continue
				}
				if _, seen := index[m.ID]; !seen {
					visit(m.ID)
					low[id] = min(low[id], low[m.ID])
				} else if onStack[m.ID] {
					low[id] = min(low[id], index[m.ID])
				}
			}
		}
		if low[id] == index[id] {
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				comp[top] = nComp
				if top == id {
					break
				}
			}
			nComp++
		}
	}
	for _, g := range w.Groups {
		if _, seen := index[g.ID]; !seen {
			visit(g.ID)
		}
	}
	size := map[int]int{}
	for _, c := range comp {
		size[c]++
	}
	members := map[int][]*world.Group{}
	for _, g := range w.Groups {
		if size[comp[g.ID]] >= 2 {
			members[comp[g.ID]] = append(members[comp[g.ID]], g)
		}
	}
	for _, gs := range members {
		for _, x := range gs {
			for _, y := range gs {
				if y.ID == x.ID {
					continue
				}
				for _, m := range y.Members {
					if m.Kind != world.KindGroup {
						s.Grant("group:"+x.ID+":member", principalType(w, m), m.ID)
					}
				}
			}
		}
	}
}
