package connector

import (
	"fmt"
	"strings"
)

// Azure RBAC entitlements are one per (scope resource, role, state). Their slug is
// "role:<role definition GUID>:<active|eligible>", so with baton's "<type>:<resource id>:<slug>" the id is
//
//	<scope type>:<scope resource id>:role:<role GUID>:<active|eligible>
//
// e.g. "resource_group:/subscriptions/1f…/resourcegroups/rg-web:role:acdd72a7-3385-48ef-bd42-f606fba81ae7:active".
// Scope resource ids never collide across subscriptions (see README "Data model"); they are parsed from the
// right, so the codec does not depend on them being free of ':'. This file is the only place that builds or
// reads these ids.

// RBAC assignment states.
const (
	RBACActive   = "active"
	RBACEligible = "eligible"
)

// RBACEntitlement is a parsed Azure RBAC entitlement id.
type RBACEntitlement struct {
	ResourceType string // management_group, subscription, resource_group, storage_account, container
	ScopeID      string // the scope resource's id
	RoleID       string // role definition GUID, lower case
	State        string // RBACActive or RBACEligible
}

// rbacEntitlementForm is the expected form, named in every parse error.
const rbacEntitlementForm = "<scope type>:<scope id>:role:<role definition GUID>:<active|eligible>"

// isScopeType reports whether t is a resource type that carries Azure RBAC entitlements.
func isScopeType(t string) bool {
	switch t {
	case typeManagementGroup, typeSubscription, typeResourceGroup, typeStorageAccount, typeContainer:
		return true
	}
	return false
}

// rbacSlug is the entitlement slug of a role in a state.
func rbacSlug(roleID, state string) string { return "role:" + strings.ToLower(roleID) + ":" + state }

// FormatRBACEntitlementID returns the entitlement id of a role in a state at a scope resource.
func FormatRBACEntitlementID(e RBACEntitlement) string {
	return e.ResourceType + ":" + e.ScopeID + ":" + rbacSlug(e.RoleID, e.State)
}

// ParseRBACEntitlementID parses an id made by FormatRBACEntitlementID (or by baton from a resource and an
// rbacSlug). Malformed input is an error naming the expected form.
func ParseRBACEntitlementID(id string) (RBACEntitlement, error) {
	fail := func(why string) (RBACEntitlement, error) {
		return RBACEntitlement{}, fmt.Errorf("azure rbac entitlement id %q: %s; expected %s", truncateID(id), why, rbacEntitlementForm)
	}
	typ, rest, ok := strings.Cut(id, ":")
	if !ok {
		return fail("no ':' separator")
	}
	if !isScopeType(typ) {
		return fail(fmt.Sprintf("resource type %q is not an Azure scope type", typ))
	}
	// From the right: …:role:<guid>:<state>.
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return fail("missing role and state")
	}
	state := rest[i+1:]
	rest = rest[:i]
	if state != RBACActive && state != RBACEligible {
		return fail(fmt.Sprintf("state %q is neither active nor eligible", state))
	}
	i = strings.LastIndexByte(rest, ':')
	if i < 0 {
		return fail("missing role definition GUID")
	}
	role := rest[i+1:]
	rest = rest[:i]
	if !guidPattern.MatchString(role) {
		return fail(fmt.Sprintf("role %q is not a GUID", role))
	}
	scope, ok := strings.CutSuffix(rest, ":role")
	if !ok {
		return fail("missing the 'role' marker before the role GUID")
	}
	if scope == "" {
		return fail("empty scope id")
	}
	if strings.TrimSpace(scope) != scope {
		return fail("scope id has surrounding spaces")
	}
	if why := checkScopeID(typ, scope); why != "" {
		return fail(why)
	}
	return RBACEntitlement{ResourceType: typ, ScopeID: scope, RoleID: strings.ToLower(role), State: state}, nil
}

// checkScopeID checks a scope resource id has its type's shape; it returns why not, or "".
func checkScopeID(typ, id string) string {
	switch typ {
	case typeManagementGroup:
		if strings.Contains(id, "/") {
			return fmt.Sprintf("management group id %q is a path, not a name", id)
		}
	case typeSubscription:
		if !guidPattern.MatchString(id) {
			return fmt.Sprintf("subscription id %q is not a GUID", id)
		}
	default:
		sc := parseScope(id)
		want := map[string]scopeKind{typeResourceGroup: scopeResourceGroup, typeStorageAccount: scopeStorageAccount, typeContainer: scopeContainer}[typ]
		if sc.kind != want || sc.key != id {
			return fmt.Sprintf("%q is not the lower-case ARM id of a %s", id, strings.ReplaceAll(typ, "_", " "))
		}
	}
	return ""
}

func truncateID(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
