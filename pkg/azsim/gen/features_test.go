package gen

import (
	"slices"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// some reports whether any element satisfies f.
func some[T any](xs []T, f func(T) bool) bool { return slices.ContainsFunc(xs, f) }

func TestTiny_HasEveryFeature(t *testing.T) {
	w := generate(t, "tiny", 1)
	st := Summarize(w)
	groupByID := map[string]*world.Group{}
	for _, g := range w.Groups {
		groupByID[g.ID] = g
	}
	spByID := map[string]*world.ServicePrincipal{}
	for _, sp := range w.ServicePrincipals {
		spByID[sp.ID] = sp
	}
	isMI := func(id string) bool {
		sp := spByID[id]
		return sp != nil && sp.ServicePrincipalType == "ManagedIdentity"
	}
	dir := func(f func(*world.DirectoryRoleAssignment) bool) bool { return some(w.DirectoryAssignments, f) }
	rbac := func(f func(*world.ARMRoleAssignment) bool) bool { return some(w.ARMAssignments, f) }
	users := func(f func(*world.User) bool) bool { return some(w.Users, f) }
	groups := func(f func(*world.Group) bool) bool { return some(w.Groups, f) }
	scoped := func(kind string) func(*world.ARMRoleAssignment) bool {
		return func(a *world.ARMRoleAssignment) bool { return scopeKind(a.Scope) == kind }
	}
	to := func(typ string) func(*world.ARMRoleAssignment) bool {
		return func(a *world.ARMRoleAssignment) bool {
			return a.PrincipalType == typ && !a.Ghost && !isMI(a.PrincipalID)
		}
	}
	appAssigned := func(k world.Kind) bool {
		return some(w.AppRoleAssignments, func(a *world.AppRoleAssignment) bool {
			sp := spByID[a.ResourceID]
			return a.Principal.Kind == k && sp.AppID != world.GraphAppID && a.AppRoleID != world.DefaultAccessRoleID
		})
	}
	uami := func(sp *world.ServicePrincipal) bool {
		return some(w.Identities, func(id *world.UserAssignedIdentity) bool {
			return id.PrincipalID == sp.ID && id.ClientID == sp.AppID && slices.Equal(sp.AlternativeNames,
				[]string{"isExplicit=True", id.Scope()})
		})
	}

	features := []struct {
		name string
		ok   bool
	}{
		{"guest with #EXT# UPN and no mailbox", users(func(u *world.User) bool {
			return u.UserType == "Guest" && strings.Contains(u.UserPrincipalName, "#EXT#@"+w.Tenant.DefaultDomain) &&
				u.MailboxPurpose == ""
		})},
		{"disabled user", users(func(u *world.User) bool { return !u.AccountEnabled })},
		{"AD-synced user", users(func(u *world.User) bool { return u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled })},
		{"leave date", users(func(u *world.User) bool { return u.EmployeeLeaveDateTime != nil })},
		{"risky user", users(func(u *world.User) bool { return u.Risk != nil })},
		{"shared mailbox", users(func(u *world.User) bool { return u.MailboxPurpose == "shared" })},
		{"room mailbox", users(func(u *world.User) bool { return u.MailboxPurpose == "room" })},
		{"member without mailbox", users(func(u *world.User) bool { return u.UserType == "Member" && u.MailboxPurpose == "" })},
		{"employee id", users(func(u *world.User) bool { return u.EmployeeID != "" })},
		{"sign-in activity", users(func(u *world.User) bool { return u.SignIn != nil })},
		{"member never signed in", users(func(u *world.User) bool { return u.UserType == "Member" && u.SignIn == nil })},
		{"plain security group", st.Groups.Security > 0},
		{"AD-synced group", st.Groups.OnPremisesSynced > 0},
		{"dynamic group with rule", groups(func(g *world.Group) bool { return g.IsDynamic() && g.MembershipRule != "" })},
		{"role-assignable group", groups(func(g *world.Group) bool {
			return g.IsAssignableToRole && g.SecurityEnabled && !g.IsDynamic()
		})},
		{"M365 group", groups(func(g *world.Group) bool { return g.IsUnified() && g.MailEnabled && !g.SecurityEnabled })},
		{"distribution group", st.Groups.Distribution > 0},
		{"mail-enabled security group", st.Groups.MailEnabledSecurity > 0},
		{"nesting depth 5", st.Groups.MaxNestingDepth == 5},
		{"exactly one nesting cycle", st.Groups.NestingCycles == 1},
		{"group owners", st.Groups.Owners > 0},
		{"service principal group member", st.Groups.SPMemberships > 0},
		{"PIM for Groups eligible member", st.Groups.PIMEligibleMembers > 0},
		{"PIM for Groups eligible owner", st.Groups.PIMEligibleOwners > 0},
		{"PIM for Groups time-bound active", some(w.GroupAccess, func(g *world.GroupAccess) bool { return !g.Eligible && g.End != nil })},
		{"Global Administrator active user", st.Directory.GlobalAdminActive > 0},
		{"Global Administrator eligible user", st.Directory.GlobalAdminEligible > 0},
		{"Global Administrator via role-assignable group", dir(func(a *world.DirectoryRoleAssignment) bool {
			return a.RoleDefinitionID == globalAdminID && a.Principal.Kind == world.KindGroup &&
				groupByID[a.Principal.ID].IsAssignableToRole
		})},
		{"permanent eligible directory role", dir(func(a *world.DirectoryRoleAssignment) bool { return a.Eligible && a.End == nil })},
		{"directory role to service principal", st.Directory.ToServicePrincipals > 0},
		{"AU-scoped directory role", st.Directory.AUScopedAssignments > 0},
		{"custom directory role assigned", dir(func(a *world.DirectoryRoleAssignment) bool {
			return some(w.DirectoryRoles, func(r *world.DirectoryRoleDefinition) bool { return !r.IsBuiltIn && r.ID == a.RoleDefinitionID })
		})},
		{"activated directory role", st.Directory.ActivatedRoles > 0},
		{"administrative unit members", st.Directory.AUMembers > 0},
		{"app role assigned to user", appAssigned(world.KindUser)},
		{"app role assigned to group", appAssigned(world.KindGroup)},
		{"app role assigned to service principal", appAssigned(world.KindServicePrincipal)},
		{"default access", st.Apps.DefaultAccess > 0},
		{"system-assigned MI on a storage account", some(w.ServicePrincipals, func(sp *world.ServicePrincipal) bool {
			return isMI(sp.ID) && sp.AlternativeNames[0] == "isExplicit=False" &&
				some(w.StorageAccounts, func(a *world.StorageAccount) bool {
					return a.IdentityPrincipalID == sp.ID && sp.AlternativeNames[1] == a.Scope()
				})
		})},
		{"system-assigned MI on compute", some(w.ServicePrincipals, func(sp *world.ServicePrincipal) bool {
			if !isMI(sp.ID) || sp.AlternativeNames[0] != "isExplicit=False" {
				return false
			}
			host := sp.AlternativeNames[1]
			return strings.Contains(host, "/providers/Microsoft.Compute/") ||
				strings.Contains(host, "/providers/Microsoft.Web/") || strings.Contains(host, "/providers/Microsoft.Logic/")
		})},
		{"user-assigned MI matching its UAMI", some(w.ServicePrincipals, func(sp *world.ServicePrincipal) bool { return isMI(sp.ID) && uami(sp) })},
		{"direct license", st.Licenses.DirectAssignments > 0},
		{"group-based license", st.Licenses.InheritedAssignments > 0},
		{"management-group tree", st.Azure.ManagementGroupDepth >= 2},
		{"storage account with shared key disabled", st.Azure.SharedKeyDisabled > 0},
		{"storage account with shared key unset", st.Azure.SharedKeyUnset > 0},
		// (explicitly true needs a third account: every account i with i%3 == 2 has it)
		{"custom ARM role", st.Azure.CustomARMRoles > 0},
		{"custom ARM role assigned", rbac(func(a *world.ARMRoleAssignment) bool {
			r := w.ARMRole(a.RoleDefinition)
			return r != nil && r.Type == "CustomRole"
		})},
		{"RBAC at management group", rbac(scoped("managementGroup"))},
		{"RBAC at subscription", rbac(scoped("subscription"))},
		{"RBAC at resource group", rbac(scoped("resourceGroup"))},
		{"RBAC at storage account", rbac(scoped("storageAccount"))},
		{"RBAC at container", rbac(scoped("container"))},
		{"RBAC to user", rbac(to("User"))},
		{"RBAC to group", rbac(to("Group"))},
		{"RBAC to service principal", rbac(to("ServicePrincipal"))},
		{"RBAC to managed identity", rbac(func(a *world.ARMRoleAssignment) bool {
			return a.PrincipalType == "ServicePrincipal" && isMI(a.PrincipalID)
		})},
		{"RBAC with ABAC condition", rbac(func(a *world.ARMRoleAssignment) bool {
			return a.Condition != "" && a.ConditionVersion == "2.0" && blobDataRole(a.RoleDefinition)
		})},
		{"eligible RBAC", rbac(func(a *world.ARMRoleAssignment) bool { return a.Eligible && a.Start != nil })},
		{"permanent eligible RBAC", rbac(func(a *world.ARMRoleAssignment) bool { return a.Eligible && a.End == nil })},
		{"time-bound active RBAC", rbac(func(a *world.ARMRoleAssignment) bool { return !a.Eligible && a.End != nil })},
		{"ghost RBAC", rbac(func(a *world.ARMRoleAssignment) bool { return a.Ghost && a.PrincipalType == "User" })},
	}
	for _, f := range features {
		if !f.ok {
			t.Errorf("tiny lacks: %s", f.name)
		}
	}
}

func TestTiny_Size(t *testing.T) {
	st := Summarize(generate(t, "tiny", 1))
	if st.Users.Total > 30 || st.Groups.Total > 12 || st.Apps.ServicePrincipals > 10 || st.Azure.Subscriptions != 2 ||
		st.Azure.StorageAccounts != 2 || st.Azure.Containers != 4 || st.RBAC.Total < 30 || st.RBAC.Total > 60 {
		t.Errorf("tiny is too big or too small: %+v", st)
	}
}

func TestRegisteredApps(t *testing.T) {
	w := generate(t, "tiny", 1)
	graph := w.ServicePrincipalByAppID(world.GraphAppID)
	if graph == nil || graph.DisplayName != "Microsoft Graph" || graph.AppOwnerOrganizationID != world.MicrosoftTenantID {
		t.Fatalf("Microsoft Graph service principal = %+v", graph)
	}
	perms := world.GraphPermissions()
	if len(graph.AppRoles) != len(perms) {
		t.Fatalf("Graph has %d app roles, want %d", len(graph.AppRoles), len(perms))
	}
	for i, p := range perms {
		r := graph.AppRoles[i]
		if r.ID != p.ID || r.Value != p.Value || !slices.Equal(r.AllowedMemberTypes, []string{"Application"}) {
			t.Errorf("Graph app role %d = %+v, want %+v", i, r, p)
		}
	}
	want := map[string]struct {
		purpose string
		perms   []string
		armRole string
	}{
		"baton-azure-reader": {"read-only sync", []string{"User.Read.All", "Group.Read.All", "GroupMember.Read.All",
			"Member.Read.Hidden", "Directory.Read.All", "RoleManagement.Read.Directory", "RoleManagement.Read.All",
			"RoleEligibilitySchedule.Read.Directory", "RoleAssignmentSchedule.Read.Directory",
			"PrivilegedEligibilitySchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.Read.AzureADGroup",
			"Application.Read.All", "AuditLog.Read.All", "Organization.Read.All", "AdministrativeUnit.Read.All",
			"IdentityRiskyUser.Read.All", "MailboxSettings.Read"}, world.RoleReader},
		"baton-azure-provisioner": {"sync and provisioning", nil, world.RoleOwner},
		"azsim-limited":           {"least privilege tests", []string{"User.Read.All"}, ""},
	}
	for _, p := range perms {
		e := want["baton-azure-provisioner"]
		e.perms = append(e.perms, p.Value)
		want["baton-azure-provisioner"] = e
	}
	if len(w.Apps) != 3 {
		t.Fatalf("%d registered apps, want 3", len(w.Apps))
	}
	root := w.ManagementGroups[0]
	if root.Name != w.Tenant.ID || root.DisplayName != "Tenant Root Group" || root.Parent != "" {
		t.Errorf("root management group = %+v", root)
	}
	for _, app := range w.Apps {
		e, ok := want[app.Name]
		if !ok {
			t.Errorf("unexpected app %q", app.Name)
			continue
		}
		if app.Purpose != e.purpose || !slices.Equal(app.GraphPermissions, e.perms) {
			t.Errorf("%s: purpose %q permissions %v", app.Name, app.Purpose, app.GraphPermissions)
		}
		if len(app.Secrets) != 1 || len(app.Secrets[0]) < 32 {
			t.Errorf("%s: secrets %q", app.Name, app.Secrets)
		}
		if w.App(app.ClientID) != app {
			t.Errorf("%s: App(clientID) lookup fails", app.Name)
		}
		sp := w.ServicePrincipalByAppID(app.ClientID)
		if sp == nil || sp.ID != app.ServicePrincipalID || sp.AppOwnerOrganizationID != w.Tenant.ID ||
			sp.ServicePrincipalType != "Application" {
			t.Errorf("%s: service principal %+v", app.Name, sp)
			continue
		}
		if !some(w.Applications, func(a *world.Application) bool { return a.AppID == app.ClientID }) {
			t.Errorf("%s: no application object", app.Name)
		}
		var granted []string
		for _, a := range w.AppRoleAssignments {
			if a.Principal.ID == sp.ID && a.ResourceID == graph.ID {
				granted = append(granted, permValue(a.AppRoleID))
			}
		}
		if !slices.Equal(granted, e.perms) {
			t.Errorf("%s: Graph app role assignments %v, want %v", app.Name, granted, e.perms)
		}
		var arm []string
		for _, a := range w.ARMAssignments {
			if a.PrincipalID == sp.ID {
				if a.Scope != root.Scope() || a.PrincipalType != "ServicePrincipal" || a.Eligible {
					t.Errorf("%s: unexpected assignment %+v", app.Name, a)
				}
				arm = append(arm, a.RoleDefinition)
			}
		}
		if wantARM := []string{e.armRole}; e.armRole == "" && len(arm) != 0 || e.armRole != "" && !slices.Equal(arm, wantARM) {
			t.Errorf("%s: ARM roles %v, want %q", app.Name, arm, e.armRole)
		}
	}
	if a, b := generate(t, "tiny", 1).Apps[0].Secrets[0], w.Apps[0].Secrets[0]; a != b {
		t.Error("secrets are not deterministic")
	}
}

func permValue(id string) string {
	for _, p := range world.GraphPermissions() {
		if p.ID == id {
			return p.Value
		}
	}
	return "?" + id
}

func TestNoP2(t *testing.T) {
	for _, p := range []string{"tiny", "small"} {
		t.Run(p, func(t *testing.T) {
			w := generate(t, p, 1, noP2)
			if w.Tenant.HasP2 {
				t.Error("tenant has P2")
			}
			for _, s := range w.SKUs {
				for _, k := range world.KnownSKUs() {
					if k.ID == s.SkuID && k.P2 {
						t.Errorf("P2 SKU %s subscribed", s.SkuPartNumber)
					}
				}
			}
			for _, u := range w.Users {
				if u.SignIn != nil {
					t.Fatalf("user %s has signInActivity", u.UserPrincipalName)
				}
			}
			if len(w.GroupAccess) != 0 {
				t.Errorf("%d PIM for Groups records", len(w.GroupAccess))
			}
			for _, a := range w.DirectoryAssignments {
				if a.Eligible || a.Start != nil || a.End != nil || a.ScheduleID != "" {
					t.Errorf("PIM data on directory assignment %+v", a)
				}
			}
			for _, a := range w.ARMAssignments {
				if a.Eligible || a.Start != nil || a.End != nil {
					t.Errorf("PIM data on RBAC assignment %+v", a)
				}
			}
			st := Summarize(w)
			if st.Directory.GlobalAdminActive == 0 || st.RBAC.Total == 0 || st.Licenses.InheritedAssignments == 0 {
				t.Errorf("NoP2 world lost non-PIM features: %+v", st)
			}
			checkIntegrity(t, w)
		})
	}
}

func TestLarge_ZipfShape(t *testing.T) {
	// The size distribution alone, without generating the large world.
	sizes := zipfSizes(20_000, 100_000, 1_500_000)
	total, over50k := 0, 0
	for _, s := range sizes {
		total += s
		if s >= 50_000 {
			over50k++
		}
	}
	if total < 1_400_000 || total > 1_500_000 {
		t.Errorf("large memberships = %d, want about 1.5M", total)
	}
	if over50k < 2 || over50k > 6 {
		t.Errorf("%d groups of 50k+ members, want a few", over50k)
	}
	if sizes[0] > int(MaxGroupShare*100_000) || sizes[len(sizes)-1] < 1 {
		t.Errorf("sizes span %d..%d", sizes[len(sizes)-1], sizes[0])
	}
}
