package gen

import (
	"slices"
	"strconv"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// graphServicePrincipal adds Microsoft Graph's service principal, whose app roles are the Graph
// application permissions.
func (b *builder) graphServicePrincipal() error {
	perms := world.GraphPermissions()
	roles := make([]world.AppRole, len(perms))
	for i, p := range perms {
		roles[i] = world.AppRole{ID: p.ID, DisplayName: p.Value, Value: p.Value, IsEnabled: true,
			Description:        "Application permission " + p.Value + " on Microsoft Graph.",
			AllowedMemberTypes: []string{"Application"}}
	}
	sp := &world.ServicePrincipal{
		ID:                     guid(b.seed, "sp/graph", 0),
		AppID:                  world.GraphAppID,
		DisplayName:            "Microsoft Graph",
		ServicePrincipalType:   "Application",
		AccountEnabled:         true,
		AppOwnerOrganizationID: world.MicrosoftTenantID,
		AppRoles:               roles,
		ServicePrincipalNames: []string{world.GraphAppID + "/ags.windows.net", world.GraphAppID,
			"https://canary.graph.microsoft.com", "https://graph.microsoft.com", "https://ags.windows.net",
			"https://graph.microsoft.us", "https://dod-graph.microsoft.us"},
		SignInAudience:  "AzureADMultipleOrgs",
		CreatedDateTime: b.w.Tenant.CreatedAt,
	}
	b.graphSP = sp
	b.w.ServicePrincipals = append(b.w.ServicePrincipals, sp)
	return nil
}

// registeredAppDef describes one of the three applications that can sign in to azsim.
type registeredAppDef struct {
	name, purpose string
	perms         []string
}

// registeredAppDefs returns the three registered apps: a read-only syncer, a provisioner with every
// permission, and a least-privilege app for permission-error tests. Their ARM role assignments are made in
// rbac.go.
func registeredAppDefs() []registeredAppDef {
	var read, all []string
	for _, p := range world.GraphPermissions() {
		all = append(all, p.Value)
		if isReadPermission(p.Value) {
			read = append(read, p.Value)
		}
	}
	return []registeredAppDef{
		{name: "baton-azure-reader", purpose: "read-only sync", perms: read},
		{name: "baton-azure-provisioner", purpose: "sync and provisioning", perms: all},
		{name: "azsim-limited", purpose: "least privilege tests", perms: []string{"User.Read.All"}},
	}
}

// isReadPermission reports whether a Graph permission only reads.
func isReadPermission(v string) bool {
	if strings.Contains(v, "ReadWrite") {
		return false
	}
	return strings.Contains(v, ".Read.") || strings.HasSuffix(v, ".Read") || strings.HasSuffix(v, "Read.All")
}

// registeredApps adds the three registered apps: an application object, a service principal, a client
// secret, and the app role assignments on Microsoft Graph that record their application permissions.
func (b *builder) registeredApps() error {
	permID := map[string]string{}
	for _, p := range world.GraphPermissions() {
		permID[p.Value] = p.ID
	}
	created := days(-30)
	for k, def := range registeredAppDefs() {
		appID := guid(b.seed, "appid/registered", k)
		b.w.Applications = append(b.w.Applications, &world.Application{
			ID: guid(b.seed, "application/registered", k), AppID: appID, DisplayName: def.name,
			SignInAudience: "AzureADMyOrg", CreatedDateTime: created,
		})
		sp := &world.ServicePrincipal{
			ID: guid(b.seed, "sp/registered", k), AppID: appID, DisplayName: def.name,
			ServicePrincipalType: "Application", AccountEnabled: true,
			AppOwnerOrganizationID: b.w.Tenant.ID,
			ServicePrincipalNames:  []string{appID},
			Tags:                   []string{"WindowsAzureActiveDirectoryIntegratedApp"},
			SignInAudience:         "AzureADMyOrg", CreatedDateTime: created,
		}
		b.w.ServicePrincipals = append(b.w.ServicePrincipals, sp)
		b.registered = append(b.registered, sp)
		b.w.Apps = append(b.w.Apps, &world.RegisteredApp{
			Name: def.name, ClientID: appID, Secrets: []string{clientSecret(b.seed, k)},
			ServicePrincipalID: sp.ID, GraphPermissions: def.perms, Purpose: def.purpose,
		})
		for j, p := range def.perms {
			b.w.AppRoleAssignments = append(b.w.AppRoleAssignments, &world.AppRoleAssignment{
				ID:        guid(b.seed, "appRoleAssignment/registered/"+strconv.Itoa(k), j),
				AppRoleID: permID[p], Principal: world.Ref{Kind: world.KindServicePrincipal, ID: sp.ID},
				ResourceID: b.graphSP.ID, CreatedAt: created,
			})
		}
	}
	return nil
}

// enterpriseApps adds the enterprise applications. A third are multi-tenant SaaS apps owned by another
// organization; the rest are registered in this tenant and also get an application object. Every fourth
// app (i%4 == 2) declares no app roles and is assigned with default access; the others declare one to
// four roles for users and/or applications.
func (b *builder) enterpriseApps() error {
	d := b.dict
	for i := range b.spec.EnterpriseApps {
		r := newRand(b.seed, "app", i)
		thirdParty := i%3 == 0
		appID := guid(b.seed, "appid/app", i)
		sp := &world.ServicePrincipal{
			ID: guid(b.seed, "sp/app", i), AppID: appID,
			ServicePrincipalType: "Application",
			AccountEnabled:       i%25 != 24,
			CreatedDateTime:      between(r, -1200, dayRecentStart),
		}
		nRoles := 0
		if i%4 != 2 {
			nRoles = 1 + r.IntN(4)
			if i < 2 {
				nRoles = max(nRoles, 2) // the first apps have both user and application roles
			}
		}
		if thirdParty {
			v := i / 3
			sp.DisplayName = cycleName(d.saasApps, v)
			sp.AppOwnerOrganizationID = guid(b.seed, "vendorTenant", v%len(d.vendorNames))
			sp.ServicePrincipalNames = []string{appID, "https://" + d.vendorNames[v%len(d.vendorNames)] + ".example.com/sso/" + strconv.Itoa(v)}
			sp.Tags = []string{"WindowsAzureActiveDirectoryGalleryApplicationNonPrimaryV1", "WindowsAzureActiveDirectoryIntegratedApp"}
			sp.SignInAudience = "AzureADMultipleOrgs"
		} else {
			sp.DisplayName = "Contoso " + cycleName(d.ownAppWords, i-i/3-1)
			sp.AppOwnerOrganizationID = b.w.Tenant.ID
			sp.ServicePrincipalNames = []string{appID, "api://" + appID}
			sp.Tags = []string{"WindowsAzureActiveDirectoryIntegratedApp"}
			sp.SignInAudience = "AzureADMyOrg"
		}
		sp.AppRoles = b.appRoles(i, sp.DisplayName, nRoles)
		sp.AppRoleAssignmentRequired = nRoles > 0 && chance(r, 0.7)
		b.w.ServicePrincipals = append(b.w.ServicePrincipals, sp)
		b.appSPs = append(b.appSPs, sp)
		if thirdParty {
			continue
		}
		or := newRand(b.seed, "appOwners", i)
		for _, j := range distinctIndexes(or, len(b.memberUsers), 1+or.IntN(2)) {
			sp.Owners = append(sp.Owners, world.Ref{Kind: world.KindUser, ID: b.w.Users[b.memberUsers[j]].ID})
		}
		b.ownAppSPs = append(b.ownAppSPs, sp)
		b.w.Applications = append(b.w.Applications, &world.Application{
			ID: guid(b.seed, "application/app", i), AppID: appID, DisplayName: sp.DisplayName,
			SignInAudience: sp.SignInAudience, AppRoles: slices.Clone(sp.AppRoles), CreatedDateTime: sp.CreatedDateTime,
			Owners: slices.Clone(sp.Owners),
		})
	}
	return nil
}

// appRoles returns the n app roles of enterprise app i. Role j allows User (j = 0, 3), Application (j = 1)
// or both (j = 2).
func (b *builder) appRoles(i int, app string, n int) []world.AppRole {
	if n == 0 {
		return nil
	}
	names := b.dict.appRoleNames
	r := newRand(b.seed, "appRoles", i)
	first := r.IntN(len(names))
	roles := make([]world.AppRole, n)
	for j := range roles {
		name := names[(first+j)%len(names)]
		types := []string{"User"}
		switch j {
		case 1:
			types = []string{"Application"}
		case 2:
			types = []string{"User", "Application"}
		}
		roles[j] = world.AppRole{ID: guid(b.seed, "appRole/"+strconv.Itoa(i), j), DisplayName: name,
			Description: "Grants the " + name + " role in " + app + ".", Value: "App." + name,
			AllowedMemberTypes: types, IsEnabled: true}
	}
	return roles
}

// cycleName returns list[i] for the first pass over list and "list[i mod n] k" afterwards.
func cycleName(list []string, i int) string {
	s := list[i%len(list)]
	if i >= len(list) {
		s += " " + strconv.Itoa(i/len(list)+1)
	}
	return s
}

// appRoleAssignments assigns the enterprise apps' roles (stream "appAssignments"): every app to one or
// more users, most to a few security groups, and apps with application roles to other service principals.
// Apps without roles are assigned with default access. Principals are distinct per app, so no assignment
// is duplicated.
func (b *builder) appRoleAssignments() error {
	users := b.w.Users
	clients := make([]*world.ServicePrincipal, 0, len(b.appSPs)+len(b.miSPs))
	clients = append(append(clients, b.appSPs...), b.miSPs...)
	maxUsers := max(2, min(40, len(users)/25))
	for i, sp := range b.appSPs {
		r := newRand(b.seed, "appAssignments", i)
		kind := "appRoleAssignment/" + strconv.Itoa(i)
		var userRoles, appRoles []string
		for _, role := range sp.AppRoles {
			for _, t := range role.AllowedMemberTypes {
				if t == "User" {
					userRoles = append(userRoles, role.ID)
				} else {
					appRoles = append(appRoles, role.ID)
				}
			}
		}
		if len(sp.AppRoles) == 0 {
			userRoles = []string{world.DefaultAccessRoleID}
		}
		n := 0
		add := func(roles []string, p world.Ref) {
			b.w.AppRoleAssignments = append(b.w.AppRoleAssignments, &world.AppRoleAssignment{
				ID: guid(b.seed, kind, n), AppRoleID: pick(r, roles), Principal: p, ResourceID: sp.ID,
				CreatedAt: between(r, -600, dayRecentEnd),
			})
			n++
		}
		for _, j := range distinctIndexes(r, len(users), 1+r.IntN(maxUsers)) {
			add(userRoles, world.Ref{Kind: world.KindUser, ID: users[j].ID})
		}
		nGroups := r.IntN(4)
		if i < 3 {
			nGroups = max(nGroups, 1)
		}
		for _, j := range distinctIndexes(r, len(b.securityGroups), nGroups) {
			add(userRoles, world.Ref{Kind: world.KindGroup, ID: b.w.Groups[b.securityGroups[j]].ID})
		}
		if len(appRoles) == 0 {
			continue
		}
		for _, j := range distinctIndexes(r, len(clients), 1+r.IntN(3)) {
			if c := clients[j]; c != sp {
				add(appRoles, world.Ref{Kind: world.KindServicePrincipal, ID: c.ID})
			}
		}
	}
	b.graphGrantsToIdentities()
	return nil
}

// graphGrantsToIdentities grants Microsoft Graph read permissions to every seventh managed identity, as
// automation identities commonly have.
func (b *builder) graphGrantsToIdentities() {
	reads := registeredAppDefs()[0].perms
	permID := map[string]string{}
	for _, p := range world.GraphPermissions() {
		permID[p.Value] = p.ID
	}
	for i, mi := range b.miSPs {
		if i%7 != 3 {
			continue
		}
		r := newRand(b.seed, "miGraphGrants", i)
		for n, j := range distinctIndexes(r, len(reads), 1+r.IntN(2)) {
			b.w.AppRoleAssignments = append(b.w.AppRoleAssignments, &world.AppRoleAssignment{
				ID:        guid(b.seed, "appRoleAssignment/mi/"+strconv.Itoa(i), n),
				AppRoleID: permID[reads[j]], Principal: world.Ref{Kind: world.KindServicePrincipal, ID: mi.ID},
				ResourceID: b.graphSP.ID, CreatedAt: between(r, -300, dayRecentEnd),
			})
		}
	}
}
