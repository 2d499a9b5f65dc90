package gen

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func TestReferentialIntegrity(t *testing.T) {
	for _, p := range []string{"tiny", "small"} {
		t.Run(p, func(t *testing.T) { checkIntegrity(t, generate(t, p, 5)) })
	}
}

// checkIntegrity asserts that every reference in w resolves through the world's own lookups: directory
// objects, role definitions, SKUs, administrative units, ARM scopes and principals (ghosts excepted).
func checkIntegrity(t *testing.T, w *world.World) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
	}
	resolves := func(where string, r world.Ref) {
		t.Helper()
		got, ok := w.Object(r.ID)
		if !ok || got.Kind != r.Kind {
			errorf("%s: %s %s does not resolve (got %v, %v)", where, r.Kind, r.ID, got, ok)
		}
	}

	// Directory object ids and UPNs are unique, lower-case GUIDs.
	seen := map[string]string{}
	unique := func(kind, id string) {
		t.Helper()
		if len(id) != 36 || strings.ToLower(id) != id {
			errorf("%s id %q is not a lower-case GUID", kind, id)
		}
		if prev, dup := seen[id]; dup {
			errorf("id %s used by %s and %s", id, prev, kind)
		}
		seen[id] = kind
	}
	upns := map[string]bool{}
	for _, u := range w.Users {
		unique("user", u.ID)
		if upns[strings.ToLower(u.UserPrincipalName)] {
			errorf("duplicate UPN %s", u.UserPrincipalName)
		}
		upns[strings.ToLower(u.UserPrincipalName)] = true
		if w.User(u.UserPrincipalName) != u {
			errorf("User(%q) lookup fails", u.UserPrincipalName)
		}
		for _, l := range u.Licenses {
			if !hasSKU(w, l) {
				errorf("user %s has unknown SKU %s", u.ID, l)
			}
		}
	}
	for _, g := range w.Groups {
		unique("group", g.ID)
	}
	for _, sp := range w.ServicePrincipals {
		unique("servicePrincipal", sp.ID)
	}
	for _, a := range w.Applications {
		unique("application", a.ID)
		if w.ServicePrincipalByAppID(a.AppID) == nil {
			errorf("application %s (%s) has no service principal", a.DisplayName, a.AppID)
		}
		for _, o := range a.Owners {
			resolves("application owner", o)
		}
	}
	for _, au := range w.AdministrativeUnits {
		unique("administrativeUnit", au.ID)
		for _, m := range au.Members {
			resolves("AU member", m)
		}
	}

	// Groups: members, owners, licenses, kind rules.
	for _, g := range w.Groups {
		for _, m := range g.Members {
			resolves("member of "+g.DisplayName, m)
		}
		for _, o := range g.Owners {
			resolves("owner of "+g.DisplayName, o)
		}
		for _, l := range g.Licenses {
			if !hasSKU(w, l) {
				errorf("group %s has unknown SKU %s", g.DisplayName, l)
			}
		}
		if g.IsAssignableToRole && (!g.SecurityEnabled || g.IsDynamic() ||
			slices.ContainsFunc(g.Members, func(m world.Ref) bool { return m.Kind == world.KindGroup })) {
			errorf("role-assignable group %s breaks Entra's rules", g.DisplayName)
		}
		if g.IsDynamic() != (g.MembershipRule != "") {
			errorf("group %s: dynamic %v with rule %q", g.DisplayName, g.IsDynamic(), g.MembershipRule)
		}
	}
	for _, ga := range w.GroupAccess {
		resolves("PIM for Groups principal", ga.Principal)
		g := w.Group(ga.GroupID)
		if g == nil {
			errorf("PIM for Groups on unknown group %s", ga.GroupID)
			continue
		}
		if ga.AccessID != "member" && ga.AccessID != "owner" {
			errorf("PIM for Groups access %q", ga.AccessID)
		}
		list := g.Members
		if ga.AccessID == "owner" {
			list = g.Owners
		}
		if !ga.Eligible && !slices.Contains(list, ga.Principal) {
			errorf("active PIM for Groups %s of %s is not reflected in the group", ga.AccessID, g.DisplayName)
		}
	}

	// Service principals, app roles, app role assignments.
	for _, sp := range w.ServicePrincipals {
		for _, o := range sp.Owners {
			resolves("service principal owner", o)
		}
		if sp.ServicePrincipalType == "ManagedIdentity" {
			checkManagedIdentity(t, w, sp)
		}
	}
	assigned := map[string]bool{}
	for _, a := range w.AppRoleAssignments {
		resolves("app role assignment principal", a.Principal)
		res := w.ServicePrincipal(a.ResourceID)
		if res == nil {
			errorf("app role assignment %s on unknown resource %s", a.ID, a.ResourceID)
			continue
		}
		key := a.ResourceID + a.Principal.ID + a.AppRoleID
		if assigned[key] {
			errorf("duplicate app role assignment %s", key)
		}
		assigned[key] = true
		if a.AppRoleID == world.DefaultAccessRoleID {
			continue
		}
		i := slices.IndexFunc(res.AppRoles, func(r world.AppRole) bool { return r.ID == a.AppRoleID })
		if i < 0 {
			errorf("app role %s not declared by %s", a.AppRoleID, res.DisplayName)
			continue
		}
		want := "User"
		if a.Principal.Kind == world.KindServicePrincipal {
			want = "Application"
		}
		if !slices.Contains(res.AppRoles[i].AllowedMemberTypes, want) {
			errorf("app role %s of %s assigned to a %s", res.AppRoles[i].Value, res.DisplayName, a.Principal.Kind)
		}
	}

	// Directory roles.
	dirSeen := map[string]bool{}
	for _, r := range w.DirectoryRoles {
		if r.DirectoryRoleID != "" && w.DirectoryRoleByActivatedID(r.DirectoryRoleID) != r {
			errorf("directory role %s: activated id does not resolve", r.DisplayName)
		}
	}
	for _, a := range w.DirectoryAssignments {
		resolves("directory role principal", a.Principal)
		r := w.DirectoryRole(a.RoleDefinitionID)
		if r == nil {
			errorf("directory assignment %s to unknown role %s", a.ID, a.RoleDefinitionID)
			continue
		}
		if !a.Eligible && r.IsBuiltIn && r.DirectoryRoleID == "" {
			errorf("role %s has an active assignment but no directoryRole id", r.DisplayName)
		}
		if a.Principal.Kind == world.KindGroup && !w.Group(a.Principal.ID).IsAssignableToRole {
			errorf("directory role %s held by a group that is not role-assignable", r.DisplayName)
		}
		if a.DirectoryScopeID != "/" {
			id, ok := strings.CutPrefix(a.DirectoryScopeID, "/administrativeUnits/")
			if !ok || w.AdministrativeUnit(id) == nil {
				errorf("directory scope %q does not resolve", a.DirectoryScopeID)
			}
		}
		if a.Eligible && a.Start == nil {
			errorf("eligible directory assignment %s has no start", a.ID)
		}
		key := a.RoleDefinitionID + a.Principal.ID + a.DirectoryScopeID + state(a.Eligible)
		if dirSeen[key] {
			errorf("duplicate directory assignment %s", key)
		}
		dirSeen[key] = true
	}

	// Azure hierarchy.
	for i, m := range w.ManagementGroups {
		if i == 0 {
			if m.Name != w.Tenant.ID || m.Parent != "" {
				errorf("root management group %+v", m)
			}
			continue
		}
		if w.ManagementGroup(m.Parent) == nil {
			errorf("management group %s has unknown parent %s", m.Name, m.Parent)
		}
	}
	for _, s := range w.Subscriptions {
		if w.ManagementGroup(s.Parent) == nil {
			errorf("subscription %s under unknown management group %s", s.ID, s.Parent)
		}
	}
	for _, r := range w.ResourceGroups {
		if w.Subscription(r.SubscriptionID) == nil {
			errorf("resource group %s in unknown subscription", r.Name)
		}
	}
	for _, a := range w.StorageAccounts {
		if w.ResourceGroup(a.SubscriptionID, a.ResourceGroup) == nil {
			errorf("storage account %s in unknown resource group", a.Name)
		}
		if len(a.Name) < 3 || len(a.Name) > 24 || slug(a.Name) != a.Name {
			errorf("invalid storage account name %q", a.Name)
		}
		if a.IdentityPrincipalID != "" {
			sp := w.ServicePrincipal(a.IdentityPrincipalID)
			if sp == nil || sp.AlternativeNames[1] != a.Scope() {
				errorf("storage account %s identity %s does not point back", a.Name, a.IdentityPrincipalID)
			}
		}
	}
	for _, c := range w.Containers {
		if w.StorageAccount(c.Account.SubscriptionID, c.Account.ResourceGroup, c.Account.Name) != c.Account {
			errorf("container %s in unknown account", c.Name)
		}
	}
	for _, id := range w.Identities {
		if w.ResourceGroup(id.SubscriptionID, id.ResourceGroup) == nil {
			errorf("identity %s in unknown resource group", id.Name)
		}
		sp := w.ServicePrincipal(id.PrincipalID)
		if sp == nil || sp.AppID != id.ClientID || sp.ServicePrincipalType != "ManagedIdentity" ||
			!slices.Equal(sp.AlternativeNames, []string{"isExplicit=True", id.Scope()}) {
			errorf("identity %s does not match its service principal %+v", id.Name, sp)
		}
	}

	// Azure roles and assignments.
	for _, r := range w.ARMRoles {
		if w.ARMRole(r.Name) != r {
			errorf("ARM role %s does not resolve", r.RoleName)
		}
		if r.Type == "CustomRole" && (w.Subscription(strings.TrimPrefix(r.DefinedAt, "/subscriptions/")) == nil ||
			!slices.Equal(r.AssignableScopes, []string{r.DefinedAt})) {
			errorf("custom role %s defined at %q", r.RoleName, r.DefinedAt)
		}
	}
	scopes := scopeIndex(w)
	rbacSeen := map[string]bool{}
	for _, a := range w.ARMAssignments {
		if !scopes[world.NormalizeScope(a.Scope)] {
			errorf("RBAC scope %q does not resolve", a.Scope)
		}
		role := w.ARMRole(a.RoleDefinition)
		if role == nil {
			errorf("RBAC assignment %s to unknown role %s", a.Name, a.RoleDefinition)
		} else if role.Type == "CustomRole" && !within(a.Scope, role.AssignableScopes) {
			errorf("custom role %s assigned outside its assignable scopes at %s", role.RoleName, a.Scope)
		}
		ref, ok := w.Object(a.PrincipalID)
		switch {
		case a.Ghost && ok:
			errorf("ghost assignment %s names an existing object", a.Name)
		case a.Ghost && a.PrincipalType != "User":
			errorf("ghost assignment %s has principal type %s", a.Name, a.PrincipalType)
		case !a.Ghost && !ok:
			errorf("RBAC principal %s does not resolve", a.PrincipalID)
		case !a.Ghost && ref.Kind.PrincipalType() != a.PrincipalType:
			errorf("RBAC principal %s is a %s, assignment says %s", a.PrincipalID, ref.Kind, a.PrincipalType)
		case !a.Ghost && ref.Kind == world.KindGroup && !w.Group(a.PrincipalID).SecurityEnabled:
			errorf("RBAC assigned to group %s that is not security-enabled", a.PrincipalID)
		}
		if (a.Condition != "") != (a.ConditionVersion == "2.0") {
			errorf("RBAC %s: condition %q version %q", a.Name, a.Condition, a.ConditionVersion)
		}
		if a.Eligible && a.Start == nil {
			errorf("eligible RBAC %s has no start", a.Name)
		}
		key := world.NormalizeScope(a.Scope) + a.RoleDefinition + a.PrincipalID + state(a.Eligible)
		if rbacSeen[key] {
			errorf("duplicate RBAC assignment %s", key)
		}
		rbacSeen[key] = true
	}
	if err := w.WriteTruth(io.Discard); err != nil {
		errorf("WriteTruth: %v", err)
	}
}

// checkManagedIdentity asserts the alternativeNames contract of a managed identity's service principal.
func checkManagedIdentity(t *testing.T, w *world.World, sp *world.ServicePrincipal) {
	t.Helper()
	if len(sp.AlternativeNames) != 2 {
		t.Errorf("managed identity %s alternativeNames %v", sp.DisplayName, sp.AlternativeNames)
		return
	}
	host := sp.AlternativeNames[1]
	switch sp.AlternativeNames[0] {
	case "isExplicit=True":
		if !slices.ContainsFunc(w.Identities, func(id *world.UserAssignedIdentity) bool { return id.PrincipalID == sp.ID }) {
			t.Errorf("user-assigned identity %s has no UserAssignedIdentity", sp.DisplayName)
		}
	case "isExplicit=False":
		parts := strings.Split(strings.TrimPrefix(host, "/"), "/")
		if len(parts) < 8 || w.ResourceGroup(parts[1], parts[3]) == nil {
			t.Errorf("system-assigned identity %s hosted by %s outside the world's resource groups", sp.DisplayName, host)
		}
		if strings.Contains(host, "/Microsoft.Storage/") &&
			!slices.ContainsFunc(w.StorageAccounts, func(a *world.StorageAccount) bool { return a.IdentityPrincipalID == sp.ID }) {
			t.Errorf("storage identity %s not recorded on its account", sp.DisplayName)
		}
	default:
		t.Errorf("managed identity %s alternativeNames %v", sp.DisplayName, sp.AlternativeNames)
	}
}

// scopeIndex returns the normalized scope of every ARM entity.
func scopeIndex(w *world.World) map[string]bool {
	s := map[string]bool{}
	for _, m := range w.ManagementGroups {
		s[world.NormalizeScope(m.Scope())] = true
	}
	for _, x := range w.Subscriptions {
		s[world.NormalizeScope(x.Scope())] = true
	}
	for _, x := range w.ResourceGroups {
		s[world.NormalizeScope(x.Scope())] = true
	}
	for _, x := range w.StorageAccounts {
		s[world.NormalizeScope(x.Scope())] = true
	}
	for _, x := range w.Containers {
		s[world.NormalizeScope(x.Scope())] = true
	}
	return s
}

// within reports whether scope is one of roots or below one.
func within(scope string, roots []string) bool {
	s := world.NormalizeScope(scope)
	for _, r := range roots {
		r = world.NormalizeScope(r)
		if r == "" || s == r || strings.HasPrefix(s, r+"/") {
			return true
		}
	}
	return false
}

func hasSKU(w *world.World, id string) bool {
	return slices.ContainsFunc(w.SKUs, func(s *world.SKU) bool { return s.SkuID == id })
}
