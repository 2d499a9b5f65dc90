package graph

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// Selected property lists: only what baton-azure reads.
const (
	selectUser  = "id,displayName,givenName,surname,userPrincipalName,mail,jobTitle,department,employeeId,accountEnabled,userType,onPremisesSyncEnabled,createdDateTime,employeeLeaveDateTime"
	selectGroup = "id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes,membershipRule,onPremisesSyncEnabled,isAssignableToRole,visibility"
	selectSP    = "id,appId,displayName,servicePrincipalType,accountEnabled,appOwnerOrganizationId,appRoleAssignmentRequired,alternativeNames"
	selectRef   = "id,displayName,userPrincipalName,servicePrincipalType,onPremisesSyncEnabled"
)

// PageSize is the $top used for every collection (Graph's maximum).
const PageSize = 999

// signInPageSize is Graph's maximum when signInActivity is selected.
const signInPageSize = 500

func top(n int) string { return strconv.Itoa(n) }

// Organization returns the tenant (GET /organization).
func (c *Client) Organization(ctx context.Context) (Organization, error) {
	p, err := list[Organization](ctx, c, "/organization?$select=id,displayName,createdDateTime,verifiedDomains", false)
	if err != nil {
		return Organization{}, err
	}
	if len(p.Value) == 0 {
		return Organization{}, &Error{StatusCode: http.StatusNotFound, Code: CodeResourceNotFound, Method: "GET", Path: "/organization",
			Message: "Graph returned no organization for this tenant"}
	}
	return p.Value[0], nil
}

// ListUsers returns one page of users; with signIn, signInActivity is selected (premium tenants only).
func (c *Client) ListUsers(ctx context.Context, next string, signIn bool) (Page[User], error) {
	sel, size := selectUser, PageSize
	if signIn {
		sel, size = sel+",signInActivity", signInPageSize
	}
	return list[User](ctx, c, first(next, "/users?"+q("$select", sel, "$top", top(size))), false)
}

// MailboxPurpose returns a user's mailboxSettings userPurpose (user, shared, room, equipment, ...).
func (c *Client) MailboxPurpose(ctx context.Context, userID string) (string, error) {
	var out struct {
		Value string `json:"value"`
	}
	err := c.do(ctx, request{method: http.MethodGet, target: "/users/" + userID + "/mailboxSettings/userPurpose"}, &out)
	return out.Value, err
}

// ListRiskyUsers returns one page of identity-protection risky users.
func (c *Client) ListRiskyUsers(ctx context.Context, next string) (Page[RiskyUser], error) {
	return list[RiskyUser](ctx, c, first(next, "/identityProtection/riskyUsers?"+q("$select", "id,riskLevel,riskState", "$top", "500")), false)
}

// ExpandLimit is how many related objects Graph returns inline for $expand on directory objects, with no
// next link: a group showing ExpandLimit owners may have more. With $expand a page of directory objects
// holds at most expandPageSize of them, whatever $top asks.
const (
	ExpandLimit    = 20
	expandPageSize = 100
)

// ListGroupKindsWithOwners returns one page of groups (at most 100: $expand) with what decides their kind
// and their first ExpandLimit owners inline, with what identifies an owner as a principal: id, @odata.type
// and servicePrincipalType (owners are users or service principals). The nested $select is documented on
// the group's owners: $expand=owners($select=id,userPrincipalName,displayName).
func (c *Client) ListGroupKindsWithOwners(ctx context.Context, next string) (Page[GroupWithOwners], error) {
	return list[GroupWithOwners](ctx, c, first(next, "/groups?"+q("$select", "id,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled",
		"$expand", "owners($select=id,servicePrincipalType)", "$top", top(expandPageSize))), false)
}

// ListGroups returns one page of groups.
func (c *Client) ListGroups(ctx context.Context, next string) (Page[Group], error) {
	return list[Group](ctx, c, first(next, "/groups?"+q("$select", selectGroup, "$top", top(PageSize))), false)
}

// ListGroupMembers returns one page of a group's direct members.
func (c *Client) ListGroupMembers(ctx context.Context, groupID, next string) (Page[DirectoryObject], error) {
	return list[DirectoryObject](ctx, c, first(next, GroupMembersPath(groupID)), false)
}

// GroupMembersPath is the first page of a group's direct members, for GetBatch.
func GroupMembersPath(groupID string) string {
	return "/groups/" + groupID + "/members?" + q("$select", selectRef, "$top", top(PageSize))
}

// GroupOwnersPath is the first page of a group's owners, for GetBatch.
func GroupOwnersPath(groupID string) string {
	return "/groups/" + groupID + "/owners?" + q("$select", selectRef, "$top", top(PageSize))
}

// GroupEligibilitiesPath is the first page of a group's PIM for Groups eligibility instances, for GetBatch.
func GroupEligibilitiesPath(groupID string) string {
	return "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?" +
		q("$filter", "groupId eq "+quote(groupID), "$expand", "principal")
}

// ListGroupOwners returns one page of a group's owners.
func (c *Client) ListGroupOwners(ctx context.Context, groupID, next string) (Page[DirectoryObject], error) {
	return list[DirectoryObject](ctx, c, first(next, GroupOwnersPath(groupID)), false)
}

// ListGroupEligibilities returns one page of a group's PIM for Groups eligibility instances.
func (c *Client) ListGroupEligibilities(ctx context.Context, groupID, next string) (Page[GroupSchedule], error) {
	return list[GroupSchedule](ctx, c, first(next, GroupEligibilitiesPath(groupID)), false)
}

// ListServicePrincipals returns one page of service principals of every type, with their app roles.
func (c *Client) ListServicePrincipals(ctx context.Context, next string) (Page[ServicePrincipal], error) {
	return list[ServicePrincipal](ctx, c, first(next, "/servicePrincipals?"+q("$select", selectSP+",appRoles", "$top", top(PageSize))), false)
}

// ServicePrincipalAppRoles returns the app roles a service principal declares.
func (c *Client) ServicePrincipalAppRoles(ctx context.Context, id string) ([]AppRole, error) {
	var sp ServicePrincipal
	err := c.do(ctx, request{method: http.MethodGet, target: "/servicePrincipals/" + id + "?" + q("$select", "id,appRoles")}, &sp)
	return sp.AppRoles, err
}

// ListAppRoleAssignedTo returns one page of the app role assignments granted on a resource service principal.
func (c *Client) ListAppRoleAssignedTo(ctx context.Context, spID, next string) (Page[AppRoleAssignment], error) {
	return list[AppRoleAssignment](ctx, c, first(next, AppRoleAssignedToPath(spID)), false)
}

// AppRoleAssignedToPath is the first page of the app role assignments granted on a resource service
// principal, for GetBatch.
func AppRoleAssignedToPath(spID string) string {
	return "/servicePrincipals/" + spID + "/appRoleAssignedTo?" + q("$select", "id,appRoleId,principalId,principalType,resourceId", "$top", top(PageSize))
}

// ServicePrincipalOwnersPath is the first page of a service principal's owners, for GetBatch.
func ServicePrincipalOwnersPath(spID string) string {
	return "/servicePrincipals/" + spID + "/owners?" + q("$select", selectRef, "$top", top(PageSize))
}

// ListServicePrincipalOwners returns one page of a service principal's owners.
func (c *Client) ListServicePrincipalOwners(ctx context.Context, spID, next string) (Page[DirectoryObject], error) {
	return list[DirectoryObject](ctx, c, first(next, ServicePrincipalOwnersPath(spID)), false)
}

// GetByIDs resolves up to 1000 directory object ids (POST /directoryObjects/getByIds).
func (c *Client) GetByIDs(ctx context.Context, ids []string) ([]DirectoryObject, error) {
	var out Page[DirectoryObject]
	err := c.do(ctx, request{method: http.MethodPost, target: "/directoryObjects/getByIds?" + q("$select", selectRef),
		body: map[string]any{"ids": ids}}, &out)
	return out.Value, err
}

// ListRoleDefinitions returns one page of Entra role definitions.
func (c *Client) ListRoleDefinitions(ctx context.Context, next string) (Page[RoleDefinition], error) {
	return list[RoleDefinition](ctx, c, first(next, "/roleManagement/directory/roleDefinitions?"+
		q("$select", "id,displayName,description,isBuiltIn,isEnabled,isPrivileged,templateId")), false)
}

// RoleAssignmentFilter narrows a role assignment listing; empty fields are not filtered.
type RoleAssignmentFilter struct {
	RoleDefinitionID string
	DirectoryScopeID string
}

func (f RoleAssignmentFilter) expr() string {
	var parts []string
	if f.RoleDefinitionID != "" {
		parts = append(parts, "roleDefinitionId eq "+quote(f.RoleDefinitionID))
	}
	if f.DirectoryScopeID != "" {
		parts = append(parts, "directoryScopeId eq "+quote(f.DirectoryScopeID))
	}
	return strings.Join(parts, " and ")
}

func roleQuery(path string, f RoleAssignmentFilter) string {
	kv := []string{"$expand", "principal"}
	if e := f.expr(); e != "" {
		kv = append(kv, "$filter", e)
	}
	return path + "?" + q(kv...)
}

// ListRoleAssignments returns one page of active directory role assignments, principals expanded.
func (c *Client) ListRoleAssignments(ctx context.Context, f RoleAssignmentFilter, next string) (Page[RoleAssignment], error) {
	return list[RoleAssignment](ctx, c, first(next, roleQuery("/roleManagement/directory/roleAssignments", f)), false)
}

// ListRoleEligibilities returns one page of PIM eligibility schedule instances, principals expanded.
func (c *Client) ListRoleEligibilities(ctx context.Context, f RoleAssignmentFilter, next string) (Page[RoleAssignment], error) {
	return list[RoleAssignment](ctx, c, first(next, roleQuery("/roleManagement/directory/roleEligibilityScheduleInstances", f)), false)
}

// ListRoleAssignmentSchedules returns one page of PIM assignment schedule instances (end dates of active
// assignments), principals expanded.
func (c *Client) ListRoleAssignmentSchedules(ctx context.Context, f RoleAssignmentFilter, next string) (Page[RoleAssignment], error) {
	return list[RoleAssignment](ctx, c, first(next, roleQuery("/roleManagement/directory/roleAssignmentScheduleInstances", f)), false)
}

// ListAdministrativeUnits returns one page of administrative units.
func (c *Client) ListAdministrativeUnits(ctx context.Context, next string) (Page[AdministrativeUnit], error) {
	return list[AdministrativeUnit](ctx, c, first(next, "/administrativeUnits?"+q("$select", "id,displayName,description,visibility", "$top", top(PageSize))), false)
}

// ListAdministrativeUnitMembers returns one page of an administrative unit's members.
func (c *Client) ListAdministrativeUnitMembers(ctx context.Context, auID, next string) (Page[DirectoryObject], error) {
	return list[DirectoryObject](ctx, c, first(next, "/administrativeUnits/"+auID+"/members?"+q("$select", selectRef, "$top", top(PageSize))), false)
}

// ListSubscribedSKUs returns the tenant's license SKUs.
func (c *Client) ListSubscribedSKUs(ctx context.Context, next string) (Page[SubscribedSKU], error) {
	return list[SubscribedSKU](ctx, c, first(next, "/subscribedSkus?"+q("$select", "id,skuId,skuPartNumber,consumedUnits,prepaidUnits")), false)
}

// ListLicensedUsers returns one page of the users holding a SKU, with their license assignment states.
// Filtering on assignedLicenses is an advanced query (ConsistencyLevel: eventual and $count=true).
func (c *Client) ListLicensedUsers(ctx context.Context, skuID, next string) (Page[LicensedUser], error) {
	return list[LicensedUser](ctx, c, first(next, "/users?"+q("$filter", "assignedLicenses/any(x:x/skuId eq "+skuID+")",
		"$select", "id,licenseAssignmentStates", "$count", "true", "$top", top(PageSize))), true)
}

// ListManagedIdentities returns one page of the service principals of managed identities.
func (c *Client) ListManagedIdentities(ctx context.Context, next string) (Page[ServicePrincipal], error) {
	return list[ServicePrincipal](ctx, c, first(next, "/servicePrincipals?"+q("$filter", "servicePrincipalType eq 'ManagedIdentity'",
		"$select", selectSP, "$top", top(PageSize))), false)
}

// ListLicensedGroups returns one page of the groups a SKU is assigned to (group-based licensing).
func (c *Client) ListLicensedGroups(ctx context.Context, skuID, next string) (Page[Group], error) {
	return list[Group](ctx, c, first(next, "/groups?"+q("$filter", "assignedLicenses/any(x:x/skuId eq "+skuID+")",
		"$select", "id,displayName", "$count", "true", "$top", top(PageSize))), true)
}
