package arm

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
)

// Writes: Azure role assignments (PUT/DELETE roleAssignments, api-version 2022-04-01) and PIM eligibility
// schedule requests (PUT roleEligibilityScheduleRequests, 2020-10-01). Each call is
// one request; none retries a write on its own beyond azcore's pipeline (which retries throttled and
// transient answers, and PUT of a fixed name is idempotent on ARM's side).

// Error codes of ARM's write answers that callers branch on.
const (
	// CodeRoleAssignmentExists is the 409 of a PUT for a scope, role and principal that already have an
	// assignment (under another name), and of an AdminAssign PIM request for one that exists.
	CodeRoleAssignmentExists = "RoleAssignmentExists"
	// CodeRoleAssignmentDoesNotExist is the 400 of an AdminRemove PIM request for nothing.
	CodeRoleAssignmentDoesNotExist = "RoleAssignmentDoesNotExist"
)

// Principal types a role assignment names (ARM's principalType; managed identities are ServicePrincipal).
const (
	PrincipalUser             = "User"
	PrincipalGroup            = "Group"
	PrincipalServicePrincipal = "ServicePrincipal"
)

// RoleAssignmentCreate is the body of a new role assignment.
type RoleAssignmentCreate struct {
	// RoleDefinitionID is the full id of the role definition
	// (/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}, or at another scope).
	RoleDefinitionID string `json:"roleDefinitionId"`
	PrincipalID      string `json:"principalId"`
	// PrincipalType avoids ARM's replication-delay failure for freshly created principals.
	PrincipalType string `json:"principalType,omitempty"`
	Description   string `json:"description,omitempty"`
}

// RoleDefinitionID is the full id of a role definition (by GUID) as seen from scope; ARM accepts it at
// any scope where the role is assignable.
func RoleDefinitionID(scope, roleGUID string) string {
	s := strings.TrimRight(scope, "/")
	return s + "/providers/Microsoft.Authorization/roleDefinitions/" + roleGUID
}

// CreateRoleAssignment creates the role assignment scope/…/roleAssignments/{name} (name: a new GUID).
// ARM answers 201 (200 when the same name already holds the same assignment) with the assignment; a
// different name for the same scope, role and principal is 409 CodeRoleAssignmentExists.
func (c *Client) CreateRoleAssignment(ctx context.Context, scope, name string, body RoleAssignmentCreate) (*armauthorization.RoleAssignment, error) {
	out := &armauthorization.RoleAssignment{}
	err := c.do(ctx, http.MethodPut, scopePath(scope)+"/providers/Microsoft.Authorization/roleAssignments/"+escapePath(name)+"?"+
		query("api-version", versionAuthorization), map[string]any{"properties": body}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRoleAssignment deletes scope/…/roleAssignments/{name}. It returns the deleted assignment, or nil
// when there was none (ARM answers 204).
func (c *Client) DeleteRoleAssignment(ctx context.Context, scope, name string) (*armauthorization.RoleAssignment, error) {
	out := &armauthorization.RoleAssignment{}
	err := c.do(ctx, http.MethodDelete, scopePath(scope)+"/providers/Microsoft.Authorization/roleAssignments/"+escapePath(name)+"?"+
		query("api-version", versionAuthorization), nil, out)
	if err != nil {
		return nil, err
	}
	if out.ID == nil {
		return nil, nil // 204 No Content: nothing was deleted
	}
	return out, nil
}

// PIM request types baton-azure sends.
const (
	RequestAdminAssign = "AdminAssign"
	RequestAdminRemove = "AdminRemove"
)

// ScheduleRequest is the body of a PIM role eligibility or role assignment schedule request.
type ScheduleRequest struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
	PrincipalID      string `json:"principalId"`
	RequestType      string `json:"requestType"` // RequestAdminAssign or RequestAdminRemove
	Justification    string `json:"justification,omitempty"`
	// Start and End bound an AdminAssign (End nil: no expiration, which PIM policy may refuse); they are
	// not sent with AdminRemove.
	Start *time.Time `json:"-"`
	End   *time.Time `json:"-"`
}

type scheduleBody struct {
	RoleDefinitionID string        `json:"roleDefinitionId"`
	PrincipalID      string        `json:"principalId"`
	RequestType      string        `json:"requestType"`
	Justification    string        `json:"justification,omitempty"`
	ScheduleInfo     *scheduleInfo `json:"scheduleInfo,omitempty"`
}

type scheduleInfo struct {
	StartDateTime *string    `json:"startDateTime,omitempty"`
	Expiration    expiration `json:"expiration"`
}

type expiration struct {
	Type        string  `json:"type"` // AfterDateTime or NoExpiration
	EndDateTime *string `json:"endDateTime,omitempty"`
}

func (r ScheduleRequest) body() scheduleBody {
	b := scheduleBody{RoleDefinitionID: r.RoleDefinitionID, PrincipalID: r.PrincipalID, RequestType: r.RequestType, Justification: r.Justification}
	if r.RequestType != RequestAdminAssign {
		return b
	}
	si := &scheduleInfo{Expiration: expiration{Type: "NoExpiration"}}
	if r.Start != nil {
		s := r.Start.UTC().Format(time.RFC3339)
		si.StartDateTime = &s
	}
	if r.End != nil {
		e := r.End.UTC().Format(time.RFC3339)
		si.Expiration = expiration{Type: "AfterDateTime", EndDateTime: &e}
	}
	b.ScheduleInfo = si
	return b
}

// RequestRoleEligibility sends a PIM role eligibility schedule request
// (PUT scope/…/roleEligibilityScheduleRequests/{name}, name a new GUID): AdminAssign makes the principal
// eligible for the role at scope, AdminRemove removes its eligibility. Without Entra ID P2 ARM answers 400
// AadPremiumLicenseRequired; an AdminAssign for an existing eligibility is 409 CodeRoleAssignmentExists,
// an AdminRemove of none 400 CodeRoleAssignmentDoesNotExist.
func (c *Client) RequestRoleEligibility(ctx context.Context, scope, name string, r ScheduleRequest) (*armauthorization.RoleEligibilityScheduleRequest, error) {
	out := &armauthorization.RoleEligibilityScheduleRequest{}
	err := c.do(ctx, http.MethodPut, scopePath(scope)+"/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/"+escapePath(name)+"?"+
		query("api-version", versionPIM), map[string]any{"properties": r.body()}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}
