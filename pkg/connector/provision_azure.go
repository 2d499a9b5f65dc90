package connector

import (
	"context"
	"fmt"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/arm"
)

// Azure RBAC provisioning (baton-sdk ResourceProvisionerV2 on the five scope syncers; baton routes Grant
// and Revoke by the entitlement's resource type). See docs/provisioning-azure.md.
//
//   - Grant "<role> active": PUT roleAssignments/{new GUID} at the scope, with the principal's ARM
//     principalType (User, Group, ServicePrincipal — managed identities are service principals). The
//     assignment is permanent: baton-sdk v0.25.0 passes no expiry to Grant (its builder drops the
//     request's annotations), so there is no time-bound active request to honour; time-bound access is
//     the eligible entitlement.
//   - Grant "<role> eligible": a PIM roleEligibilityScheduleRequest AdminAssign with the configured
//     justification, starting now and ending after pim-default-duration.
//   - Revoke: DELETE of exactly the assignment at that scope, or an AdminRemove of exactly that
//     eligibility. Access inherited from a scope above or held through a group is not revoked: the error
//     names the src assignment (role, principal, scope) to revoke instead.
//
// Every input is validated before any request; the assignments are read before any write, so granting
// what exists is GrantAlreadyExists and revoking what does not is GrantAlreadyRevoked, both without a
// write. The grants returned are built as the sync builds them, so they have the ids the next sync emits.

// Grant implements ResourceProvisionerV2 for Azure roles at management groups.
func (s *managementGroupSyncer) Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.grantAzureRole(ctx, p, e)
}

// Revoke implements ResourceProvisionerV2 for Azure roles at management groups.
func (s *managementGroupSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.revokeAzureRole(ctx, g)
}

// Grant implements ResourceProvisionerV2 for Azure roles at subscriptions.
func (s *subscriptionSyncer) Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.grantAzureRole(ctx, p, e)
}

// Revoke implements ResourceProvisionerV2 for Azure roles at subscriptions.
func (s *subscriptionSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.revokeAzureRole(ctx, g)
}

// Grant implements ResourceProvisionerV2 for Azure roles at resource groups.
func (s *resourceGroupSyncer) Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.grantAzureRole(ctx, p, e)
}

// Revoke implements ResourceProvisionerV2 for Azure roles at resource groups.
func (s *resourceGroupSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.revokeAzureRole(ctx, g)
}

// Grant implements ResourceProvisionerV2 for Azure roles at storage accounts.
func (s *storageAccountSyncer) Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.grantAzureRole(ctx, p, e)
}

// Revoke implements ResourceProvisionerV2 for Azure roles at storage accounts.
func (s *storageAccountSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.revokeAzureRole(ctx, g)
}

// Grant implements ResourceProvisionerV2 for Azure roles at blob containers.
func (s *containerSyncer) Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.grantAzureRole(ctx, p, e)
}

// Revoke implements ResourceProvisionerV2 for Azure roles at blob containers.
func (s *containerSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.revokeAzureRole(ctx, g)
}

// rbacWriteRoles names what lets the app write role assignments, for PermissionDenied messages.
const rbacWriteRoles = "Microsoft.Authorization/roleAssignments/write and /delete: assign it User Access Administrator, " +
	"or Role Based Access Control Administrator (optionally with a condition limiting the roles it may assign)"

// rbacPIMRoles names what lets the app send PIM eligibility requests: Role Based Access Control
// Administrator does not (its actions are roleAssignments/write and /delete only).
const rbacPIMRoles = "Microsoft.Authorization/roleEligibilityScheduleRequests/write: assign it User Access Administrator " +
	"(Role Based Access Control Administrator does not include PIM requests)"

// grantAzureRole grants an Azure RBAC entitlement (active or eligible) to a principal.
func (c *Connector) grantAzureRole(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	req, err := c.rbacGrantRequest(ent, principal.GetId())
	if err != nil {
		return nil, nil, err
	}
	armType, err := c.checkRBACPrincipal(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	found, err := c.findRBACAssignments(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	if found.exact != nil {
		return []*v2.Grant{c.provisionedRBACGrant(req, found.exact)}, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	where := "at " + req.armScope
	if req.ent.State == RBACActive {
		ra, err := c.arm.CreateRoleAssignment(ctx, req.armScope, uuid.NewString(), arm.RoleAssignmentCreate{
			RoleDefinitionID: req.roleDefinitionID(), PrincipalID: req.principalID, PrincipalType: armType,
		})
		if arm.HasCode(err, arm.CodeRoleAssignmentExists) {
			return c.rbacGrantRaced(ctx, req)
		}
		if err != nil {
			return nil, nil, armAccessErr(err, "assign Azure role "+req.role()+" to "+req.principalID+" "+where, rbacWriteRoles+" "+where)
		}
		a := assignmentOf(ra)
		if a == nil {
			return nil, nil, status.Errorf(codes.Unknown, "%s: ARM created a role assignment %s but returned no id", errPrefix, where)
		}
		return []*v2.Grant{c.provisionedRBACGrant(req, a)}, nil, nil
	}
	start, end := c.jitWindow(c.now())
	_, err = c.arm.RequestRoleEligibility(ctx, req.armScope, uuid.NewString(), arm.ScheduleRequest{
		RoleDefinitionID: req.roleDefinitionID(), PrincipalID: req.principalID, RequestType: arm.RequestAdminAssign,
		Justification: c.s.pimJustification, Start: &start, End: &end,
	})
	switch {
	case arm.HasCode(err, arm.CodeRoleAssignmentExists):
		return c.rbacGrantRaced(ctx, req)
	case isPremiumError(err):
		return nil, nil, premiumError("eligible (PIM) Azure role assignments", err)
	case err != nil:
		return nil, nil, armAccessErr(err, "make "+req.principalID+" eligible for Azure role "+req.role()+" "+where, rbacPIMRoles+" "+where)
	}
	// Read the eligibility back, so the grant carries the instance id and window the sync will report.
	if found, err := c.findRBACAssignments(ctx, req); err == nil && found.exact != nil {
		return []*v2.Grant{c.provisionedRBACGrant(req, found.exact)}, nil, nil
	}
	a := &rbacAssignment{rawScope: req.armScope, scope: req.target, role: req.ent.RoleID, principal: req.principalID,
		principalType: armType, eligible: true, start: &start, end: &end}
	return []*v2.Grant{c.provisionedRBACGrant(req, a)}, nil, nil
}

// rbacGrantRaced answers a write that ARM refused because the assignment exists (created since the read).
func (c *Connector) rbacGrantRaced(ctx context.Context, req *rbacRequest) ([]*v2.Grant, annotations.Annotations, error) {
	found, err := c.findRBACAssignments(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	annos := annotations.New(&v2.GrantAlreadyExists{})
	if found.exact == nil {
		return nil, annos, nil
	}
	return []*v2.Grant{c.provisionedRBACGrant(req, found.exact)}, annos, nil
}

// revokeAzureRole revokes exactly the assignment a synced grant stands for.
func (c *Connector) revokeAzureRole(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	req, err := c.rbacRevokeRequest(g)
	if err != nil {
		return nil, err
	}
	found, err := c.findRBACAssignments(ctx, req)
	if err != nil {
		return nil, err
	}
	a := found.exact
	if a == nil {
		if src := found.source(); src != nil {
			return nil, c.rbacDerivedGrantError(req, src)
		}
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	where := "at " + a.rawScope
	if !a.eligible {
		deleted, err := c.arm.DeleteRoleAssignment(ctx, a.rawScope, armLastSegment(a.id))
		if err != nil {
			return nil, armAccessErr(err, "delete Azure role assignment "+a.id, rbacWriteRoles+" "+where)
		}
		if deleted == nil {
			return annotations.New(&v2.GrantAlreadyRevoked{}), nil
		}
		return nil, nil
	}
	_, err = c.arm.RequestRoleEligibility(ctx, a.rawScope, uuid.NewString(), arm.ScheduleRequest{
		RoleDefinitionID: req.roleDefinitionID(), PrincipalID: a.principal, RequestType: arm.RequestAdminRemove,
		Justification: c.s.pimJustification,
	})
	switch {
	case arm.HasCode(err, arm.CodeRoleAssignmentDoesNotExist):
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	case isPremiumError(err):
		return nil, premiumError("eligible (PIM) Azure role assignments", err)
	case err != nil:
		return nil, armAccessErr(err, "remove the eligibility "+a.id, rbacPIMRoles+" "+where)
	}
	return nil, nil
}

// rbacDerivedGrantError refuses to revoke access that comes from another assignment, naming it.
func (c *Connector) rbacDerivedGrantError(req *rbacRequest, src *rbacAssignment) error {
	how := "it is inherited from the assignment at " + src.rawScope
	if src.principal != req.principalID {
		how = fmt.Sprintf("it comes through membership of group %s, which holds the role", src.principal)
		if src.scope.key != req.target.key {
			how += " at " + src.rawScope
		} else {
			how += " at this scope"
		}
	}
	msg := fmt.Sprintf("%s: the %s grant of Azure role %s to %s %s at %s is not an assignment of its own: %s. Revoke that assignment instead: "+
		"role %s, principal %s (%s), scope %s (assignment %s)", errPrefix, req.ent.State, req.role(), req.principalType, req.principalID,
		req.target.key, how, src.role, src.principal, src.principalType, src.rawScope, src.id)
	if ent := rbacEntitlementOfAssignment(src); ent != "" {
		msg += ", entitlement " + ent
	}
	if src.principal != req.principalID {
		msg += fmt.Sprintf(" — or remove %s from group %s", req.principalID, src.principal)
	}
	return status.Error(codes.FailedPrecondition, msg)
}

// rbacEntitlementOfAssignment is the entitlement id whose grant an assignment is, "" when its scope is not
// modelled (e.g. "/").
func rbacEntitlementOfAssignment(a *rbacAssignment) string {
	if a.scope.resourceType() == "" {
		return ""
	}
	return FormatRBACEntitlementID(RBACEntitlement{ResourceType: a.scope.resourceType(), ScopeID: a.scope.resourceID(), RoleID: a.role, State: a.state()})
}

// provisionedRBACGrant builds the grant of an assignment at the request's scope exactly as the sync does
// (assignmentGrant): same entitlement, principal, id, expansion and metadata.
func (c *Connector) provisionedRBACGrant(req *rbacRequest, a *rbacAssignment) *v2.Grant {
	md := map[string]any{"assignment_id": a.id, "scope": a.rawScope, "role_definition_id": a.role, "state": a.state(),
		"principal_type": a.principalType}
	if a.id == "" {
		delete(md, "assignment_id")
	}
	setIf(md, "condition", a.condition)
	setIf(md, "condition_version", a.conditionVersion)
	setIf(md, "description", a.description)
	if a.eligible {
		for k, v := range scheduleMetadata(a.start, a.end) {
			md[k] = v
		}
	}
	return c.newGrant(req.target.stub(), rbacSlug(req.ent.RoleID, req.ent.State), resourceID(req.principalType, req.principalID), md)
}

func armLastSegment(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }
