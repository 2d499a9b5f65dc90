package groundtruth

import (
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
func azureScopes(w *world.World, o Options) map[string]*azScope {
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
	if !o.SkipContainers {
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
// custom roles within their assignable scopes); chain is the scope followed by its ancestors.
func roleAssignableAt(r *world.ARMRoleDefinition, chain []string) bool {
	for _, as := range r.AssignableScopes {
		if as == "/" {
			return true
		}
		for _, c := range chain {
			if lower(strings.TrimRight(as, "/")) == lower(strings.TrimRight(c, "/")) {
				return true
			}
		}
	}
	return false
}

// kindOf is the directory kind of a (non-ghost, non-group) assignment principal.
func kindOf(a *world.ARMRoleAssignment) world.Kind {
	if a.PrincipalType == "User" {
		return world.KindUser
	}
	return world.KindServicePrincipal
}

// holder is a direct holder of an Azure role entitlement: a principal, or a group (with its members).
type holder struct {
	ptype, pid string
	group      *world.Group
}

func expectAzure(w *world.World, o Options, s Sink, x *expander) {
	scopes := azureScopes(w, o)
	for _, sc := range scopes {
		s.Resource(sc.typ, sc.id)
	}
	for _, r := range w.ARMRoles {
		s.Resource("role", lower(r.Name))
	}
	// The assignments the connector sees (eligible ones only with P2 features).
	var assignments []*world.ARMRoleAssignment
	for _, a := range w.ARMAssignments {
		if a.Eligible && o.SkipP2 {
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
	// above: scope → role|state assigned strictly above it (cached per scope string).
	aboveCache := map[string]map[string]bool{}
	above := func(scope string) map[string]bool {
		if out, ok := aboveCache[scope]; ok {
			return out
		}
		out := map[string]bool{}
		for _, anc := range ancestors(w, scope) {
			for rs := range at[lower(anc)] {
				out[rs] = true
			}
		}
		aboveCache[scope] = out
		return out
	}
	// Entitlements: every assignable role, or with skip-unused-roles those held at the scope (or above it,
	// with inheritance).
	for k, sc := range scopes {
		used := map[string]bool{}
		if o.SkipUnusedRoles {
			for rs := range at[k] {
				used[strings.Split(rs, "|")[0]] = true
			}
			if o.Inheritance != "off" {
				for rs := range above(sc.scope) {
					used[strings.Split(rs, "|")[0]] = true
				}
			}
		}
		chain := append([]string{sc.scope}, ancestors(w, sc.scope)...)
		for _, r := range w.ARMRoles {
			if (o.SkipUnusedRoles && !used[lower(r.Name)]) || !roleAssignableAt(r, chain) {
				continue
			}
			s.Entitlement(rbacEnt(sc, r.Name, "active"))
			if !o.SkipP2 {
				s.Entitlement(rbacEnt(sc, r.Name, "eligible"))
			}
		}
	}
	// direct: entitlement id → its direct holders.
	direct := map[string][]holder{}
	for _, a := range assignments {
		sc := scopes[lower(a.Scope)]
		if sc == nil {
			continue // a container with skip-sync-storage-containers
		}
		eid := rbacEnt(sc, a.RoleDefinition, stateOf(a))
		pid := lower(a.PrincipalID)
		switch {
		case a.Ghost:
			s.Resource("deleted_principal", pid)
			direct[eid] = append(direct[eid], holder{ptype: "deleted_principal", pid: pid})
		case a.PrincipalType == "Group":
			g := w.Group(a.PrincipalID)
			if !x.synced(g) {
				continue
			}
			direct[eid] = append(direct[eid], holder{ptype: "group", pid: pid, group: g})
		default:
			direct[eid] = append(direct[eid], holder{ptype: principalType(w, world.Ref{ID: a.PrincipalID, Kind: kindOf(a)}), pid: pid})
		}
	}
	emit := func(eid string, hs []holder) {
		for _, h := range hs {
			s.Grant(eid, h.ptype, h.pid)
			if h.group != nil {
				for _, m := range x.transitive(h.group) {
					s.Grant(eid, principalType(w, m), m.ID)
				}
			}
		}
	}
	if o.Inheritance == "off" || o.Inheritance == "structural" {
		for eid, hs := range direct {
			emit(eid, hs)
		}
	}
	if o.Inheritance == "off" {
		return
	}
	// Structural: every scope has a grant to its parent scope for every R assigned strictly above it (when
	// the parent is modelled), and nothing is copied down.
	if o.Inheritance == "structural" {
		for _, sc := range scopes {
			parent := scopes[lower(sc.parent)]
			if parent == nil {
				continue
			}
			for rs := range above(sc.scope) {
				role, state, _ := strings.Cut(rs, "|")
				s.Grant(rbacEnt(sc, role, state), parent.typ, parent.id)
			}
		}
		return
	}
	// With inheritance the holders of a scope's R are its direct holders plus, when R is assigned strictly
	// above it and its parent is modelled, the holders of the parent's R (recursively); and it has a
	// structural grant to its parent scope for every R assigned above it.
	for _, sc := range scopes {
		roles := map[string]bool{}
		for rs := range at[lower(sc.scope)] {
			roles[rs] = true
		}
		for rs := range above(sc.scope) {
			roles[rs] = true
		}
		for rs := range roles {
			role, state, _ := strings.Cut(rs, "|")
			eid := rbacEnt(sc, role, state)
			for c := sc; c != nil; {
				emit(eid, direct[rbacEnt(c, role, state)])
				parent := scopes[lower(c.parent)]
				if parent == nil || !above(c.scope)[rs] {
					break
				}
				if c == sc {
					s.Grant(eid, parent.typ, parent.id)
				}
				c = parent
			}
		}
	}
}
