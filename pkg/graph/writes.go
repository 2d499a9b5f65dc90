package graph

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Writes and the targeted reads provisioning makes before writing. Ids are path-escaped; callers validate
// their shape (the connector refuses malformed ids before any request).

func seg(id string) string { return url.PathEscape(id) }

// GetGroup reads one group with the properties that decide whether its membership can be changed.
func (c *Client) GetGroup(ctx context.Context, id string) (Group, error) {
	var g Group
	err := c.do(ctx, request{method: http.MethodGet, target: "/groups/" + seg(id) + "?" + q("$select", selectGroup)}, &g)
	return g, err
}

// HasGroupMember reports whether objectID is a direct member of the group.
func (c *Client) HasGroupMember(ctx context.Context, groupID, objectID string) (bool, error) {
	return c.relationHas(ctx, groupID, "members", objectID)
}

// HasGroupOwner reports whether objectID is an owner of the group.
func (c *Client) HasGroupOwner(ctx context.Context, groupID, objectID string) (bool, error) {
	return c.relationHas(ctx, groupID, "owners", objectID)
}

// relationHas filters a group's members or owners on one id (an advanced query: ConsistencyLevel eventual
// and $count=true).
func (c *Client) relationHas(ctx context.Context, groupID, rel, objectID string) (bool, error) {
	p, err := list[DirectoryObject](ctx, c, "/groups/"+seg(groupID)+"/"+rel+"?"+
		q("$filter", "id eq "+quote(objectID), "$select", "id", "$count", "true"), true)
	if err != nil {
		return false, err
	}
	for _, o := range p.Value {
		if strings.EqualFold(o.ID, objectID) {
			return true, nil
		}
	}
	return false, nil
}

func (c *Client) objectRef(objectID string) map[string]string {
	return map[string]string{"@odata.id": c.base.String() + "/" + c.version + "/directoryObjects/" + objectID}
}

// AddGroupMember adds a direct member (POST /groups/{id}/members/$ref).
func (c *Client) AddGroupMember(ctx context.Context, groupID, objectID string) error {
	return c.do(ctx, request{method: http.MethodPost, target: "/groups/" + seg(groupID) + "/members/$ref", body: c.objectRef(objectID)}, nil)
}

// AddGroupOwner adds an owner (POST /groups/{id}/owners/$ref).
func (c *Client) AddGroupOwner(ctx context.Context, groupID, objectID string) error {
	return c.do(ctx, request{method: http.MethodPost, target: "/groups/" + seg(groupID) + "/owners/$ref", body: c.objectRef(objectID)}, nil)
}

// RemoveGroupMember removes a direct member (DELETE /groups/{id}/members/{oid}/$ref — never without
// /$ref, which deletes the object itself).
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, objectID string) error {
	return c.do(ctx, request{method: http.MethodDelete, target: "/groups/" + seg(groupID) + "/members/" + seg(objectID) + "/$ref"}, nil)
}

// RemoveGroupOwner removes an owner (DELETE /groups/{id}/owners/{oid}/$ref).
func (c *Client) RemoveGroupOwner(ctx context.Context, groupID, objectID string) error {
	return c.do(ctx, request{method: http.MethodDelete, target: "/groups/" + seg(groupID) + "/owners/" + seg(objectID) + "/$ref"}, nil)
}

// Schedule request actions.
const (
	ActionAdminAssign = "adminAssign"
	ActionAdminRemove = "adminRemove"
)

// ScheduleRequest is a PIM schedule request: a directory role (RoleDefinitionID, DirectoryScopeID) or PIM
// for Groups (GroupID, AccessID member|owner). End nil means no expiration; removals carry no schedule.
type ScheduleRequest struct {
	Action           string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	GroupID          string
	AccessID         string
	Justification    string
	Start            time.Time
	End              *time.Time
}

func (r ScheduleRequest) body() map[string]any {
	b := map[string]any{"action": r.Action, "principalId": r.PrincipalID, "justification": r.Justification}
	if r.GroupID != "" {
		b["groupId"], b["accessId"] = r.GroupID, r.AccessID
	} else {
		b["roleDefinitionId"], b["directoryScopeId"] = r.RoleDefinitionID, r.DirectoryScopeID
	}
	if r.Action == ActionAdminAssign {
		exp := map[string]any{"type": "noExpiration"}
		if r.End != nil {
			exp = map[string]any{"type": "afterDateTime", "endDateTime": r.End.UTC().Format(time.RFC3339)}
		}
		b["scheduleInfo"] = map[string]any{"startDateTime": r.Start.UTC().Format(time.RFC3339), "expiration": exp}
	}
	return b
}

// ScheduleRequestResult is Graph's answer to a schedule request.
type ScheduleRequestResult struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	TargetScheduleID string `json:"targetScheduleId"`
	ScheduleInfo     struct {
		StartDateTime *time.Time `json:"startDateTime"`
		Expiration    struct {
			Type        string     `json:"type"`
			EndDateTime *time.Time `json:"endDateTime"`
		} `json:"expiration"`
	} `json:"scheduleInfo"`
}

// RequestGroupSchedule posts a PIM for Groups eligibility (eligible) or assignment schedule request.
func (c *Client) RequestGroupSchedule(ctx context.Context, eligible bool, r ScheduleRequest) (ScheduleRequestResult, error) {
	path := "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
	if eligible {
		path = "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests"
	}
	var out ScheduleRequestResult
	err := c.do(ctx, request{method: http.MethodPost, target: path, body: r.body()}, &out)
	return out, err
}

// GroupEligibilitiesOf lists a principal's PIM for Groups eligibility instances on one group.
func (c *Client) GroupEligibilitiesOf(ctx context.Context, groupID, principalID string) ([]GroupSchedule, error) {
	return all[GroupSchedule](ctx, c, "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?"+
		q("$filter", "groupId eq "+quote(groupID)+" and principalId eq "+quote(principalID)))
}

// RoleAssignmentSource names a collection of directory role assignments.
type RoleAssignmentSource string

// Directory role assignment collections.
const (
	ActiveAssignments        RoleAssignmentSource = "roleAssignments"
	ActiveScheduleInstances  RoleAssignmentSource = "roleAssignmentScheduleInstances"
	EligibleScheduleInstance RoleAssignmentSource = "roleEligibilityScheduleInstances"
)

// RoleAssignmentsOf lists a principal's assignments of one role at one directory scope.
func (c *Client) RoleAssignmentsOf(ctx context.Context, src RoleAssignmentSource, roleID, principalID, scope string) ([]RoleAssignment, error) {
	return all[RoleAssignment](ctx, c, "/roleManagement/directory/"+string(src)+"?"+q("$filter",
		"roleDefinitionId eq "+quote(roleID)+" and principalId eq "+quote(principalID)+" and directoryScopeId eq "+quote(scope)))
}

// CreateRoleAssignment makes a permanent active directory role assignment.
func (c *Client) CreateRoleAssignment(ctx context.Context, roleID, principalID, scope string) (RoleAssignment, error) {
	var out RoleAssignment
	err := c.do(ctx, request{method: http.MethodPost, target: "/roleManagement/directory/roleAssignments",
		body: map[string]string{"roleDefinitionId": roleID, "principalId": principalID, "directoryScopeId": scope}}, &out)
	return out, err
}

// DeleteRoleAssignment deletes an active directory role assignment by id.
func (c *Client) DeleteRoleAssignment(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, target: "/roleManagement/directory/roleAssignments/" + seg(id)}, nil)
}

// RequestRoleSchedule posts a directory role eligibility (eligible) or assignment schedule request.
func (c *Client) RequestRoleSchedule(ctx context.Context, eligible bool, r ScheduleRequest) (ScheduleRequestResult, error) {
	path := "/roleManagement/directory/roleAssignmentScheduleRequests"
	if eligible {
		path = "/roleManagement/directory/roleEligibilityScheduleRequests"
	}
	var out ScheduleRequestResult
	err := c.do(ctx, request{method: http.MethodPost, target: path, body: r.body()}, &out)
	return out, err
}

// Principal collections that hold app role assignments.
const (
	PrincipalUsers             = "users"
	PrincipalGroups            = "groups"
	PrincipalServicePrincipals = "servicePrincipals"
)

// AppRoleAssignmentsHeld lists the app role assignments a principal (users, groups or servicePrincipals)
// holds on one resource service principal. Filtering on resourceId is an advanced query (ConsistencyLevel
// eventual and $count=true).
func (c *Client) AppRoleAssignmentsHeld(ctx context.Context, collection, principalID, resourceID string) ([]AppRoleAssignment, error) {
	return allOf[AppRoleAssignment](ctx, c, "/"+collection+"/"+seg(principalID)+"/appRoleAssignments?"+
		q("$filter", "resourceId eq "+resourceID, "$select", "id,appRoleId,principalId,principalType,resourceId", "$count", "true"), true)
}

// AssignAppRole grants an app role (or default access, the all-zero id) on a resource service principal.
func (c *Client) AssignAppRole(ctx context.Context, resourceID, principalID, appRoleID string) (AppRoleAssignment, error) {
	var out AppRoleAssignment
	err := c.do(ctx, request{method: http.MethodPost, target: "/servicePrincipals/" + seg(resourceID) + "/appRoleAssignedTo",
		body: map[string]string{"principalId": principalID, "resourceId": resourceID, "appRoleId": appRoleID}}, &out)
	return out, err
}

// DeleteAppRoleAssignment deletes one app role assignment granted on a resource service principal.
func (c *Client) DeleteAppRoleAssignment(ctx context.Context, resourceID, assignmentID string) error {
	return c.do(ctx, request{method: http.MethodDelete, target: "/servicePrincipals/" + seg(resourceID) + "/appRoleAssignedTo/" + seg(assignmentID)}, nil)
}

// UserLicenseStates reads a user's licenses and where each comes from (direct or a group).
func (c *Client) UserLicenseStates(ctx context.Context, userID string) (LicensedUser, error) {
	var u LicensedUser
	err := c.do(ctx, request{method: http.MethodGet, target: "/users/" + seg(userID) + "?" + q("$select", "id,licenseAssignmentStates")}, &u)
	return u, err
}

// AssignLicense adds and removes direct licenses of a user (POST /users/{id}/assignLicense).
func (c *Client) AssignLicense(ctx context.Context, userID string, add, remove []string) error {
	adds := make([]map[string]any, 0, len(add))
	for _, s := range add {
		adds = append(adds, map[string]any{"skuId": s, "disabledPlans": []string{}})
	}
	if remove == nil {
		remove = []string{}
	}
	return c.do(ctx, request{method: http.MethodPost, target: "/users/" + seg(userID) + "/assignLicense",
		body: map[string]any{"addLicenses": adds, "removeLicenses": remove}}, nil)
}

// all reads every page of a small collection.
func all[T any](ctx context.Context, c *Client, target string) ([]T, error) {
	return allOf[T](ctx, c, target, false)
}

// allOf reads every page, as an advanced query when eventual.
func allOf[T any](ctx context.Context, c *Client, target string, eventual bool) ([]T, error) {
	var out []T
	for next := target; next != ""; {
		p, err := list[T](ctx, c, next, eventual)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Value...)
		next = p.NextLink
	}
	return out, nil
}

// Codes and messages Graph answers provisioning writes with.
const (
	CodeRoleAssignmentExists       = "RoleAssignmentExists"
	CodeRoleAssignmentDoesNotExist = "RoleAssignmentDoesNotExist"
)

// IsAlreadyExists reports whether err is Graph's answer to a write of access that already exists: a member
// or owner reference, a role assignment, a schedule request or an app role assignment.
func IsAlreadyExists(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	if e.Code == CodeRoleAssignmentExists {
		return true
	}
	if e.StatusCode != http.StatusBadRequest && e.StatusCode != http.StatusConflict {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "added object references already exist") ||
		strings.Contains(m, "a conflicting object with one or more of the specified property values is present") ||
		strings.Contains(m, "permission being assigned already exists")
}

// IsDoesNotExist reports whether err is Graph's answer to removing access that does not exist: a 404 or a
// schedule request for a missing assignment.
func IsDoesNotExist(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	return e.StatusCode == http.StatusNotFound || e.Code == CodeRoleAssignmentDoesNotExist ||
		(e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "does not have a corresponding license"))
}
