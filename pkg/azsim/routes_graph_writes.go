package azsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Application permissions that allow each family of writes (any one suffices), as Graph documents them.
func permsWriteMembers() []string {
	return []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
}
func permsWriteOwners() []string { return []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"} }
func permsWriteGroups() []string { return []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"} }
func permsWriteUsers() []string  { return []string{"User.ReadWrite.All", "Directory.ReadWrite.All"} }
func permsWriteRoles() []string  { return []string{"RoleManagement.ReadWrite.Directory"} }
func permsWriteEligibility() []string {
	return []string{"RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}
}
func permsWriteAssignmentSchedules() []string {
	return []string{"RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}
}
func permsWriteLicenses() []string {
	return []string{"LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}
}

// Graph's answers for groups whose membership cannot be changed through it.
const (
	msgSynced    = "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration."
	msgMailGroup = "Cannot Update a mail-enabled security groups and or distribution list."
	msgConflict  = "A conflicting object with one or more of the specified property values is present in the directory."
)

func badRequest(msg string) reply { return errorf(http.StatusBadRequest, "Request_BadRequest", msg) }

// registerGraphWrites registers the write routes; reg takes the world's write lock.
func (s *Server) registerGraphWrites(reg func(pattern string, perms []string, h graphHandler)) {
	for _, rel := range []string{"members", "owners"} {
		rel := rel
		perms := permsWriteMembers()
		if rel == "owners" {
			perms = permsWriteOwners()
		}
		reg("POST /{ver}/groups/{id}/"+rel+"/$ref", perms, func(c *gctx) reply { return c.addGroupRef(rel) })
		reg("DELETE /{ver}/groups/{id}/"+rel+"/{oid}/$ref", perms, func(c *gctx) reply { return c.removeGroupRef(rel) })
		reg("DELETE /{ver}/groups/{id}/"+rel+"/{oid}", perms, func(c *gctx) reply {
			// Without /$ref Graph deletes the member object itself. azsim refuses rather than deleting.
			return badRequest("azsim refuses DELETE /groups/{id}/" + rel + "/{id} without /$ref: in Microsoft Graph it deletes the " +
				"directory object itself, not the relationship. Use DELETE /groups/{id}/" + rel + "/{id}/$ref to remove a " +
				strings.TrimSuffix(rel, "s") + ".")
		})
	}

	const rm = "/{ver}/roleManagement/directory/"
	reg("POST "+rm+"roleAssignments", permsWriteRoles(), handleCreateRoleAssignment)
	reg("DELETE "+rm+"roleAssignments/{id}", permsWriteRoles(), func(c *gctx) reply {
		id := c.r.PathValue("id")
		for _, a := range c.w.DirectoryAssignments {
			if !a.Eligible && a.ID == id {
				c.w.RemoveDirectoryAssignment(id)
				return reply{status: http.StatusNoContent}
			}
		}
		return notFound(id)
	})
	reg("POST "+rm+"roleEligibilityScheduleRequests", permsWriteEligibility(), func(c *gctx) reply { return c.directoryScheduleRequest(true) })
	reg("POST "+rm+"roleAssignmentScheduleRequests", permsWriteAssignmentSchedules(), func(c *gctx) reply { return c.directoryScheduleRequest(false) })

	const pim = "/{ver}/identityGovernance/privilegedAccess/group/"
	reg("POST "+pim+"eligibilityScheduleRequests", []string{"PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"},
		func(c *gctx) reply { return c.groupScheduleRequest(true) })
	reg("POST "+pim+"assignmentScheduleRequests", []string{"PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"},
		func(c *gctx) reply { return c.groupScheduleRequest(false) })

	reg("POST /{ver}/servicePrincipals/{id}/appRoleAssignedTo", []string{"AppRoleAssignment.ReadWrite.All"}, handleGrantAppRole)
	reg("DELETE /{ver}/servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}", []string{"AppRoleAssignment.ReadWrite.All"}, func(c *gctx) reply {
		sp := servicePrincipalByKey(c.w, c.r.PathValue("id"))
		if sp == nil {
			return notFound(c.r.PathValue("id"))
		}
		id := c.r.PathValue("assignmentId")
		for _, a := range c.w.AppRoleAssignments {
			if a.ID == id && a.ResourceID == sp.ID {
				c.w.RemoveAppRoleAssignment(id)
				return reply{status: http.StatusNoContent}
			}
		}
		return notFound(id)
	})

	reg("POST /{ver}/users", permsWriteUsers(), handleCreateUser)
	reg("PATCH /{ver}/users/{id}", permsWriteUsers(), handleUpdateUser)
	reg("DELETE /{ver}/users/{id}", permsWriteUsers(), func(c *gctx) reply {
		u := c.w.User(c.r.PathValue("id"))
		if u == nil {
			return notFound(c.r.PathValue("id"))
		}
		if isSynced(u.OnPremisesSyncEnabled) {
			return badRequest(msgSynced)
		}
		_ = c.w.DeleteUser(u.ID, false) // users are soft-deleted (restorable for 30 days)
		return reply{status: http.StatusNoContent}
	})
	reg("POST /{ver}/users/{id}/assignLicense", permsWriteLicenses(), handleAssignLicense)
	reg("POST /{ver}/groups", permsWriteGroups(), handleCreateGroup)
	reg("DELETE /{ver}/groups/{id}", permsWriteGroups(), func(c *gctx) reply {
		g := c.w.Group(c.r.PathValue("id"))
		if g == nil {
			return notFound(c.r.PathValue("id"))
		}
		if r, refused := c.groupWriteGate(g, false); refused {
			return r
		}
		// Microsoft 365 groups are soft-deleted (restorable); security groups are deleted permanently.
		_ = c.w.DeleteGroup(g.ID, !g.IsUnified())
		return reply{status: http.StatusNoContent}
	})
}

func isSynced(b *bool) bool { return b != nil && *b }

// groupWriteGate applies the rules every change to a group's membership or existence passes: role-assignable
// groups also need RoleManagement.ReadWrite.Directory; on-premises synced groups and mail-enabled security
// and distribution groups are mastered elsewhere; dynamic groups compute their members (members only).
func (c *gctx) groupWriteGate(g *world.Group, members bool) (reply, bool) {
	if g.IsAssignableToRole && !c.caller.hasAny("RoleManagement.ReadWrite.Directory") {
		return fail(graphForbidden()), true
	}
	if isSynced(g.OnPremisesSyncEnabled) {
		return badRequest(msgSynced), true
	}
	if g.MailEnabled && !g.IsUnified() {
		return badRequest(msgMailGroup), true
	}
	if members && g.IsDynamic() {
		return badRequest("Cannot add or remove members of a group with dynamic membership: its members are computed from its membershipRule."), true
	}
	return reply{}, false
}

// addGroupRef serves POST /groups/{id}/members/$ref and /owners/$ref.
func (c *gctx) addGroupRef(rel string) reply {
	g := c.w.Group(c.r.PathValue("id"))
	if g == nil {
		return notFound(c.r.PathValue("id"))
	}
	var body fields
	if aerr := decodeBody(c.r, &body); aerr != nil {
		return fail(aerr)
	}
	raw, _ := body.str("@odata.id")
	if raw == "" {
		return badRequest("The request body must contain an @odata.id reference, e.g. {\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{id}\"}.")
	}
	id, valid := refID(raw)
	if !valid {
		return badRequest("Invalid object identifier '" + raw + "'.")
	}
	if rel == "members" {
		if r, refused := c.groupWriteGate(g, true); refused {
			return r
		}
	} else if g.IsAssignableToRole && !c.caller.hasAny("RoleManagement.ReadWrite.Directory") {
		return fail(graphForbidden())
	}
	ref, exists := c.w.Object(id)
	if !exists {
		return notFound(id)
	}
	if rel == "owners" && ref.Kind == world.KindGroup {
		return badRequest("Groups cannot be owners of a group: add users or service principals as owners.")
	}
	if ref.ID == g.ID {
		return badRequest("A group cannot be a member of itself.")
	}
	var err error
	if rel == "members" {
		err = c.w.AddGroupMember(g.ID, ref)
	} else {
		err = c.w.AddGroupOwner(g.ID, ref)
	}
	if err == world.ErrExists {
		return badRequest("One or more added object references already exist for the following modified properties: '" + rel + "'.")
	}
	if err != nil {
		return notFound(id)
	}
	return reply{status: http.StatusNoContent}
}

// removeGroupRef serves DELETE /groups/{id}/members/{oid}/$ref and owners.
func (c *gctx) removeGroupRef(rel string) reply {
	g := c.w.Group(c.r.PathValue("id"))
	if g == nil {
		return notFound(c.r.PathValue("id"))
	}
	if rel == "members" {
		if r, refused := c.groupWriteGate(g, true); refused {
			return r
		}
	} else if g.IsAssignableToRole && !c.caller.hasAny("RoleManagement.ReadWrite.Directory") {
		return fail(graphForbidden())
	}
	oid := strings.ToLower(c.r.PathValue("oid"))
	var err error
	if rel == "members" {
		err = c.w.RemoveGroupMember(g.ID, oid)
	} else {
		err = c.w.RemoveGroupOwner(g.ID, oid)
	}
	if err != nil {
		return notFound(oid)
	}
	return reply{status: http.StatusNoContent}
}

// created renders a new object with its @odata.context, status 201.
func (c *gctx) created(es *entitySet, o any, context string) reply {
	m := es.project(c, o, nil)
	m.kv = append([]kvPair{{"@odata.context", c.contextURL(context+"/$entity", nil)}}, m.kv...)
	return reply{status: http.StatusCreated, body: m}
}

// directoryScope validates a directoryScopeId: "/" or an existing administrative unit.
func (c *gctx) directoryScope(scope string) (string, bool) {
	if scope == "/" {
		return scope, true
	}
	if au, isAU := strings.CutPrefix(scope, "/administrativeUnits/"); isAU && c.w.AdministrativeUnit(au) != nil {
		return "/administrativeUnits/" + c.w.AdministrativeUnit(au).ID, true
	}
	return "", false
}

// roleAssignmentID mimics Graph's unifiedRoleAssignment ids: base64url of the role definition and principal
// GUIDs (little-endian) plus "-1"; assignments scoped to an administrative unit add the unit's GUID.
func roleAssignmentID(roleID, principalID, scope string) string {
	var b []byte
	for _, s := range []string{roleID, principalID, strings.TrimPrefix(scope, "/administrativeUnits/")} {
		u, err := uuid.Parse(s)
		if err != nil {
			continue
		}
		le := [16]byte{u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6]}
		copy(le[8:], u[8:])
		b = append(b, le[:]...)
	}
	return base64.RawURLEncoding.EncodeToString(b) + "-1"
}

// checkRolePrincipal validates the role definition and principal of a directory role (schedule) request.
func (c *gctx) checkRolePrincipal(roleID, principalID string) (*world.DirectoryRoleDefinition, world.Ref, reply, bool) {
	role := c.w.DirectoryRole(roleID)
	if role == nil {
		return nil, world.Ref{}, notFound(roleID), true
	}
	ref, exists := c.w.Object(principalID)
	if !exists {
		return nil, world.Ref{}, notFound(principalID), true
	}
	if ref.Kind == world.KindGroup && !c.w.Group(ref.ID).IsAssignableToRole {
		return nil, world.Ref{}, badRequest("The group '" + ref.ID + "' cannot be assigned a directory role: only groups with isAssignableToRole set to true can."), true
	}
	return role, ref, reply{}, false
}

// handleCreateRoleAssignment serves POST /roleManagement/directory/roleAssignments.
func handleCreateRoleAssignment(c *gctx) reply {
	var body struct {
		RoleDefinitionID string `json:"roleDefinitionId"`
		PrincipalID      string `json:"principalId"`
		DirectoryScopeID string `json:"directoryScopeId"`
		AppScopeID       string `json:"appScopeId"`
	}
	if aerr := decodeBody(c.r, &body); aerr != nil {
		return fail(aerr)
	}
	if body.RoleDefinitionID == "" || body.PrincipalID == "" {
		return badRequest("The roleDefinitionId and principalId properties are required.")
	}
	if body.AppScopeID != "" {
		return badRequest("azsim does not simulate app-scoped role assignments (appScopeId); use directoryScopeId.")
	}
	scope, valid := c.directoryScope(body.DirectoryScopeID)
	if !valid {
		return badRequest("Invalid value specified for property 'directoryScopeId' of resource 'UnifiedRoleAssignment'.")
	}
	role, ref, rp, bad := c.checkRolePrincipal(body.RoleDefinitionID, body.PrincipalID)
	if bad {
		return rp
	}
	for _, a := range c.w.DirectoryAssignments {
		if !a.Eligible && a.RoleDefinitionID == role.ID && a.Principal.ID == ref.ID && a.DirectoryScopeID == scope {
			return badRequest(msgConflict)
		}
	}
	now := c.now.UTC().Truncate(time.Second)
	a := &world.DirectoryRoleAssignment{ID: roleAssignmentID(role.ID, ref.ID, scope), RoleDefinitionID: role.ID, Principal: ref,
		DirectoryScopeID: scope, Start: &now}
	if c.w.Tenant.HasP2 {
		a.ScheduleID = c.s.newObjectID()
	}
	c.w.AddDirectoryAssignment(a)
	return c.created(c.s.gs.roleAssignment, a, "roleManagement/directory/roleAssignments")
}

// scheduleRequestBody is the body of Graph's PIM schedule requests (directory roles and groups).
type scheduleRequestBody struct {
	Action           string        `json:"action"`
	PrincipalID      string        `json:"principalId"`
	RoleDefinitionID string        `json:"roleDefinitionId"`
	DirectoryScopeID string        `json:"directoryScopeId"`
	AppScopeID       string        `json:"appScopeId"`
	GroupID          string        `json:"groupId"`
	AccessID         string        `json:"accessId"`
	Justification    string        `json:"justification"`
	ScheduleInfo     *scheduleInfo `json:"scheduleInfo"`
	TicketInfo       any           `json:"ticketInfo"`
	IsValidationOnly bool          `json:"isValidationOnly"`
}

func (b *scheduleRequestBody) checkAction() (reply, bool) {
	switch b.Action {
	case "adminAssign", "adminRemove":
		return reply{}, false
	case "":
		return badRequest("The action property is required (adminAssign or adminRemove)."), true
	}
	return badRequest("azsim does not simulate the schedule request action '" + b.Action + "': only adminAssign and adminRemove."), true
}

// scheduleRequestJSON renders a schedule request as Graph returns it.
func (c *gctx) scheduleRequestJSON(context, id, status, targetSchedule string, b *scheduleRequestBody, start time.Time, end *time.Time) *jsonObject {
	m := newJSONObject(20)
	m.set("@odata.context", c.contextURL(context+"/$entity", nil))
	m.set("id", id)
	m.set("status", status)
	m.set("action", b.Action)
	m.set("principalId", strings.ToLower(b.PrincipalID))
	if b.GroupID != "" || b.AccessID != "" {
		m.set("accessId", b.AccessID)
		m.set("groupId", strings.ToLower(b.GroupID))
	} else {
		m.set("roleDefinitionId", b.RoleDefinitionID)
		m.set("directoryScopeId", b.DirectoryScopeID)
		m.set("appScopeId", nil)
	}
	m.set("isValidationOnly", false)
	m.set("targetScheduleId", nonEmpty(targetSchedule))
	m.set("justification", nonEmpty(b.Justification))
	m.set("createdDateTime", c.now.UTC())
	m.set("completedDateTime", c.now.UTC())
	m.set("approvalId", nil)
	m.set("customData", nil)
	m.set("createdBy", map[string]any{"application": map[string]any{"id": c.caller.appID, "displayName": nil}, "user": nil})
	m.set("scheduleInfo", scheduleJSON(start, end, b.ScheduleInfo))
	m.set("ticketInfo", map[string]any{"ticketNumber": nil, "ticketSystem": nil})
	return m
}

// directoryScheduleRequest serves roleEligibilityScheduleRequests and roleAssignmentScheduleRequests.
func (c *gctx) directoryScheduleRequest(eligible bool) reply {
	if r, gated := c.premiumGate(); gated {
		return r
	}
	var b scheduleRequestBody
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if r, bad := b.checkAction(); bad {
		return r
	}
	if b.RoleDefinitionID == "" || b.PrincipalID == "" || b.DirectoryScopeID == "" {
		return badRequest("The principalId, roleDefinitionId and directoryScopeId properties are required.")
	}
	scope, valid := c.directoryScope(b.DirectoryScopeID)
	if !valid {
		return badRequest("Invalid value specified for property 'directoryScopeId'.")
	}
	role, ref, rp, bad := c.checkRolePrincipal(b.RoleDefinitionID, b.PrincipalID)
	if bad {
		return rp
	}
	context := "roleManagement/directory/roleAssignmentScheduleRequests"
	if eligible {
		context = "roleManagement/directory/roleEligibilityScheduleRequests"
	}
	var existing *world.DirectoryRoleAssignment
	for _, a := range c.w.DirectoryAssignments {
		if a.Eligible == eligible && a.RoleDefinitionID == role.ID && a.Principal.ID == ref.ID && a.DirectoryScopeID == scope {
			existing = a
			break
		}
	}
	reqID := c.s.newObjectID()
	if b.Action == "adminRemove" {
		if existing == nil {
			return errorf(http.StatusBadRequest, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
		}
		c.w.RemoveDirectoryAssignment(existing.ID)
		start := c.now
		if existing.Start != nil {
			start = *existing.Start
		}
		return reply{status: http.StatusCreated, body: c.scheduleRequestJSON(context, reqID, "Revoked", existing.ScheduleID, &b, start, existing.End)}
	}
	if existing != nil {
		return errorf(http.StatusBadRequest, "RoleAssignmentExists", "The Role assignment already exists.")
	}
	start, end, aerr := b.ScheduleInfo.window(c.now, func(msg string) *apiError {
		return &apiError{status: http.StatusBadRequest, code: "InvalidScheduleInfo", message: msg}
	})
	if aerr != nil {
		return fail(aerr)
	}
	if end != nil && !end.After(c.now) {
		return errorf(http.StatusBadRequest, "InvalidScheduleInfo", "The expiration of the schedule is in the past.")
	}
	sched := c.s.newObjectID()
	a := &world.DirectoryRoleAssignment{ID: sched, RoleDefinitionID: role.ID, Principal: ref, DirectoryScopeID: scope,
		Eligible: eligible, Start: &start, End: end, ScheduleID: sched}
	if !eligible {
		a.ID = roleAssignmentID(role.ID, ref.ID, scope)
	}
	c.w.AddDirectoryAssignment(a)
	return reply{status: http.StatusCreated, body: c.scheduleRequestJSON(context, reqID, "Provisioned", sched, &b, start, end)}
}

// groupScheduleRequest serves PIM for Groups eligibilityScheduleRequests and assignmentScheduleRequests.
func (c *gctx) groupScheduleRequest(eligible bool) reply {
	if r, gated := c.premiumGate(); gated {
		return r
	}
	var b scheduleRequestBody
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if r, bad := b.checkAction(); bad {
		return r
	}
	if b.AccessID != "member" && b.AccessID != "owner" {
		return badRequest("The accessId property must be 'member' or 'owner'.")
	}
	g := c.w.Group(b.GroupID)
	if g == nil {
		return notFound(b.GroupID)
	}
	ref, exists := c.w.Object(b.PrincipalID)
	if !exists {
		return notFound(b.PrincipalID)
	}
	if g.IsDynamic() || isSynced(g.OnPremisesSyncEnabled) || (g.MailEnabled && !g.IsUnified()) {
		return badRequest("Privileged access can be managed only for cloud security groups and Microsoft 365 groups; group '" + g.ID +
			"' is dynamic, synchronized from on-premises or mail-enabled.")
	}
	context := "identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
	if eligible {
		context = "identityGovernance/privilegedAccess/group/eligibilityScheduleRequests"
	}
	var existing *world.GroupAccess
	for _, a := range c.w.GroupAccess {
		if a.Eligible == eligible && a.GroupID == g.ID && a.Principal.ID == ref.ID && a.AccessID == b.AccessID {
			existing = a
			break
		}
	}
	reqID := c.s.newObjectID()
	if b.Action == "adminRemove" {
		if existing == nil {
			return errorf(http.StatusBadRequest, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
		}
		c.w.RemoveGroupAccess(existing.ID)
		return reply{status: http.StatusCreated, body: c.scheduleRequestJSON(context, reqID, "Revoked", existing.ID, &b, existing.Start, existing.End)}
	}
	if existing != nil {
		return errorf(http.StatusBadRequest, "RoleAssignmentExists", "The Role assignment already exists.")
	}
	start, end, aerr := b.ScheduleInfo.window(c.now, func(msg string) *apiError {
		return &apiError{status: http.StatusBadRequest, code: "InvalidScheduleInfo", message: msg}
	})
	if aerr != nil {
		return fail(aerr)
	}
	if end != nil && !end.After(c.now) {
		return errorf(http.StatusBadRequest, "InvalidScheduleInfo", "The expiration of the schedule is in the past.")
	}
	ga := &world.GroupAccess{ID: c.s.newObjectID(), GroupID: g.ID, Principal: ref, AccessID: b.AccessID, Eligible: eligible,
		Start: start, End: end}
	if err := c.w.AddGroupAccess(ga); err == world.ErrExists {
		return errorf(http.StatusBadRequest, "RoleAssignmentExists", "The Role assignment already exists.")
	} else if err != nil {
		return notFound(b.PrincipalID)
	}
	return reply{status: http.StatusCreated, body: c.scheduleRequestJSON(context, reqID, "Provisioned", ga.ID, &b, start, end)}
}

// appRoleAssignmentID mimics Graph's 43-character appRoleAssignment ids: base64url of the principal GUID
// and 16 more bytes.
func appRoleAssignmentID(principalID, salt string) string {
	p, _ := uuid.Parse(principalID)
	s := uuid.NewSHA1(uuid.NameSpaceOID, []byte(salt))
	return base64.RawURLEncoding.EncodeToString(append(p[:], s[:]...))
}

// handleGrantAppRole serves POST /servicePrincipals/{id}/appRoleAssignedTo.
func handleGrantAppRole(c *gctx) reply {
	if !c.caller.hasAny("Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All") {
		return fail(graphForbidden())
	}
	sp := servicePrincipalByKey(c.w, c.r.PathValue("id"))
	if sp == nil {
		return notFound(c.r.PathValue("id"))
	}
	var b struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if b.PrincipalID == "" || b.ResourceID == "" || b.AppRoleID == "" {
		return badRequest("The principalId, resourceId and appRoleId properties are required.")
	}
	if !strings.EqualFold(b.ResourceID, sp.ID) {
		return badRequest("The resourceId '" + b.ResourceID + "' does not match the service principal '" + sp.ID + "' in the request URL.")
	}
	ref, exists := c.w.Object(b.PrincipalID)
	if !exists {
		return notFound(b.PrincipalID)
	}
	roleID := strings.ToLower(b.AppRoleID)
	if roleID != world.DefaultAccessRoleID {
		var role *world.AppRole
		for i := range sp.AppRoles {
			if sp.AppRoles[i].ID == roleID {
				role = &sp.AppRoles[i]
			}
		}
		if role == nil {
			return badRequest("Permission being assigned was not found on application '" + sp.AppID + "'.")
		}
		want := "User"
		if ref.Kind == world.KindServicePrincipal {
			want = "Application"
		}
		if !slices.Contains(role.AllowedMemberTypes, want) {
			return badRequest("Permission being assigned is not allowed for principals of type '" + ref.Kind.PrincipalType() + "'.")
		}
	}
	for _, a := range c.w.AppRoleAssignments {
		if a.ResourceID == sp.ID && a.Principal.ID == ref.ID && a.AppRoleID == roleID {
			return badRequest("Permission being assigned already exists on the object")
		}
	}
	a := &world.AppRoleAssignment{ID: appRoleAssignmentID(ref.ID, c.s.newObjectID()), AppRoleID: roleID, Principal: ref,
		ResourceID: sp.ID, CreatedAt: c.now.UTC()}
	c.w.AddAppRoleAssignment(a)
	return c.created(c.s.gs.appRoleAssignment, a, "servicePrincipals('"+sp.ID+"')/appRoleAssignedTo")
}

// userUPNCheck validates a user principal name: a verified domain of the tenant, not taken by another user.
func (c *gctx) userUPNCheck(upn string, self *world.User) (reply, bool) {
	at := strings.LastIndexByte(upn, '@')
	if at <= 0 || at == len(upn)-1 {
		return badRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'."), true
	}
	if !strings.EqualFold(upn[at+1:], c.w.Tenant.DefaultDomain) {
		return badRequest("The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization."), true
	}
	if other := c.w.User(upn); other != nil && other != self {
		return badRequest("Another object with the same value for property userPrincipalName already exists."), true
	}
	return reply{}, false
}

// userProps are the user properties POST and PATCH accept.
var userProps = []string{"accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile", "givenName", "surname",
	"jobTitle", "department", "employeeId", "usageLocation", "mail", "userType", "employeeLeaveDateTime", "passwordPolicies"}

// mailInUse reports whether a group or user of the tenant already has the address.
func mailInUse(w *world.World, addr string) bool {
	for _, g := range w.Groups {
		if strings.EqualFold(g.Mail, addr) {
			return true
		}
	}
	for _, u := range w.Users {
		if strings.EqualFold(u.Mail, addr) || strings.EqualFold(u.UserPrincipalName, addr) {
			return true
		}
	}
	return false
}

// passwordComplex applies Entra's password rules for cloud users: 8–256 characters, at least three of
// upper case, lower case, digits and symbols.
func passwordComplex(p string) bool {
	if len(p) < 8 || len(p) > 256 {
		return false
	}
	var upper, lower, digit, symbol int
	for _, r := range p {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			symbol = 1
		}
	}
	return upper+lower+digit+symbol >= 3
}

// applyUserFields copies the simple properties of a POST/PATCH body onto u.
func applyUserFields(b fields, u *world.User) *apiError {
	for _, kv := range []struct {
		name string
		dst  *string
	}{{"displayName", &u.DisplayName}, {"givenName", &u.GivenName}, {"surname", &u.Surname}, {"jobTitle", &u.JobTitle},
		{"department", &u.Department}, {"employeeId", &u.EmployeeID}, {"usageLocation", &u.UsageLocation}, {"mail", &u.Mail},
		{"userPrincipalName", &u.UserPrincipalName}, {"userType", &u.UserType}} {
		if !b.has(kv.name) {
			continue
		}
		v, isStr := b.str(kv.name)
		if !isStr && string(b[kv.name]) != "null" {
			return &apiError{status: 400, code: "Request_BadRequest", message: "Invalid value specified for property '" + kv.name + "' of resource 'User'."}
		}
		*kv.dst = v
	}
	if b.has("accountEnabled") {
		v, isBool := b.boolean("accountEnabled")
		if !isBool {
			return &apiError{status: 400, code: "Request_BadRequest", message: "Invalid value specified for property 'accountEnabled' of resource 'User'."}
		}
		u.AccountEnabled = v
	}
	if b.has("employeeLeaveDateTime") {
		if string(b["employeeLeaveDateTime"]) == "null" {
			u.EmployeeLeaveDateTime = nil
		} else {
			var t time.Time
			if json.Unmarshal(b["employeeLeaveDateTime"], &t) != nil {
				return &apiError{status: 400, code: "Request_BadRequest", message: "Invalid value specified for property 'employeeLeaveDateTime' of resource 'User'."}
			}
			t = t.UTC()
			u.EmployeeLeaveDateTime = &t
		}
	}
	if u.UserType != "" && u.UserType != "Member" && u.UserType != "Guest" {
		return &apiError{status: 400, code: "Request_BadRequest", message: "Invalid value specified for property 'userType' of resource 'User'."}
	}
	return nil
}

// handleCreateUser serves POST /users.
func handleCreateUser(c *gctx) reply {
	var b fields
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if aerr := b.unknownProperty("microsoft.graph.user", userProps...); aerr != nil {
		return fail(aerr)
	}
	if !b.has("passwordProfile") || string(b["passwordProfile"]) == "null" {
		return badRequest("A password must be specified to create a new user.")
	}
	var pp struct {
		Password                      *string `json:"password"`
		ForceChangePasswordNextSignIn bool    `json:"forceChangePasswordNextSignIn"`
	}
	if json.Unmarshal(b["passwordProfile"], &pp) != nil || pp.Password == nil {
		return badRequest("Invalid value specified for property 'passwordProfile' of resource 'User'.")
	}
	if !passwordComplex(*pp.Password) {
		return badRequest("The specified password does not comply with password complexity requirements. Please provide a different password.")
	}
	for _, req := range []string{"accountEnabled", "displayName", "mailNickname", "userPrincipalName"} {
		if v, isStr := b.str(req); req != "accountEnabled" && (!isStr || strings.TrimSpace(v) == "") {
			return badRequest("Invalid value specified for property '" + req + "' of resource 'User'.")
		}
		if _, isBool := b.boolean(req); req == "accountEnabled" && !isBool {
			return badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.")
		}
	}
	u := &world.User{ID: c.s.newObjectID(), UserType: "Member", CreatedDateTime: c.now.UTC().Truncate(time.Second),
		ForceChangePasswordNextSignIn: pp.ForceChangePasswordNextSignIn}
	if aerr := applyUserFields(b, u); aerr != nil {
		return fail(aerr)
	}
	if r, bad := c.userUPNCheck(u.UserPrincipalName, nil); bad {
		return r
	}
	if err := c.w.AddUser(u); err != nil {
		return badRequest("Another object with the same value for property userPrincipalName already exists.")
	}
	return c.created(c.s.gs.user, u, "users")
}

// syncedUserProps are the user properties an on-premises synced user's directory masters.
var syncedUserProps = []string{"accountEnabled", "displayName", "givenName", "surname", "jobTitle", "department", "employeeId",
	"userPrincipalName", "mail", "mailNickname"}

// handleUpdateUser serves PATCH /users/{id}.
func handleUpdateUser(c *gctx) reply {
	u := c.w.User(c.r.PathValue("id"))
	if u == nil {
		return notFound(c.r.PathValue("id"))
	}
	var b fields
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if aerr := b.unknownProperty("microsoft.graph.user", userProps...); aerr != nil {
		return fail(aerr)
	}
	if isSynced(u.OnPremisesSyncEnabled) {
		for _, p := range syncedUserProps {
			if b.has(p) {
				return badRequest(msgSynced)
			}
		}
	}
	next := *u
	if aerr := applyUserFields(b, &next); aerr != nil {
		return fail(aerr)
	}
	if b.has("displayName") && strings.TrimSpace(next.DisplayName) == "" {
		return badRequest("Invalid value specified for property 'displayName' of resource 'User'.")
	}
	if next.UserPrincipalName != u.UserPrincipalName {
		if r, bad := c.userUPNCheck(next.UserPrincipalName, u); bad {
			return r
		}
	}
	_, _ = c.w.UpdateUser(u.ID, func(x *world.User) { *x = next })
	return reply{status: http.StatusNoContent}
}

// handleAssignLicense serves POST /users/{id}/assignLicense.
func handleAssignLicense(c *gctx) reply {
	u := c.w.User(c.r.PathValue("id"))
	if u == nil {
		return notFound(c.r.PathValue("id"))
	}
	var b struct {
		AddLicenses *[]struct {
			SkuID         string   `json:"skuId"`
			DisabledPlans []string `json:"disabledPlans"`
		} `json:"addLicenses"`
		RemoveLicenses *[]string `json:"removeLicenses"`
	}
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if b.AddLicenses == nil || b.RemoveLicenses == nil {
		return badRequest("Invalid request: addLicenses and removeLicenses are both required (use an empty array for none).")
	}
	known := func(sku string) bool {
		for _, s := range c.w.SKUs {
			if s.SkuID == sku {
				return true
			}
		}
		return false
	}
	var add, remove []string
	for _, l := range *b.AddLicenses {
		sku := strings.ToLower(l.SkuID)
		if !known(sku) {
			return badRequest("License " + l.SkuID + " does not correspond to a valid company License.")
		}
		add = append(add, sku)
	}
	if len(add) > 0 && u.UsageLocation == "" {
		return badRequest("License assignment cannot be done for user with invalid usage location.")
	}
	states := c.w.UserLicenses(u)
	for _, s := range *b.RemoveLicenses {
		sku := strings.ToLower(s)
		if !known(sku) {
			return badRequest("License " + s + " does not correspond to a valid company License.")
		}
		if !slices.Contains(u.Licenses, sku) {
			for _, st := range states {
				if st.SkuID == sku && st.AssignedByGroup != "" {
					return badRequest("User license is inherited from a group membership and it cannot be removed directly from the user.")
				}
			}
			return badRequest("User does not have a corresponding license.")
		}
		remove = append(remove, sku)
	}
	_ = c.w.SetUserLicenses(u.ID, add, remove)
	rp := c.single(c.s.gs.user, u, "users")
	return rp
}

// groupProps are the group properties POST /groups accepts.
var groupProps = []string{"displayName", "mailNickname", "mailEnabled", "securityEnabled", "groupTypes", "description",
	"isAssignableToRole", "visibility", "membershipRule", "membershipRuleProcessingState", "members@odata.bind", "owners@odata.bind"}

// handleCreateGroup serves POST /groups.
func handleCreateGroup(c *gctx) reply {
	var b fields
	if aerr := decodeBody(c.r, &b); aerr != nil {
		return fail(aerr)
	}
	if aerr := b.unknownProperty("microsoft.graph.group", groupProps...); aerr != nil {
		return fail(aerr)
	}
	name, _ := b.str("displayName")
	nick, _ := b.str("mailNickname")
	mailEnabled, hasMail := b.boolean("mailEnabled")
	securityEnabled, hasSec := b.boolean("securityEnabled")
	for _, req := range []struct {
		name string
		ok   bool
	}{{"displayName", strings.TrimSpace(name) != ""}, {"mailNickname", strings.TrimSpace(nick) != ""}, {"mailEnabled", hasMail}, {"securityEnabled", hasSec}} {
		if !req.ok {
			return badRequest("Invalid value specified for property '" + req.name + "' of resource 'Group'.")
		}
	}
	types, _ := b.strings("groupTypes")
	g := &world.Group{ID: c.s.newObjectID(), DisplayName: name, MailNickname: nick, MailEnabled: mailEnabled, SecurityEnabled: securityEnabled,
		GroupTypes: types, CreatedDateTime: c.now.UTC().Truncate(time.Second)}
	g.Description, _ = b.str("description")
	g.Visibility, _ = b.str("visibility")
	g.MembershipRule, _ = b.str("membershipRule")
	g.IsAssignableToRole, _ = b.boolean("isAssignableToRole")
	for _, t := range types {
		if t != "Unified" && t != "DynamicMembership" {
			return badRequest("Invalid value specified for property 'groupTypes' of resource 'Group'.")
		}
	}
	if mailEnabled && !g.IsUnified() {
		return badRequest("The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset and the security-enablement property is set.")
	}
	if g.IsDynamic() != (g.MembershipRule != "") {
		return badRequest("One or more property values specified are invalid.")
	}
	if g.IsAssignableToRole {
		if !c.caller.hasAny("RoleManagement.ReadWrite.Directory") {
			return fail(graphForbidden())
		}
		if !securityEnabled || g.IsDynamic() {
			return badRequest("A group with isAssignableToRole set to true must be a security group (securityEnabled true) without dynamic membership.")
		}
		g.Visibility = "Private"
	}
	if g.IsUnified() {
		g.Mail = nick + "@" + c.w.Tenant.DefaultDomain
		if g.Visibility == "" {
			g.Visibility = "Public"
		}
		// A Microsoft 365 group's address (its proxyAddresses) must be unused in the tenant.
		if mailInUse(c.w, g.Mail) {
			return badRequest("Another object with the same value for property proxyAddresses already exists.")
		}
	}
	for _, rel := range []string{"members@odata.bind", "owners@odata.bind"} {
		if !b.has(rel) {
			continue
		}
		binds, isList := b.strings(rel)
		if !isList || len(binds) > 20 {
			return badRequest("Invalid value specified for property '" + rel + "': a list of at most 20 references.")
		}
		for _, bind := range binds {
			id, valid := refID(bind)
			if !valid {
				return badRequest("Invalid object identifier '" + bind + "'.")
			}
			ref, exists := c.w.Object(id)
			if !exists {
				return notFound(id)
			}
			if rel == "owners@odata.bind" {
				if ref.Kind == world.KindGroup {
					return badRequest("Groups cannot be owners of a group: add users or service principals as owners.")
				}
				if !g.HasOwner(id) {
					g.Owners = append(g.Owners, ref)
				}
			} else if !g.HasMember(id) {
				g.Members = append(g.Members, ref)
			}
		}
	}
	if err := c.w.AddGroup(g); err != nil {
		return badRequest(msgConflict)
	}
	return c.created(c.s.gs.group, g, "groups")
}
