package azsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// armWriteRoutes are ARM's role-assignment and PIM request writes; they take the world's write lock.
func (s *Server) armWriteRoutes() []*armRoute {
	w := func(method, path string, versions []string, h armHandler) *armRoute {
		return &armRoute{method: method, pattern: splitPath(path), label: path, versions: versions, h: h, write: true}
	}
	const authz = "{scope}/providers/Microsoft.Authorization/"
	return []*armRoute{
		w("PUT", authz+"roleAssignments/{name}", versionsAuthorization(), handlePutRoleAssignment),
		w("DELETE", authz+"roleAssignments/{name}", versionsAuthorization(), handleDeleteRoleAssignment),
		w("PUT", authz+"roleEligibilityScheduleRequests/{name}", versionsPIM(), func(c *actx) reply { return c.scheduleRequest(true) }),
		w("PUT", authz+"roleAssignmentScheduleRequests/{name}", versionsPIM(), func(c *actx) reply { return c.scheduleRequest(false) }),
	}
}

func armBad(code, msg string) reply { return errorf(http.StatusBadRequest, code, msg) }

// decodeARMProperties decodes {"properties": {...}} into v.
func decodeARMProperties(r *http.Request, v any) *apiError {
	var body struct {
		Properties json.RawMessage `json:"properties"`
	}
	bad := func(err error) *apiError {
		return &apiError{status: http.StatusBadRequest, code: "InvalidRequestContent",
			message: "The request content was invalid and could not be deserialized: '" + err.Error() + "'."}
	}
	if r.Body == nil {
		return bad(fmt.Errorf("empty request body"))
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return bad(err)
	}
	if len(body.Properties) == 0 {
		return bad(fmt.Errorf("required property 'properties' not found in JSON"))
	}
	if err := json.Unmarshal(body.Properties, v); err != nil {
		return bad(err)
	}
	return nil
}

// armRoleAndPrincipal validates the role definition (a full id or a GUID; it must be assignable at scope)
// and the principal (it must exist; a given principalType must match its directory object type).
func (c *actx) armRoleAndPrincipal(scope, roleDefinitionID, principalID, principalType string) (*world.ARMRoleDefinition, world.Ref, *apiError) {
	roleName := lastSegment(roleDefinitionID)
	role := c.w.ARMRole(roleName)
	if role == nil || !c.roleVisibleAt(role, scope, false) {
		return nil, world.Ref{}, &apiError{status: http.StatusBadRequest, code: "RoleDefinitionDoesNotExist",
			message: "The specified role definition with ID '" + roleName + "' does not exist."}
	}
	if principalID == "" {
		return nil, world.Ref{}, &apiError{status: http.StatusBadRequest, code: "InvalidRequestContent",
			message: "The request content was invalid and could not be deserialized: 'Required property 'principalId' not found in JSON.'."}
	}
	ref, exists := c.w.Object(principalID)
	if !exists {
		return nil, world.Ref{}, &apiError{status: http.StatusBadRequest, code: "PrincipalNotFound", message: fmt.Sprintf(
			"Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this "+
				"principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set "+
				"the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See "+
				"https://aka.ms/docs-principaltype", strings.ReplaceAll(principalID, "-", ""), c.w.Tenant.ID)}
	}
	if principalType != "" {
		switch strings.ToLower(principalType) {
		case "user", "group", "serviceprincipal":
		default:
			return nil, world.Ref{}, &apiError{status: http.StatusBadRequest, code: "PrincipalTypeNotSupported", message: fmt.Sprintf(
				"Principal type '%s' is not supported. Supported principal types are 'User', 'Group' and 'ServicePrincipal'.", principalType)}
		}
		if !strings.EqualFold(principalType, ref.Kind.PrincipalType()) {
			return nil, world.Ref{}, &apiError{status: http.StatusBadRequest, code: "UnmatchedPrincipalType", message: fmt.Sprintf(
				"The PrincipalId '%s' has type '%s' , which is different from specified PrincipalType '%s'.",
				strings.ReplaceAll(ref.ID, "-", ""), ref.Kind.PrincipalType(), principalType)}
		}
	}
	return role, ref, nil
}

// handlePutRoleAssignment serves PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}.
func handlePutRoleAssignment(c *actx) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/roleAssignments/write", scope); aerr != nil {
		return fail(aerr)
	}
	name := c.vars["name"]
	if _, err := uuid.Parse(name); err != nil {
		return armBad("InvalidRoleAssignmentId", "The role assignment ID '"+name+"' is not valid. The role assignment ID must be a GUID.")
	}
	var p struct {
		RoleDefinitionID string `json:"roleDefinitionId"`
		PrincipalID      string `json:"principalId"`
		PrincipalType    string `json:"principalType"`
		Description      string `json:"description"`
		Condition        string `json:"condition"`
		ConditionVersion string `json:"conditionVersion"`
	}
	if aerr := decodeARMProperties(c.r, &p); aerr != nil {
		return fail(aerr)
	}
	role, ref, aerr := c.armRoleAndPrincipal(scope, p.RoleDefinitionID, p.PrincipalID, p.PrincipalType)
	if aerr != nil {
		return fail(aerr)
	}
	if p.Condition != "" && p.ConditionVersion == "" {
		p.ConditionVersion = "2.0"
	}
	ns := world.NormalizeScope(scope)
	for _, a := range c.w.ARMAssignments {
		if a.Eligible {
			continue
		}
		if strings.EqualFold(a.Name, name) {
			if world.NormalizeScope(a.Scope) == ns && strings.EqualFold(a.RoleDefinition, role.Name) && strings.EqualFold(a.PrincipalID, ref.ID) {
				return ok(roleAssignmentJSON(a)) // the same assignment again: idempotent
			}
			return armBad("RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
		if world.NormalizeScope(a.Scope) == ns && strings.EqualFold(a.RoleDefinition, role.Name) && strings.EqualFold(a.PrincipalID, ref.ID) {
			return errorf(http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
		}
	}
	a := &world.ARMRoleAssignment{Name: strings.ToLower(name), Scope: scope, RoleDefinition: role.Name, PrincipalID: ref.ID,
		PrincipalType: ref.Kind.PrincipalType(), Description: p.Description, Condition: p.Condition, ConditionVersion: p.ConditionVersion,
		CreatedOn: c.now.UTC().Truncate(time.Second)}
	c.w.AddARMAssignment(a)
	return reply{status: http.StatusCreated, body: roleAssignmentJSON(a)}
}

// handleDeleteRoleAssignment serves DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}:
// 200 with the deleted assignment, 204 when there was none.
func handleDeleteRoleAssignment(c *actx) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/roleAssignments/delete", scope); aerr != nil {
		return fail(aerr)
	}
	a := c.w.RemoveARMAssignment(scope, c.vars["name"], false)
	if a == nil {
		return reply{status: http.StatusNoContent}
	}
	return ok(roleAssignmentJSON(a))
}

// scheduleRequest serves PUT roleEligibilityScheduleRequests/{name} and roleAssignmentScheduleRequests/{name}
// with requestType AdminAssign or AdminRemove.
func (c *actx) scheduleRequest(eligible bool) reply {
	kind, instances, schedules := "roleAssignmentScheduleRequests", "roleAssignmentScheduleInstances", "roleAssignmentSchedules"
	typ := "Microsoft.Authorization/RoleAssignmentScheduleRequests"
	if eligible {
		kind, instances, schedules = "roleEligibilityScheduleRequests", "roleEligibilityScheduleInstances", "roleEligibilitySchedules"
		typ = "Microsoft.Authorization/RoleEligibilityScheduleRequests"
	}
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/"+kind+"/write", scope); aerr != nil {
		return fail(aerr)
	}
	if aerr := c.pimGate(); aerr != nil {
		return fail(aerr)
	}
	var p struct {
		PrincipalID      string        `json:"principalId"`
		RoleDefinitionID string        `json:"roleDefinitionId"`
		RequestType      string        `json:"requestType"`
		Justification    string        `json:"justification"`
		ScheduleInfo     *scheduleInfo `json:"scheduleInfo"`
		Condition        string        `json:"condition"`
		ConditionVersion string        `json:"conditionVersion"`
	}
	if aerr := decodeARMProperties(c.r, &p); aerr != nil {
		return fail(aerr)
	}
	if p.RequestType != "AdminAssign" && p.RequestType != "AdminRemove" {
		return armBad("InvalidRequestType", "azsim does not simulate the request type '"+p.RequestType+"': only AdminAssign and AdminRemove.")
	}
	role, ref, aerr := c.armRoleAndPrincipal(scope, p.RoleDefinitionID, p.PrincipalID, "")
	if aerr != nil {
		return fail(aerr)
	}
	ns := world.NormalizeScope(scope)
	var existing *world.ARMRoleAssignment
	for _, a := range c.w.ARMAssignments {
		if a.Eligible == eligible && !a.Ghost && world.NormalizeScope(a.Scope) == ns && strings.EqualFold(a.RoleDefinition, role.Name) &&
			strings.EqualFold(a.PrincipalID, ref.ID) {
			existing = a
			break
		}
	}
	status := "Provisioned"
	var a *world.ARMRoleAssignment
	if p.RequestType == "AdminRemove" {
		if existing == nil {
			return armBad("RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
		}
		c.w.RemoveARMAssignment(existing.Scope, existing.Name, eligible)
		a, status = existing, "Revoked"
	} else {
		if existing != nil {
			return errorf(http.StatusConflict, "RoleAssignmentExists", "The Role assignment already exists.")
		}
		start, end, aerr := p.ScheduleInfo.window(c.now, func(msg string) *apiError {
			return &apiError{status: http.StatusBadRequest, code: "InvalidScheduleInfo", message: msg}
		})
		if aerr != nil {
			return fail(aerr)
		}
		if end != nil && !end.After(c.now) {
			return armBad("InvalidScheduleInfo", "The expiration of the schedule is in the past.")
		}
		if p.Condition != "" && p.ConditionVersion == "" {
			p.ConditionVersion = "2.0"
		}
		a = &world.ARMRoleAssignment{Name: c.s.newObjectID(), Scope: scope, RoleDefinition: role.Name, PrincipalID: ref.ID,
			PrincipalType: ref.Kind.PrincipalType(), Condition: p.Condition, ConditionVersion: p.ConditionVersion,
			CreatedOn: c.now.UTC().Truncate(time.Second), Eligible: eligible, Start: &start, End: end}
		c.w.AddARMAssignment(a)
	}
	start := c.now
	if a.Start != nil {
		start = *a.Start
	}
	exp := map[string]any{"type": "NoExpiration", "endDateTime": nil, "duration": nil}
	if a.End != nil {
		exp["type"], exp["endDateTime"] = "AfterDateTime", isoTime(*a.End)
		if p.ScheduleInfo != nil && p.ScheduleInfo.Expiration != nil && strings.EqualFold(p.ScheduleInfo.Expiration.Type, "AfterDuration") {
			exp["type"], exp["duration"] = "AfterDuration", p.ScheduleInfo.Expiration.Duration
		}
	}
	inst := c.instanceJSON(a, instances)["properties"].(map[string]any)
	name := strings.ToLower(c.vars["name"])
	props := map[string]any{
		"scope": a.Scope, "roleDefinitionId": roleDefinitionID(a.Scope, a.RoleDefinition), "principalId": a.PrincipalID,
		"principalType": a.PrincipalType, "requestType": p.RequestType, "status": status, "approvalId": nil,
		"scheduleInfo":  map[string]any{"startDateTime": isoTime(start), "expiration": exp},
		"justification": nonEmpty(p.Justification), "ticketInfo": map[string]any{"ticketNumber": nil, "ticketSystem": nil},
		"condition": nonEmpty(a.Condition), "conditionVersion": nonEmpty(a.ConditionVersion),
		"createdOn": isoTime(c.now), "requestorId": c.caller.objectID, "expandedProperties": inst["expandedProperties"],
	}
	if eligible {
		props["targetRoleEligibilityScheduleId"] = providerID(a.Scope, schedules, a.Name)
		props["targetRoleEligibilityScheduleInstanceId"] = nil
	} else {
		props["targetRoleAssignmentScheduleId"] = providerID(a.Scope, schedules, a.Name)
		props["targetRoleAssignmentScheduleInstanceId"] = nil
		props["linkedRoleEligibilityScheduleId"] = nil
	}
	return reply{status: http.StatusCreated, body: map[string]any{"id": providerID(scope, kind, name), "name": name, "type": typ, "properties": props}}
}
