package azsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Application permissions that allow each family of reads (any one suffices), as Graph documents them.
func permsUsers() []string {
	return []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsGroups() []string {
	return []string{"Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsMembers() []string {
	return []string{"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All",
		"Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsApps() []string {
	return []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsRoles() []string {
	return []string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory",
		"Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsEligibility() []string {
	return []string{"RoleEligibilitySchedule.Read.Directory", "RoleEligibilitySchedule.ReadWrite.Directory",
		"RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory"}
}
func permsAssignmentSchedules() []string {
	return []string{"RoleAssignmentSchedule.Read.Directory", "RoleAssignmentSchedule.ReadWrite.Directory",
		"RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory"}
}
func permsGroupEligibility() []string {
	return []string{"PrivilegedEligibilitySchedule.Read.AzureADGroup", "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"}
}
func permsGroupAssignment() []string {
	return []string{"PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"}
}
func permsAUs() []string {
	return []string{"AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsOrg() []string {
	return []string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsSkus() []string {
	return []string{"Organization.Read.All", "LicenseAssignment.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
}
func permsRisky() []string {
	return []string{"IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"}
}
func permsMailbox() []string  { return []string{"MailboxSettings.Read", "MailboxSettings.ReadWrite"} }
func permsGetByIDs() []string { return []string{"Directory.Read.All", "Directory.ReadWrite.All"} }

// registerGraphReads registers every Graph read route azsim serves, for both /v1.0 and /beta.
func (s *Server) registerGraphReads(reg func(pattern string, perms []string, h graphHandler)) {
	s.gs = newGraphSets()
	gs := s.gs
	reg("GET /{ver}/organization", permsOrg(), func(c *gctx) reply {
		return c.list(gs.organization, 1, func(int) any { return &c.w.Tenant }, listOpts{context: "organization", noFilter: true})
	})
	reg("GET /{ver}/subscribedSkus", permsSkus(), func(c *gctx) reply {
		return c.list(gs.sku, len(c.w.SKUs), func(i int) any { return c.w.SKUs[i] }, listOpts{context: "subscribedSkus", noFilter: true})
	})

	// Users.
	reg("GET /{ver}/users", permsUsers(), handleListUsers)
	reg("GET /{ver}/users/$count", permsUsers(), func(c *gctx) reply { return c.count(len(c.w.Users)) })
	reg("GET /{ver}/users/{id}", permsUsers(), func(c *gctx) reply {
		u := c.w.User(c.r.PathValue("id"))
		if u == nil {
			return notFound(c.r.PathValue("id"))
		}
		if r, gated := c.signInGate(); gated {
			return r
		}
		return c.single(gs.user, u, "users")
	})
	reg("GET /{ver}/users/{id}/mailboxSettings", permsMailbox(), handleMailboxSettings)
	reg("GET /{ver}/users/{id}/mailboxSettings/userPurpose", permsMailbox(), handleMailboxSettings)
	reg("GET /{ver}/users/{id}/licenseDetails", permsUsers(), func(c *gctx) reply {
		u := c.w.User(c.r.PathValue("id"))
		if u == nil {
			return notFound(c.r.PathValue("id"))
		}
		skus := userSKUs(c.w, u)
		return c.list(gs.licenseDetails, len(skus), func(i int) any { return skus[i] }, listOpts{context: "users('" + u.ID + "')/licenseDetails", noFilter: true})
	})

	// Groups and memberships.
	reg("GET /{ver}/groups", permsGroups(), func(c *gctx) reply {
		return c.list(gs.group, len(c.w.Groups), func(i int) any { return c.w.Groups[i] }, listOpts{context: "groups"})
	})
	reg("GET /{ver}/groups/$count", permsGroups(), func(c *gctx) reply { return c.count(len(c.w.Groups)) })
	reg("GET /{ver}/groups/{id}", permsGroups(), func(c *gctx) reply {
		g := c.w.Group(c.r.PathValue("id"))
		if g == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.single(gs.group, g, "groups")
	})
	for _, rel := range []string{"members", "owners", "transitiveMembers"} {
		rel := rel
		perms := permsMembers()
		reg("GET /{ver}/groups/{id}/"+rel, perms, func(c *gctx) reply { return c.groupRelation(rel, "", false) })
		reg("GET /{ver}/groups/{id}/"+rel+"/$count", perms, func(c *gctx) reply { return c.groupRelation(rel, "", true) })
		reg("GET /{ver}/groups/{id}/"+rel+"/{cast}", perms, func(c *gctx) reply { return c.groupRelation(rel, c.r.PathValue("cast"), false) })
	}
	reg("POST /{ver}/directoryObjects/getByIds", permsGetByIDs(), handleGetByIDs)

	// Directory roles (legacy activated roles) and unified role management.
	reg("GET /{ver}/directoryRoles", permsRoles(), func(c *gctx) reply {
		roles := activatedRoles(c.w)
		return c.list(gs.directoryRole, len(roles), func(i int) any { return roles[i] }, listOpts{context: "directoryRoles", noPaging: true, noFilter: true})
	})
	reg("GET /{ver}/directoryRoles/{id}", permsRoles(), func(c *gctx) reply {
		r := directoryRoleByKey(c.w, c.r.PathValue("id"))
		if r == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.single(gs.directoryRole, r, "directoryRoles")
	})
	reg("GET /{ver}/directoryRoles/{id}/members", permsRoles(), func(c *gctx) reply {
		r := directoryRoleByKey(c.w, c.r.PathValue("id"))
		if r == nil {
			return notFound(c.r.PathValue("id"))
		}
		refs := activeTenantMembers(c.w, r.ID)
		return c.list(gs.directoryObject, len(refs), func(i int) any { return refs[i] }, listOpts{context: "directoryObjects", noPaging: true, noFilter: true})
	})
	s.registerRoleManagement(reg)

	// Applications and service principals.
	reg("GET /{ver}/servicePrincipals", permsApps(), func(c *gctx) reply {
		return c.list(gs.servicePrincipal, len(c.w.ServicePrincipals), func(i int) any { return c.w.ServicePrincipals[i] }, listOpts{context: "servicePrincipals"})
	})
	reg("GET /{ver}/servicePrincipals/$count", permsApps(), func(c *gctx) reply { return c.count(len(c.w.ServicePrincipals)) })
	reg("GET /{ver}/servicePrincipals/{id}", permsApps(), func(c *gctx) reply {
		sp := servicePrincipalByKey(c.w, c.r.PathValue("id"))
		if sp == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.single(gs.servicePrincipal, sp, "servicePrincipals")
	})
	reg("GET /{ver}/servicePrincipals/{id}/appRoleAssignedTo", permsApps(), func(c *gctx) reply { return c.appRoleAssignments(true) })
	reg("GET /{ver}/servicePrincipals/{id}/appRoleAssignments", permsApps(), func(c *gctx) reply { return c.appRoleAssignments(false) })
	reg("GET /{ver}/users/{id}/appRoleAssignments", permsUsers(), func(c *gctx) reply {
		u := c.w.User(c.r.PathValue("id"))
		if u == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.heldAppRoleAssignments(u.ID, "users('"+u.ID+"')/appRoleAssignments")
	})
	reg("GET /{ver}/groups/{id}/appRoleAssignments", permsGroups(), func(c *gctx) reply {
		g := c.w.Group(c.r.PathValue("id"))
		if g == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.heldAppRoleAssignments(g.ID, "groups('"+g.ID+"')/appRoleAssignments")
	})
	reg("GET /{ver}/servicePrincipals/{id}/owners", permsApps(), func(c *gctx) reply {
		sp := servicePrincipalByKey(c.w, c.r.PathValue("id"))
		if sp == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.list(gs.directoryObject, len(sp.Owners), func(i int) any { return sp.Owners[i] }, listOpts{context: "directoryObjects"})
	})
	reg("GET /{ver}/applications", permsApps(), func(c *gctx) reply {
		return c.list(gs.application, len(c.w.Applications), func(i int) any { return c.w.Applications[i] }, listOpts{context: "applications"})
	})
	reg("GET /{ver}/applications/{id}", permsApps(), func(c *gctx) reply {
		a := c.w.Application(c.r.PathValue("id"))
		if a == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.single(gs.application, a, "applications")
	})
	reg("GET /{ver}/applications/{id}/owners", permsApps(), func(c *gctx) reply {
		a := c.w.Application(c.r.PathValue("id"))
		if a == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.list(gs.directoryObject, len(a.Owners), func(i int) any { return a.Owners[i] }, listOpts{context: "directoryObjects"})
	})

	// Administrative units.
	reg("GET /{ver}/administrativeUnits", permsAUs(), func(c *gctx) reply {
		aus := c.w.AdministrativeUnits
		return c.list(gs.administrativeUnit, len(aus), func(i int) any { return aus[i] }, listOpts{context: "administrativeUnits"})
	})
	reg("GET /{ver}/administrativeUnits/{id}", permsAUs(), func(c *gctx) reply {
		au := c.w.AdministrativeUnit(c.r.PathValue("id"))
		if au == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.single(gs.administrativeUnit, au, "administrativeUnits")
	})
	reg("GET /{ver}/administrativeUnits/{id}/members", permsAUs(), func(c *gctx) reply {
		au := c.w.AdministrativeUnit(c.r.PathValue("id"))
		if au == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.list(gs.directoryObject, len(au.Members), func(i int) any { return au.Members[i] }, listOpts{context: "directoryObjects"})
	})
	reg("GET /{ver}/administrativeUnits/{id}/scopedRoleMembers", permsAUs(), func(c *gctx) reply {
		au := c.w.AdministrativeUnit(c.r.PathValue("id"))
		if au == nil {
			return notFound(c.r.PathValue("id"))
		}
		var as []*world.DirectoryRoleAssignment
		for _, a := range c.w.DirectoryAssignments {
			if !a.Eligible && strings.EqualFold(a.DirectoryScopeID, "/administrativeUnits/"+au.ID) {
				as = append(as, a)
			}
		}
		return c.list(gs.scopedRoleMember, len(as), func(i int) any { return as[i] }, listOpts{context: "scopedRoleMembers", noFilter: true})
	})

	reg("GET /{ver}/identityProtection/riskyUsers", permsRisky(), func(c *gctx) reply {
		var risky []*world.User
		for _, u := range c.w.Users {
			if u.Risk != nil {
				risky = append(risky, u)
			}
		}
		return c.list(gs.riskyUser, len(risky), func(i int) any { return risky[i] }, listOpts{context: "identityProtection/riskyUsers"})
	})
}

// count answers /$count, which needs ConsistencyLevel: eventual.
func (c *gctx) count(n int) reply {
	if !strings.EqualFold(c.r.Header.Get("ConsistencyLevel"), "eventual") {
		return errorf(http.StatusBadRequest, "Request_BadRequest", "$count is not currently supported.")
	}
	return reply{status: http.StatusOK, text: strconv.Itoa(n)}
}

// mentions reports whether a query option mentions a property (case-insensitive).
func (c *gctx) mentions(option, property string) bool {
	return strings.Contains(strings.ToLower(c.r.URL.Query().Get(option)), strings.ToLower(property))
}

// signInGate applies signInActivity's extra requirements: AuditLog.Read.All and a premium tenant.
func (c *gctx) signInGate() (reply, bool) {
	if !c.mentions("$select", "signInActivity") && !c.mentions("$filter", "signInActivity") {
		return reply{}, false
	}
	if !c.caller.hasAny("AuditLog.Read.All") {
		return errorf(http.StatusForbidden, "Authentication_MSGraphPermissionMissing",
			"Calling principal does not have required MSGraph permissions AuditLog.Read.All"), true
	}
	if !c.w.Tenant.HasP2 {
		return errorf(http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license"), true
	}
	return reply{}, false
}

func handleListUsers(c *gctx) reply {
	if r, gated := c.signInGate(); gated {
		return r
	}
	o := listOpts{context: "users"}
	if c.mentions("$select", "signInActivity") || c.mentions("$filter", "signInActivity") {
		o.maxTop = 500
	}
	return c.list(c.s.gs.user, len(c.w.Users), func(i int) any { return c.w.Users[i] }, o)
}

// handleMailboxSettings serves Exchange's mailboxSettings; users without a mailbox get 404.
func handleMailboxSettings(c *gctx) reply {
	if !c.caller.hasAny(permsMailbox()...) {
		return errorf(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	}
	id := c.r.PathValue("id")
	u := c.w.User(id)
	if u == nil {
		return errorf(http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+id+"' is invalid.")
	}
	if u.MailboxPurpose == "" {
		return errorf(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	}
	base := "https://" + c.r.Host + "/" + c.ver + "/$metadata#users('" + u.ID + "')/mailboxSettings"
	if strings.HasSuffix(c.r.URL.Path, "/userPurpose") {
		return ok(map[string]any{"@odata.context": base + "/userPurpose", "value": u.MailboxPurpose})
	}
	return ok(map[string]any{
		"@odata.context": base, "archiveFolder": "AAMkAGI2", "timeZone": "UTC", "dateFormat": "M/d/yyyy", "timeFormat": "h:mm tt",
		"delegateMeetingMessageDeliveryOptions": "sendToDelegateOutlookRules",
		"language":                              map[string]any{"locale": "en-US", "displayName": "English (United States)"},
		"automaticRepliesSetting": map[string]any{"status": "disabled", "externalAudience": "all",
			"internalReplyMessage": "", "externalReplyMessage": ""},
		"workingHours": map[string]any{"daysOfWeek": []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
			"startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": map[string]any{"name": "UTC"}},
		"userPurpose": u.MailboxPurpose,
	})
}

// userSKUs returns the distinct SKUs a user holds, directly or through groups.
func userSKUs(w *world.World, u *world.User) []*world.SKU {
	seen := map[string]bool{}
	var out []*world.SKU
	for _, l := range w.UserLicenses(u) {
		if seen[l.SkuID] {
			continue
		}
		seen[l.SkuID] = true
		for _, s := range w.SKUs {
			if s.SkuID == l.SkuID {
				out = append(out, s)
			}
		}
	}
	return out
}

// groupRelation serves members, owners and transitiveMembers, with an optional OData type cast and /$count.
func (c *gctx) groupRelation(rel, cast string, count bool) reply {
	g := c.w.Group(c.r.PathValue("id"))
	if g == nil {
		return notFound(c.r.PathValue("id"))
	}
	var refs []world.Ref
	switch rel {
	case "members":
		refs = g.Members
	case "owners":
		refs = g.Owners
	case "transitiveMembers":
		refs = transitiveMembers(c.w, g)
	}
	if cast != "" {
		kind, known := castKind(cast)
		if !known {
			return errorf(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+cast+"'.")
		}
		filtered := make([]world.Ref, 0, len(refs))
		for _, r := range refs {
			if r.Kind == kind {
				filtered = append(filtered, r)
			}
		}
		refs = filtered
	}
	if count {
		return c.count(len(refs))
	}
	return c.list(c.s.gs.directoryObject, len(refs), func(i int) any { return refs[i] }, listOpts{context: "directoryObjects"})
}

func castKind(cast string) (world.Kind, bool) {
	switch strings.ToLower(cast) {
	case "microsoft.graph.user":
		return world.KindUser, true
	case "microsoft.graph.group":
		return world.KindGroup, true
	case "microsoft.graph.serviceprincipal":
		return world.KindServicePrincipal, true
	}
	return 0, false
}

// transitiveMembers flattens nested membership breadth-first; cycles are visited once. Nested groups
// themselves are members too, as in Graph.
func transitiveMembers(w *world.World, g *world.Group) []world.Ref {
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
			out = append(out, m)
			if m.Kind == world.KindGroup {
				if ng := w.Group(m.ID); ng != nil {
					queue = append(queue, ng)
				}
			}
		}
	}
	return out
}

// handleGetByIDs serves POST /directoryObjects/getByIds.
func handleGetByIDs(c *gctx) reply {
	var body struct {
		IDs   []string `json:"ids"`
		Types []string `json:"types"`
	}
	if err := json.NewDecoder(c.r.Body).Decode(&body); err != nil {
		return errorf(http.StatusBadRequest, "Request_BadRequest", "Invalid request body: "+err.Error())
	}
	if len(body.IDs) == 0 {
		return errorf(http.StatusBadRequest, "Request_BadRequest", "The 'ids' parameter is required and must not be empty.")
	}
	if len(body.IDs) > 1000 {
		return errorf(http.StatusBadRequest, "Request_BadRequest", "The number of ids must not exceed 1000.")
	}
	want := map[world.Kind]bool{}
	for _, t := range body.Types {
		k, known := castKind("microsoft.graph." + t)
		if !known {
			return errorf(http.StatusBadRequest, "Request_BadRequest", "Unsupported type '"+t+"'.")
		}
		want[k] = true
	}
	var refs []world.Ref
	for _, id := range body.IDs {
		if r, exists := c.w.Object(id); exists && (len(want) == 0 || want[r.Kind]) {
			refs = append(refs, r)
		}
	}
	return c.list(c.s.gs.directoryObject, len(refs), func(i int) any { return refs[i] }, listOpts{context: "directoryObjects", noPaging: true, noFilter: true})
}

// activatedRoles are the role definitions with a legacy directoryRole object (at least one active assignment).
func activatedRoles(w *world.World) []*world.DirectoryRoleDefinition {
	var out []*world.DirectoryRoleDefinition
	for _, r := range w.DirectoryRoles {
		if r.DirectoryRoleID != "" {
			out = append(out, r)
		}
	}
	return out
}

// directoryRoleByKey resolves a directoryRole id or a roleTemplateId=... key.
func directoryRoleByKey(w *world.World, key string) *world.DirectoryRoleDefinition {
	if t, isTemplate := strings.CutPrefix(key, "roleTemplateId="); isTemplate {
		if r := w.DirectoryRole(t); r != nil && r.DirectoryRoleID != "" {
			return r
		}
		return nil
	}
	return w.DirectoryRoleByActivatedID(key)
}

// activeTenantMembers lists the distinct principals with an active, tenant-wide assignment of a role.
func activeTenantMembers(w *world.World, roleID string) []world.Ref {
	seen := map[string]bool{}
	var out []world.Ref
	for _, a := range w.DirectoryAssignments {
		if a.Eligible || a.RoleDefinitionID != roleID || a.DirectoryScopeID != "/" || seen[a.Principal.ID] {
			continue
		}
		seen[a.Principal.ID] = true
		out = append(out, a.Principal)
	}
	return out
}

func servicePrincipalByKey(w *world.World, key string) *world.ServicePrincipal {
	if appID, isApp := strings.CutPrefix(key, "appId="); isApp {
		return w.ServicePrincipalByAppID(appID)
	}
	return w.ServicePrincipal(key)
}

// heldAppRoleAssignments lists the app role assignments a user or group holds (GET /users/{id}/appRoleAssignments,
// /groups/{id}/appRoleAssignments; $filter=resourceId eq {guid} narrows them to one resource).
func (c *gctx) heldAppRoleAssignments(principalID, context string) reply {
	var as []*world.AppRoleAssignment
	for _, a := range c.w.AppRoleAssignments {
		if a.Principal.ID == principalID {
			as = append(as, a)
		}
	}
	return c.list(c.s.gs.appRoleAssignment, len(as), func(i int) any { return as[i] }, listOpts{context: context})
}

// appRoleAssignments lists the assignments granted on (assignedTo) or held by a service principal.
func (c *gctx) appRoleAssignments(assignedTo bool) reply {
	sp := servicePrincipalByKey(c.w, c.r.PathValue("id"))
	if sp == nil {
		return notFound(c.r.PathValue("id"))
	}
	var as []*world.AppRoleAssignment
	for _, a := range c.w.AppRoleAssignments {
		if (assignedTo && a.ResourceID == sp.ID) || (!assignedTo && a.Principal.ID == sp.ID) {
			as = append(as, a)
		}
	}
	ctx := "servicePrincipals('" + sp.ID + "')/appRoleAssignments"
	if assignedTo {
		ctx = "servicePrincipals('" + sp.ID + "')/appRoleAssignedTo"
	}
	return c.list(c.s.gs.appRoleAssignment, len(as), func(i int) any { return as[i] }, listOpts{context: ctx})
}
