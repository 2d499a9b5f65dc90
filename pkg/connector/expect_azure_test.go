package connector_test

import (
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Helpers for tests that reason about single Azure scopes and assignments (the whole Azure ground truth is
// internal/groundtruth's, see expect_test.go).

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

// kindOf is the directory kind of a (non-ghost, non-group) assignment principal.
func kindOf(a *world.ARMRoleAssignment) world.Kind {
	if a.PrincipalType == "User" {
		return world.KindUser
	}
	return world.KindServicePrincipal
}
