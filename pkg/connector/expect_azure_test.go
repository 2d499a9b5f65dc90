package connector_test

import (
	"sort"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// The Azure half of the ground truth: the management-group tree, subscriptions, resource groups, storage
// accounts and containers; the Azure roles; per scope an entitlement per assignable role and state; a
// grant per role assignment (active and eligible) on its scope's entitlement; deleted principals; and,
// with inheritance, the structural grant from each scope to the one below for every role assigned above
// it, plus every holder above as a derived grant.

// azScope is a scope of the world as the connector models it.
type azScope struct {
	scope   string // the world's scope string
	typ, id string // resource type and id
	parent  string // the world's parent scope string ("" above the root group)
}

func lower(s string) string { return strings.ToLower(s) }

// azureScopes lists the modelled scopes of the world, by lower-cased scope string.
func azureScopes(w *world.World, o expectOpts) map[string]*azScope {
	out := map[string]*azScope{}
	add := func(scope, typ, id string) {
		out[lower(scope)] = &azScope{scope: scope, typ: typ, id: id, parent: w.ParentScope(scope)}
	}
	for _, m := range w.ManagementGroups {
		add(m.Scope(), "management_group", lower(m.Name))
		if m.Parent == "" {
			out[lower(m.Scope())].parent = "" // the root group's parent is the tenant
		}
	}
	for _, s := range w.Subscriptions {
		add(s.Scope(), "subscription", lower(s.ID))
	}
	for _, r := range w.ResourceGroups {
		add(r.Scope(), "resource_group", lower(r.Scope()))
	}
	for _, a := range w.StorageAccounts {
		add(a.Scope(), "storage_account", lower(a.Scope()))
	}
	if !o.skipContainers {
		for _, c := range w.Containers {
			add(c.Scope(), "container", lower(c.Scope()))
		}
	}
	return out
}

// ancestors returns the scopes strictly above s, nearest first (the world's "/" last).
func ancestors(w *world.World, s string) []string {
	var out []string
	for p := w.ParentScope(s); p != ""; p = w.ParentScope(p) {
		out = append(out, p)
		if p == "/" {
			break
		}
	}
	return out
}

func rbacEnt(sc *azScope, role, state string) string {
	return sc.typ + ":" + sc.id + ":role:" + lower(role) + ":" + state
}

func stateOf(a *world.ARMRoleAssignment) string {
	if a.Eligible {
		return "eligible"
	}
	return "active"
}

// roleAssignableAt reports whether an Azure role can be assigned at a scope (built-in roles everywhere,
// custom roles within their assignable scopes).
func roleAssignableAt(w *world.World, r *world.ARMRoleDefinition, scope string) bool {
	chain := append([]string{scope}, ancestors(w, scope)...)
	for _, as := range r.AssignableScopes {
		for _, c := range chain {
			if lower(strings.TrimRight(as, "/")) == lower(strings.TrimRight(c, "/")) || as == "/" {
				return true
			}
		}
	}
	return false
}

func expectAzure(w *world.World, o expectOpts, e *expectation, synced func(*world.Group) bool, transitive func(*world.Group) []world.Ref) {
	scopes := azureScopes(w, o)
	for _, sc := range scopes {
		e.resources[sc.typ+"/"+sc.id] = true
	}
	for _, r := range w.ARMRoles {
		e.resources["role/"+lower(r.Name)] = true
	}
	// The assignments the connector sees (eligible ones only with P2 features).
	var assignments []*world.ARMRoleAssignment
	for _, a := range w.ARMAssignments {
		if a.Eligible && o.skipP2 {
			continue
		}
		assignments = append(assignments, a)
	}
	// at: scope → role|state assigned there (whatever the principal).
	at := map[string]map[string]bool{}
	for _, a := range assignments {
		k := lower(a.Scope)
		if at[k] == nil {
			at[k] = map[string]bool{}
		}
		at[k][lower(a.RoleDefinition)+"|"+stateOf(a)] = true
	}
	above := func(scope string) map[string]bool {
		out := map[string]bool{}
		for _, anc := range ancestors(w, scope) {
			for rs := range at[lower(anc)] {
				out[rs] = true
			}
		}
		return out
	}
	// Entitlements: every assignable role, or with skip-unused-roles those held at the scope (or above it,
	// with inheritance).
	for k, sc := range scopes {
		used := map[string]bool{}
		if o.skipUnusedRoles {
			for rs := range at[k] {
				used[strings.Split(rs, "|")[0]] = true
			}
			if !o.noInheritance {
				for rs := range above(sc.scope) {
					used[strings.Split(rs, "|")[0]] = true
				}
			}
		}
		for _, r := range w.ARMRoles {
			if !roleAssignableAt(w, r, sc.scope) || (o.skipUnusedRoles && !used[lower(r.Name)]) {
				continue
			}
			e.entitlements[rbacEnt(sc, r.Name, "active")] = true
			if !o.skipP2 {
				e.entitlements[rbacEnt(sc, r.Name, "eligible")] = true
			}
		}
	}
	// holders: entitlement id → principal keys ("type/id") holding it directly (and through groups).
	holders := map[string]map[string]bool{}
	hold := func(eid, ptype, pid string) {
		if holders[eid] == nil {
			holders[eid] = map[string]bool{}
		}
		holders[eid][ptype+"/"+pid] = true
	}
	for _, a := range assignments {
		sc := scopes[lower(a.Scope)]
		if sc == nil {
			continue // a container with skip-sync-storage-containers
		}
		eid := rbacEnt(sc, a.RoleDefinition, stateOf(a))
		pid := lower(a.PrincipalID)
		switch {
		case a.Ghost:
			e.resources["deleted_principal/"+pid] = true
			hold(eid, "deleted_principal", pid)
		case a.PrincipalType == "Group":
			g := w.Group(a.PrincipalID)
			if !synced(g) {
				continue
			}
			hold(eid, "group", pid)
			for _, m := range transitive(g) {
				hold(eid, principalType(w, m), m.ID)
			}
		default:
			hold(eid, principalType(w, world.Ref{ID: a.PrincipalID, Kind: kindOf(a)}), pid)
		}
	}
	if !o.noInheritance {
		// Top-down (parents before children): every holder of the parent's entitlement holds the child's,
		// through a structural grant from the child to the parent scope.
		keys := make([]string, 0, len(scopes))
		for k := range scopes {
			keys = append(keys, k)
		}
		depth := func(k string) int { return len(ancestors(w, scopes[k].scope)) }
		sort.Slice(keys, func(i, j int) bool { return depth(keys[i]) < depth(keys[j]) })
		for _, k := range keys {
			sc := scopes[k]
			parent := scopes[lower(sc.parent)]
			if parent == nil {
				continue
			}
			for rs := range above(sc.scope) {
				role, state, _ := strings.Cut(rs, "|")
				child, from := rbacEnt(sc, role, state), rbacEnt(parent, role, state)
				e.grants[key(child, parent.typ, parent.id)] = true
				for p := range holders[from] {
					t, id, _ := strings.Cut(p, "/")
					hold(child, t, id)
				}
			}
		}
	}
	for eid, ps := range holders {
		for p := range ps {
			t, id, _ := strings.Cut(p, "/")
			e.grants[key(eid, t, id)] = true
		}
	}
}

// kindOf is the directory kind of a (non-ghost, non-group) assignment principal.
func kindOf(a *world.ARMRoleAssignment) world.Kind {
	if a.PrincipalType == "User" {
		return world.KindUser
	}
	return world.KindServicePrincipal
}
