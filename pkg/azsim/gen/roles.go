package gen

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Directory roles that may be scoped to an administrative unit.
func auScopable(name string) bool {
	switch name {
	case "User Administrator", "Helpdesk Administrator", "Groups Administrator", "Authentication Administrator",
		"License Administrator":
		return true
	}
	return false
}

// directoryRoleActions returns a representative subset of a built-in role's allowed resource actions.
func directoryRoleActions(name string) []string {
	switch name {
	case "Global Administrator":
		return []string{"microsoft.directory/allEntities/allProperties/allTasks"}
	case "Global Reader":
		return []string{"microsoft.directory/allEntities/allProperties/read"}
	case "Privileged Role Administrator":
		return []string{"microsoft.directory/roleAssignments/allProperties/allTasks",
			"microsoft.directory/roleDefinitions/allProperties/allTasks",
			"microsoft.directory/privilegedIdentityManagement/allProperties/allTasks"}
	case "Privileged Authentication Administrator", "Authentication Administrator":
		return []string{"microsoft.directory/users/authenticationMethods/create",
			"microsoft.directory/users/authenticationMethods/delete",
			"microsoft.directory/users/authenticationMethods/standard/read"}
	case "Security Administrator":
		return []string{"microsoft.directory/identityProtection/allProperties/allTasks",
			"microsoft.directory/conditionalAccessPolicies/allProperties/allTasks"}
	case "Security Reader":
		return []string{"microsoft.directory/identityProtection/allProperties/read",
			"microsoft.directory/auditLogs/allProperties/read"}
	case "Application Administrator", "Cloud Application Administrator":
		return []string{"microsoft.directory/applications/allProperties/allTasks",
			"microsoft.directory/servicePrincipals/allProperties/allTasks"}
	case "User Administrator":
		return []string{"microsoft.directory/users/allProperties/allTasks",
			"microsoft.directory/groups/allProperties/allTasks"}
	case "Groups Administrator":
		return []string{"microsoft.directory/groups/allProperties/allTasks"}
	case "Helpdesk Administrator":
		return []string{"microsoft.directory/users/password/update",
			"microsoft.directory/users/invalidateAllRefreshTokens"}
	case "Exchange Administrator":
		return []string{"microsoft.office365.exchange/allEntities/basic/allTasks"}
	case "SharePoint Administrator":
		return []string{"microsoft.office365.sharePoint/allEntities/allTasks"}
	case "License Administrator":
		return []string{"microsoft.directory/users/assignLicense", "microsoft.directory/groups/assignLicense"}
	}
	return []string{"microsoft.directory/users/standard/read", "microsoft.directory/groups/standard/read"}
}

// globalAdminID is the template id of Global Administrator.
const globalAdminID = "62e90394-69f5-4237-9190-012177145e10"

// administrativeUnits adds 2 + Users/5000 administrative units, each with some users and security groups.
// The second one has hidden membership.
func (b *builder) administrativeUnits() error {
	users := b.w.Users
	for k := range 2 + len(users)/5000 {
		r := newRand(b.seed, "administrativeUnit", k)
		name := cycleName(b.dict.auNames, k)
		au := &world.AdministrativeUnit{ID: guid(b.seed, "administrativeUnit", k), DisplayName: "AU " + name,
			Description: "Administrative unit for " + name}
		if k == 1 {
			au.Visibility = "HiddenMembership"
		}
		for _, j := range distinctIndexes(r, len(users), 3+r.IntN(max(1, min(200, len(users)/10)))) {
			au.Members = append(au.Members, world.Ref{Kind: world.KindUser, ID: users[j].ID})
		}
		for _, j := range distinctIndexes(r, len(b.securityGroups), r.IntN(3)) {
			au.Members = append(au.Members, world.Ref{Kind: world.KindGroup, ID: b.w.Groups[b.securityGroups[j]].ID})
		}
		b.w.AdministrativeUnits = append(b.w.AdministrativeUnits, au)
	}
	return nil
}

// directoryRoles defines the built-in and two custom directory roles and assigns them: first a fixed set
// that covers every feature (Global Administrator active, eligible and via a role-assignable group; roles
// held by service principals, a guest and groups; assignments scoped to administrative units; custom
// roles), then Users/250 random ones (stream "dirAssignment").
func (b *builder) directoryRoles() error {
	builtIn := world.BuiltInDirectoryRoles()
	for _, s := range builtIn {
		b.w.DirectoryRoles = append(b.w.DirectoryRoles, &world.DirectoryRoleDefinition{
			ID: s.ID, TemplateID: s.ID, DisplayName: s.Name, Description: s.Description,
			IsBuiltIn: true, IsEnabled: true, IsPrivileged: s.Privileged, Actions: directoryRoleActions(s.Name),
		})
	}
	custom := []*world.DirectoryRoleDefinition{
		{DisplayName: "Contoso Helpdesk Tier 1", Description: "Resets passwords and reads sign-in logs of standard users.",
			Actions: []string{"microsoft.directory/users/password/update", "microsoft.directory/users/standard/read",
				"microsoft.directory/signInReports/allProperties/read"}},
		{DisplayName: "Contoso Application Reader", Description: "Reads app registrations and enterprise apps.",
			Actions: []string{"microsoft.directory/applications/standard/read",
				"microsoft.directory/servicePrincipals/standard/read"}},
	}
	for k, c := range custom {
		c.ID = guid(b.seed, "customDirectoryRole", k)
		c.TemplateID, c.IsEnabled = c.ID, true
		b.w.DirectoryRoles = append(b.w.DirectoryRoles, c)
	}

	a := &dirAssigner{b: b, seen: map[string]bool{}}
	a.fixed(custom)
	a.random(builtIn)

	// Activate (give a legacy directoryRole id to) every built-in role with an active assignment; custom
	// roles have no directoryRole object in Graph.
	active := map[string]bool{}
	for _, x := range b.w.DirectoryAssignments {
		if !x.Eligible {
			active[x.RoleDefinitionID] = true
		}
	}
	for k, r := range b.w.DirectoryRoles[:len(builtIn)] {
		if active[r.ID] {
			r.DirectoryRoleID = guid(b.seed, "directoryRole", k)
		}
	}
	return nil
}

// dirAssigner creates directory role assignments without duplicates.
type dirAssigner struct {
	b    *builder
	seen map[string]bool
}

// schedule is the time window of an assignment: nil Start and End for a permanent active assignment.
type schedule struct {
	eligible   bool
	start, end *time.Time
}

// add records an assignment with the given id index unless an identical one exists or it needs PIM in a
// tenant without P2.
func (a *dirAssigner) add(kind string, n int, role string, p world.Ref, scope string, s schedule) {
	b := a.b
	if !b.w.Tenant.HasP2 && (s.eligible || s.end != nil) {
		if s.eligible {
			return
		}
		s = schedule{} // without PIM an assignment is simply permanent
	}
	key := role + "|" + p.ID + "|" + scope + "|" + state(s.eligible)
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	x := &world.DirectoryRoleAssignment{ID: guid(b.seed, kind, n), RoleDefinitionID: role, Principal: p,
		DirectoryScopeID: scope, Eligible: s.eligible, Start: s.start, End: s.end}
	if b.w.Tenant.HasP2 {
		x.ScheduleID = guid(b.seed, kind+"/schedule", n)
	}
	b.w.DirectoryAssignments = append(b.w.DirectoryAssignments, x)
}

func state(eligible bool) string {
	if eligible {
		return "eligible"
	}
	return "active"
}

// pimWindow returns a PIM schedule starting in the recent past; End is nil (permanent) when permanent.
func pimWindow(r *rand.Rand, eligible, permanent bool) schedule {
	start := days(400 + r.Float64()*(dayRecentEnd-400))
	s := schedule{eligible: eligible, start: &start}
	if !permanent {
		end := days(dayFutureStart + r.Float64()*(dayFutureEnd-dayFutureStart))
		s.end = &end
	}
	return s
}

// fixed adds the assignments every world has.
func (a *dirAssigner) fixed(custom []*world.DirectoryRoleDefinition) {
	b := a.b
	r := newRand(b.seed, "dirAssignment/fixed", 0)
	user := func(k int) world.Ref { return userRef(b.w.Users[b.regularUsers[k%len(b.regularUsers)]]) }
	group := func(g int) world.Ref { return world.Ref{Kind: world.KindGroup, ID: b.w.Groups[g].ID} }
	spRef := func(sp *world.ServicePrincipal) world.Ref {
		return world.Ref{Kind: world.KindServicePrincipal, ID: sp.ID}
	}
	firstAU := "/administrativeUnits/" + b.w.AdministrativeUnits[0].ID
	lastAU := "/administrativeUnits/" + b.w.AdministrativeUnits[len(b.w.AdministrativeUnits)-1].ID
	guest := b.w.Users[9] // index 9 is always a guest
	ra := b.roleAssignable
	roleID := map[string]string{}
	for _, s := range world.BuiltInDirectoryRoles() {
		roleID[s.Name] = s.ID
	}
	permanent := schedule{}
	fixed := []struct {
		role  string
		p     world.Ref
		scope string
		s     schedule
	}{
		{globalAdminID, user(0), "/", permanent},
		{globalAdminID, user(1), "/", permanent},
		{globalAdminID, group(ra[0]), "/", permanent},
		{globalAdminID, user(2), "/", pimWindow(r, true, false)},
		{globalAdminID, user(3), "/", pimWindow(r, true, true)},
		{roleID["Privileged Role Administrator"], user(4), "/", pimWindow(r, false, false)},
		{roleID["User Administrator"], user(5), firstAU, permanent},
		{roleID["Helpdesk Administrator"], user(6), lastAU, pimWindow(r, true, false)},
		{custom[0].ID, user(7), "/", permanent},
		{custom[0].ID, user(8), firstAU, permanent},
		{custom[1].ID, spRef(b.ownAppSPs[0]), "/", permanent},
		{roleID["Application Administrator"], spRef(b.ownAppSPs[len(b.ownAppSPs)-1]), "/", permanent},
		{roleID["Directory Readers"], userRef(guest), "/", permanent},
		{roleID["Global Reader"], spRef(b.miSPs[0]), "/", permanent},
		{roleID["Security Reader"], group(ra[len(ra)-1]), "/", pimWindow(r, true, false)},
	}
	for k, f := range fixed {
		a.add("dirAssignment/fixed", k, f.role, f.p, f.scope, f.s)
	}
}

// random adds Users/250 assignments: mostly users, some service principals and role-assignable groups,
// about a third eligible (users and groups only; PIM has no eligible service principals), AU-scoped where
// the role allows it.
func (a *dirAssigner) random(builtIn []world.RoleSpec) {
	b := a.b
	sps := append(append([]*world.ServicePrincipal(nil), b.appSPs...), b.miSPs...)
	for j := range len(b.w.Users) / 250 {
		r := newRand(b.seed, "dirAssignment", j)
		role := builtIn[1+r.IntN(len(builtIn)-1)]
		if chance(r, 0.01) {
			role = builtIn[0] // Global Administrator
		}
		var p world.Ref
		switch f := r.Float64(); {
		case f < 0.8:
			p = userRef(b.w.Users[pick(r, b.regularUsers)])
		case f < 0.92:
			p = world.Ref{Kind: world.KindServicePrincipal, ID: pick(r, sps).ID}
		default:
			p = world.Ref{Kind: world.KindGroup, ID: b.w.Groups[pick(r, b.roleAssignable)].ID}
		}
		scope := "/"
		if auScopable(role.Name) && chance(r, 0.3) {
			scope = "/administrativeUnits/" + pick(r, b.w.AdministrativeUnits).ID
		}
		s := schedule{}
		switch {
		case p.Kind != world.KindServicePrincipal && chance(r, 0.35):
			s = pimWindow(r, true, chance(r, 0.2))
		case chance(r, 0.05):
			s = pimWindow(r, false, false)
		}
		a.add("dirAssignment", j, role.ID, p, scope, s)
	}
}

func userRef(u *world.User) world.Ref { return world.Ref{Kind: world.KindUser, ID: u.ID} }

// groupPIM adds PIM for Groups data when the tenant has P2: on the first role-assignable group an
// eligible member (time-bound), an eligible owner (permanent) and a time-bound active member, then
// Groups/200 random ones on role-assignable groups. Active assignments also appear in the group's
// members or owners, as they do in Graph.
func (b *builder) groupPIM() error {
	if !b.w.Tenant.HasP2 {
		return nil
	}
	seen := map[string]bool{}
	add := func(kind string, n, g int, u *world.User, access string, s schedule) {
		key := b.w.Groups[g].ID + "|" + u.ID + "|" + access + "|" + state(s.eligible)
		if seen[key] {
			return
		}
		grp := b.w.Groups[g]
		p := userRef(u)
		if !s.eligible { // an active assignment is a membership; skip principals that already have it
			list := &grp.Members
			if access == "owner" {
				list = &grp.Owners
			}
			if slices.Contains(*list, p) {
				return
			}
			*list = append(*list, p)
		}
		seen[key] = true
		ga := &world.GroupAccess{ID: guid(b.seed, kind, n), GroupID: grp.ID, Principal: p, AccessID: access,
			Eligible: s.eligible, Start: *s.start, End: s.end}
		b.w.GroupAccess = append(b.w.GroupAccess, ga)
	}
	r := newRand(b.seed, "groupPIM/fixed", 0)
	g0 := b.roleAssignable[0]
	reg := func(k int) *world.User { return b.w.Users[b.regularUsers[k%len(b.regularUsers)]] }
	add("groupPIM/fixed", 0, g0, reg(9), "member", pimWindow(r, true, false))
	add("groupPIM/fixed", 1, g0, reg(10), "owner", pimWindow(r, true, true))
	add("groupPIM/fixed", 2, g0, reg(11), "member", pimWindow(r, false, false))
	for j := range len(b.w.Groups) / 200 {
		r := newRand(b.seed, "groupPIM", j)
		g := pick(r, b.roleAssignable)
		access := "member"
		if chance(r, 0.25) {
			access = "owner"
		}
		eligible := chance(r, 0.7)
		add("groupPIM", j, g, b.w.Users[pick(r, b.regularUsers)], access, pimWindow(r, eligible, eligible && chance(r, 0.2)))
	}
	return nil
}
