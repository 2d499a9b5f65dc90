package azsim

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// pimGroupInstance is a PIM for Groups schedule instance paired with its kind.
type pimGroupInstance = *world.GroupAccess

func (gs *graphSets) addRoleSets() {
	gs.roleDefinition = newEntitySet("microsoft.graph.unifiedRoleDefinition", "UnifiedRoleDefinition", nil,
		p("id", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.ID }, ops("eq in"), ops("ne not")),
		p("displayName", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.DisplayName }, ops("eq in startswith"), ops("ne not")),
		p("description", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.Description }, nil, nil),
		p("isBuiltIn", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.IsBuiltIn }, ops("eq in"), ops("ne not")),
		p("isEnabled", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.IsEnabled }, ops("eq in"), ops("ne not")),
		p("isPrivileged", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.IsPrivileged }, ops("eq in"), ops("ne not")),
		p("templateId", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.TemplateID }, ops("eq in"), ops("ne not")),
		p("version", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return "1" }, nil, nil),
		pc("resourceScopes", func(_ *gctx, _ *world.DirectoryRoleDefinition) any { return []string{"/"} }, nil),
		pc("rolePermissions", func(_ *gctx, r *world.DirectoryRoleDefinition) any {
			return []map[string]any{{"allowedResourceActions": strs(r.Actions), "condition": nil}}
		}, nil),
	)
	gs.roleDefinition.defaults = gs.roleDefinition.names()

	assignmentProps := func(extra ...prop) []prop {
		base := []prop{
			p("id", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return a.ID }, ops("eq in"), ops("ne not")),
			p("principalId", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return a.Principal.ID }, ops("eq in"), ops("ne not")),
			p("roleDefinitionId", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return a.RoleDefinitionID }, ops("eq in"), ops("ne not")),
			p("directoryScopeId", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return a.DirectoryScopeID }, ops("eq in"), ops("ne not")),
			p("appScopeId", func(_ *gctx, _ *world.DirectoryRoleAssignment) any { return nil }, ops("eq in"), ops("ne not")),
		}
		return append(base, extra...)
	}
	gs.roleAssignment = newEntitySet("microsoft.graph.unifiedRoleAssignment", "UnifiedRoleAssignment", nil, assignmentProps(
		p("condition", func(_ *gctx, _ *world.DirectoryRoleAssignment) any { return nil }, nil, nil),
		nav(p("principal", func(c *gctx, a *world.DirectoryRoleAssignment) any { return expandObject(c, a.Principal) }, nil, nil)),
		navIn(func(gs *graphSets) *entitySet { return gs.roleDefinition }, p("roleDefinition", func(c *gctx, a *world.DirectoryRoleAssignment) any {
			if r := c.w.DirectoryRole(a.RoleDefinitionID); r != nil {
				return gs.roleDefinition.project(c, r, c.expandSel)
			}
			return nil
		}, nil, nil)),
	)...)
	gs.roleAssignment.defaults = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "condition"}

	schedule := func(a *world.DirectoryRoleAssignment) any { return nonEmpty(a.ScheduleID) }
	gs.eligibilityInstance = newEntitySet("microsoft.graph.unifiedRoleEligibilityScheduleInstance", "UnifiedRoleEligibilityScheduleInstance", nil,
		assignmentProps(
			p("startDateTime", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return tptr(a.Start) }, nil, nil),
			p("endDateTime", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return tptr(a.End) }, nil, nil),
			p("memberType", func(_ *gctx, _ *world.DirectoryRoleAssignment) any { return "Direct" }, ops("eq in"), ops("ne not")),
			p("roleEligibilityScheduleId", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return schedule(a) }, ops("eq in"), ops("ne not")),
			nav(p("principal", func(c *gctx, a *world.DirectoryRoleAssignment) any { return expandObject(c, a.Principal) }, nil, nil)),
		)...)
	gs.eligibilityInstance.defaults = gs.eligibilityInstance.names()
	gs.assignmentInstance = newEntitySet("microsoft.graph.unifiedRoleAssignmentScheduleInstance", "UnifiedRoleAssignmentScheduleInstance", nil,
		assignmentProps(
			p("startDateTime", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return tptr(a.Start) }, nil, nil),
			p("endDateTime", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return tptr(a.End) }, nil, nil),
			p("memberType", func(_ *gctx, _ *world.DirectoryRoleAssignment) any { return "Direct" }, ops("eq in"), ops("ne not")),
			p("assignmentType", func(_ *gctx, _ *world.DirectoryRoleAssignment) any { return "Assigned" }, ops("eq in"), ops("ne not")),
			p("roleAssignmentOriginId", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return a.ID }, ops("eq in"), ops("ne not")),
			p("roleAssignmentScheduleId", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return schedule(a) }, ops("eq in"), ops("ne not")),
			nav(p("principal", func(c *gctx, a *world.DirectoryRoleAssignment) any { return expandObject(c, a.Principal) }, nil, nil)),
		)...)
	gs.assignmentInstance.defaults = gs.assignmentInstance.names()

	groupProps := func(scheduleName string, extra ...prop) []prop {
		base := []prop{
			p("id", func(_ *gctx, a pimGroupInstance) any { return a.ID }, ops("eq in"), ops("ne not")),
			p("groupId", func(_ *gctx, a pimGroupInstance) any { return a.GroupID }, ops("eq in"), ops("ne not")),
			p("principalId", func(_ *gctx, a pimGroupInstance) any { return a.Principal.ID }, ops("eq in"), ops("ne not")),
			p("accessId", func(_ *gctx, a pimGroupInstance) any { return a.AccessID }, ops("eq in"), ops("ne not")),
			p("memberType", func(_ *gctx, _ pimGroupInstance) any { return "direct" }, ops("eq in"), ops("ne not")),
			p("startDateTime", func(_ *gctx, a pimGroupInstance) any { return a.Start.UTC() }, nil, nil),
			p("endDateTime", func(_ *gctx, a pimGroupInstance) any { return tptr(a.End) }, nil, nil),
			p(scheduleName, func(_ *gctx, a pimGroupInstance) any { return a.ID }, ops("eq in"), ops("ne not")),
			nav(p("principal", func(c *gctx, a pimGroupInstance) any { return expandObject(c, a.Principal) }, nil, nil)),
			nav(p("group", func(c *gctx, a pimGroupInstance) any {
				return expandObject(c, world.Ref{Kind: world.KindGroup, ID: a.GroupID})
			}, nil, nil)),
		}
		return append(base, extra...)
	}
	gs.groupEligibility = newEntitySet("microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance",
		"PrivilegedAccessGroupEligibilityScheduleInstance", nil, groupProps("eligibilityScheduleId")...)
	gs.groupEligibility.defaults = gs.groupEligibility.names()
	gs.groupAssignment = newEntitySet("microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance",
		"PrivilegedAccessGroupAssignmentScheduleInstance", nil, groupProps("assignmentScheduleId",
			p("assignmentType", func(_ *gctx, _ pimGroupInstance) any { return "assigned" }, ops("eq in"), ops("ne not")))...)
	gs.groupAssignment.defaults = gs.groupAssignment.names()

	gs.directoryRole = newEntitySet("microsoft.graph.directoryRole", "DirectoryRole", nil,
		p("id", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.DirectoryRoleID }, nil, nil),
		p("displayName", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.DisplayName }, nil, nil),
		p("description", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.Description }, nil, nil),
		p("roleTemplateId", func(_ *gctx, r *world.DirectoryRoleDefinition) any { return r.TemplateID }, nil, nil),
		p("deletedDateTime", func(_ *gctx, _ *world.DirectoryRoleDefinition) any { return nil }, nil, nil),
	)
	gs.directoryRole.defaults = gs.directoryRole.names()
}

// expandObject renders an inline directory object for $expand=principal.
func expandObject(c *gctx, r world.Ref) any {
	if _, exists := c.w.Object(r.ID); !exists {
		return nil
	}
	return c.s.gs.directoryObject.project(c, r, c.expandSel)
}

func (gs *graphSets) addMiscSets() {
	gs.appRoleAssignment = newEntitySet("microsoft.graph.appRoleAssignment", "AppRoleAssignment", nil,
		p("id", func(_ *gctx, a *world.AppRoleAssignment) any { return a.ID }, ops("eq in"), ops("ne not")),
		p("appRoleId", func(_ *gctx, a *world.AppRoleAssignment) any { return a.AppRoleID }, ops("eq in"), ops("ne not")),
		p("createdDateTime", func(_ *gctx, a *world.AppRoleAssignment) any { return a.CreatedAt.UTC() }, nil, nil),
		p("deletedDateTime", func(_ *gctx, _ *world.AppRoleAssignment) any { return nil }, nil, nil),
		p("principalDisplayName", func(c *gctx, a *world.AppRoleAssignment) any { return nonEmpty(c.w.DisplayName(a.Principal.ID)) }, nil, nil),
		p("principalId", func(_ *gctx, a *world.AppRoleAssignment) any { return a.Principal.ID }, ops("eq in"), ops("ne not")),
		p("principalType", func(_ *gctx, a *world.AppRoleAssignment) any { return a.Principal.Kind.PrincipalType() }, ops("eq in"), ops("ne not")),
		p("resourceDisplayName", func(c *gctx, a *world.AppRoleAssignment) any { return c.w.DisplayName(a.ResourceID) }, nil, nil),
		p("resourceId", func(_ *gctx, a *world.AppRoleAssignment) any { return a.ResourceID }, ops("eq in"), ops("ne not")),
	)
	gs.appRoleAssignment.defaults = gs.appRoleAssignment.names()

	gs.administrativeUnit = newEntitySet("microsoft.graph.administrativeUnit", "AdministrativeUnit", nil,
		p("id", func(_ *gctx, a *world.AdministrativeUnit) any { return a.ID }, ops("eq in"), ops("ne not")),
		p("displayName", func(_ *gctx, a *world.AdministrativeUnit) any { return a.DisplayName }, ops("eq in startswith"), ops("ne not endswith")),
		p("description", func(_ *gctx, a *world.AdministrativeUnit) any { return nonEmpty(a.Description) }, ops("eq in startswith"), ops("ne not")),
		p("visibility", func(_ *gctx, a *world.AdministrativeUnit) any { return nonEmpty(a.Visibility) }, ops("eq in"), ops("ne not")),
		p("membershipType", func(_ *gctx, _ *world.AdministrativeUnit) any { return nil }, ops("eq in"), ops("ne not")),
		p("isMemberManagementRestricted", func(_ *gctx, _ *world.AdministrativeUnit) any { return false }, ops("eq in"), ops("ne not")),
	)
	gs.administrativeUnit.defaults = gs.administrativeUnit.names()
	gs.administrativeUnit.directory = true

	gs.scopedRoleMember = newEntitySet("microsoft.graph.scopedRoleMembership", "ScopedRoleMembership", nil,
		p("id", func(_ *gctx, a *world.DirectoryRoleAssignment) any { return scopedMembershipID(a) }, nil, nil),
		p("roleId", func(c *gctx, a *world.DirectoryRoleAssignment) any {
			if r := c.w.DirectoryRole(a.RoleDefinitionID); r != nil {
				return nonEmpty(r.DirectoryRoleID)
			}
			return nil
		}, nil, nil),
		p("administrativeUnitId", func(_ *gctx, a *world.DirectoryRoleAssignment) any {
			return strings.TrimPrefix(a.DirectoryScopeID, "/administrativeUnits/")
		}, nil, nil),
		p("roleMemberInfo", func(c *gctx, a *world.DirectoryRoleAssignment) any {
			return map[string]any{"id": a.Principal.ID, "displayName": nonEmpty(c.w.DisplayName(a.Principal.ID))}
		}, nil, nil),
	)
	gs.scopedRoleMember.defaults = gs.scopedRoleMember.names()

	gs.riskyUser = newEntitySet("microsoft.graph.riskyUser", "RiskyUser", nil,
		p("id", func(_ *gctx, u *world.User) any { return u.ID }, ops("eq in"), ops("ne not")),
		p("isDeleted", func(_ *gctx, _ *world.User) any { return false }, ops("eq in"), nil),
		p("isProcessing", func(_ *gctx, _ *world.User) any { return false }, ops("eq in"), nil),
		p("riskLastUpdatedDateTime", func(_ *gctx, u *world.User) any { return u.Risk.LastUpdated.UTC() }, ops("eq ge le gt lt"), nil),
		p("riskLevel", func(_ *gctx, u *world.User) any { return u.Risk.Level }, ops("eq in"), nil),
		p("riskState", func(_ *gctx, u *world.User) any { return u.Risk.State }, ops("eq in"), nil),
		p("riskDetail", func(_ *gctx, u *world.User) any { return nonEmpty(u.Risk.Detail) }, ops("eq in"), nil),
		p("userDisplayName", func(_ *gctx, u *world.User) any { return u.DisplayName }, ops("eq in startswith"), nil),
		p("userPrincipalName", func(_ *gctx, u *world.User) any { return u.UserPrincipalName }, ops("eq in startswith"), nil),
	)
	gs.riskyUser.defaults = gs.riskyUser.names()

	gs.organization = newEntitySet("microsoft.graph.organization", "Organization", nil,
		p("id", func(_ *gctx, t *world.Tenant) any { return t.ID }, nil, nil),
		p("displayName", func(_ *gctx, t *world.Tenant) any { return t.DisplayName }, nil, nil),
		p("tenantType", func(_ *gctx, _ *world.Tenant) any { return "AAD" }, nil, nil),
		p("createdDateTime", func(_ *gctx, t *world.Tenant) any { return t.CreatedAt.UTC() }, nil, nil),
		p("countryLetterCode", func(_ *gctx, _ *world.Tenant) any { return "US" }, nil, nil),
		p("defaultUsageLocation", func(_ *gctx, _ *world.Tenant) any { return "US" }, nil, nil),
		p("onPremisesSyncEnabled", func(_ *gctx, _ *world.Tenant) any { return true }, nil, nil),
		pc("businessPhones", func(_ *gctx, _ *world.Tenant) any { return []string{} }, nil),
		pc("technicalNotificationMails", func(_ *gctx, t *world.Tenant) any { return []string{"admin@" + t.DefaultDomain} }, nil),
		pc("verifiedDomains", func(_ *gctx, t *world.Tenant) any {
			return []map[string]any{{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": true, "isInitial": true,
				"name": t.DefaultDomain, "type": "Managed"}}
		}, nil),
	)
	gs.organization.defaults = gs.organization.names()

	gs.sku = newEntitySet("microsoft.graph.subscribedSku", "SubscribedSku", nil,
		p("id", func(c *gctx, s *world.SKU) any { return c.w.Tenant.ID + "_" + s.SkuID }, nil, nil),
		p("accountId", func(c *gctx, _ *world.SKU) any { return c.w.Tenant.ID }, nil, nil),
		p("accountName", func(c *gctx, _ *world.SKU) any { return c.w.Tenant.DisplayName }, nil, nil),
		p("appliesTo", func(_ *gctx, _ *world.SKU) any { return "User" }, nil, nil),
		p("capabilityStatus", func(_ *gctx, _ *world.SKU) any { return "Enabled" }, nil, nil),
		p("consumedUnits", func(c *gctx, s *world.SKU) any { return consumedUnits(c.w, s.SkuID) }, nil, nil),
		p("skuId", func(_ *gctx, s *world.SKU) any { return s.SkuID }, nil, nil),
		p("skuPartNumber", func(_ *gctx, s *world.SKU) any { return s.SkuPartNumber }, nil, nil),
		pc("subscriptionIds", func(c *gctx, s *world.SKU) any {
			return []string{uuid.NewSHA1(uuid.NameSpaceOID, []byte(c.w.Tenant.ID+s.SkuID)).String()}
		}, nil),
		p("prepaidUnits", func(_ *gctx, s *world.SKU) any {
			return map[string]any{"enabled": s.PrepaidUnits, "lockedOut": 0, "suspended": 0, "warning": 0}
		}, nil, nil),
		pc("servicePlans", func(_ *gctx, s *world.SKU) any { return servicePlans(s.ServicePlans) }, nil),
	)
	gs.sku.defaults = gs.sku.names()

	gs.licenseDetails = newEntitySet("microsoft.graph.licenseDetails", "LicenseDetails", nil,
		p("id", func(_ *gctx, s *world.SKU) any { return licenseDetailsID(s.SkuID) }, nil, nil),
		p("skuId", func(_ *gctx, s *world.SKU) any { return s.SkuID }, nil, nil),
		p("skuPartNumber", func(_ *gctx, s *world.SKU) any { return s.SkuPartNumber }, nil, nil),
		pc("servicePlans", func(_ *gctx, s *world.SKU) any { return servicePlans(s.ServicePlans) }, nil),
	)
	gs.licenseDetails.defaults = gs.licenseDetails.names()
}

func servicePlans(ps []world.ServicePlan) []map[string]any {
	out := make([]map[string]any, 0, len(ps))
	for _, sp := range ps {
		out = append(out, map[string]any{"servicePlanId": sp.ID, "servicePlanName": sp.Name,
			"provisioningStatus": "Success", "appliesTo": "User"})
	}
	return out
}

func consumedUnits(w *world.World, skuID string) int {
	n := 0
	for _, u := range w.Users {
		for _, l := range w.UserLicenses(u) {
			if l.SkuID == skuID {
				n++
				break
			}
		}
	}
	return n
}

// scopedMembershipID mimics Graph's opaque scopedRoleMembership ids.
func scopedMembershipID(a *world.DirectoryRoleAssignment) string {
	return base64.RawURLEncoding.EncodeToString([]byte(a.ID))
}

func licenseDetailsID(skuID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(skuID))
}
