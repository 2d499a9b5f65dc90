package connector

import (
	"context"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Grant and Revoke of directory roles, tenant-wide (directory_role:<role>:assigned|eligible) and scoped
// to an administrative unit (administrative_unit:<unit>:assigned-role-<role>|eligible-role-<role>).
// Active assignments are made permanent with roleAssignments when P2 features are skipped, else as
// time-bound PIM assignments (roleAssignmentScheduleRequests) lasting pim-default-duration; eligible ones
// with roleEligibilityScheduleRequests, also time-bound.

const (
	directoryRoleEntForm = "directory_role:<role definition id>:assigned or :eligible"
	auEntForm            = "administrative_unit:<unit object id>:assigned-role-<role definition id> or :eligible-role-<role definition id>"
)

// Permissions the directory role writes need.
const (
	permRoleAssign        = "RoleManagement.ReadWrite.Directory"
	permRoleAssignSched   = "RoleAssignmentSchedule.ReadWrite.Directory (or RoleManagement.ReadWrite.Directory)"
	permRoleEligibleSched = "RoleEligibilitySchedule.ReadWrite.Directory (or RoleManagement.ReadWrite.Directory)"
)

// directoryRoleTarget is one directory role at one scope.
type directoryRoleTarget struct {
	ent      provisionEntitlement
	res      *v2.Resource
	slug     string
	roleID   string
	scope    string // "/" or /administrativeUnits/<id>
	eligible bool
	au       bool
}

func (t directoryRoleTarget) what() string {
	state := "active"
	if t.eligible {
		state = "eligible"
	}
	return state + " directory role " + t.roleID + " at scope " + t.scope
}

// metadata is the grant metadata the sync emits for an assignment at this target.
func (t directoryRoleTarget) metadata(schedule map[string]any) map[string]any {
	md := map[string]any{"directory_scope_id": t.scope}
	if t.au {
		md["role_definition_id"] = t.roleID
	}
	for k, v := range schedule {
		md[k] = v
	}
	return md
}

func parseTenantRole(ent *v2.Entitlement) (directoryRoleTarget, error) {
	e, err := parseProvisionEntitlement(ent, typeDirectoryRole, directoryRoleEntForm)
	if err != nil {
		return directoryRoleTarget{}, err
	}
	if e.Slug != entAssigned && e.Slug != entEligible {
		return directoryRoleTarget{}, invalidID("entitlement", e.ID, directoryRoleEntForm)
	}
	return directoryRoleTarget{ent: e, res: grantResource(ent, e), slug: e.Slug, roleID: e.ResourceID, scope: "/", eligible: e.Slug == entEligible}, nil
}

// errAUMembership refuses administrative unit membership, which baton-azure syncs but does not provision.
func errAUMembership(id string) error {
	return status.Errorf(codes.Unimplemented, "%s: administrative unit membership (%s) is not provisioned by baton-azure; "+
		"add or remove members in the Microsoft Entra admin center (Identity → Roles & admins → Admin units)", errPrefix, id)
}

func parseAURole(ent *v2.Entitlement) (directoryRoleTarget, error) {
	e, err := parseProvisionEntitlement(ent, typeAdministrativeUnit, auEntForm)
	if err != nil {
		return directoryRoleTarget{}, err
	}
	if e.Slug == entMember {
		return directoryRoleTarget{}, errAUMembership(e.ID)
	}
	for _, state := range []string{entAssigned, entEligible} {
		if role, ok := strings.CutPrefix(e.Slug, state+"-role-"); ok && isGUID(role) {
			return directoryRoleTarget{ent: e, res: grantResource(ent, e), slug: e.Slug, roleID: strings.ToLower(role),
				scope: auScope(e.ResourceID), eligible: state == entEligible, au: true}, nil
		}
	}
	return directoryRoleTarget{}, invalidID("entitlement", e.ID, auEntForm)
}

func (s *directoryRoleSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	t, err := parseTenantRole(ent)
	if err != nil {
		return nil, nil, err
	}
	return s.c.grantDirectoryRole(ctx, t, principal)
}

func (s *directoryRoleSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	t, err := parseTenantRole(g.GetEntitlement())
	if err != nil {
		return nil, err
	}
	return s.c.revokeDirectoryRole(ctx, t, g)
}

func (s *administrativeUnitSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	t, err := parseAURole(ent)
	if err != nil {
		return nil, nil, err
	}
	return s.c.grantDirectoryRole(ctx, t, principal)
}

func (s *administrativeUnitSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	t, err := parseAURole(g.GetEntitlement())
	if err != nil {
		return nil, err
	}
	return s.c.revokeDirectoryRole(ctx, t, g)
}

// activeSource is where active assignments are read: schedule instances (with their end) when PIM is in
// use, as the sync reads them.
func (c *Connector) activeSource() graph.RoleAssignmentSource {
	if c.s.skipP2 {
		return graph.ActiveAssignments
	}
	return graph.ActiveScheduleInstances
}

// directAssignments returns the principal's own (not group-inherited) assignments at the target.
func (c *Connector) directAssignments(ctx context.Context, t directoryRoleTarget, principalID string) ([]graph.RoleAssignment, error) {
	src := c.activeSource()
	if t.eligible {
		src = graph.EligibleScheduleInstance
	}
	as, err := c.graph.RoleAssignmentsOf(ctx, src, t.roleID, principalID, t.scope)
	if err != nil {
		if (t.eligible || src == graph.ActiveScheduleInstances) && isPremiumError(err) {
			return nil, premiumError("PIM for directory roles", err)
		}
		return nil, wrapErr(err, "read assignments of "+t.what()+" to "+principalID)
	}
	out := as[:0]
	for _, a := range as {
		if strings.EqualFold(a.PrincipalID, principalID) && (a.MemberType == "" || strings.EqualFold(a.MemberType, "Direct")) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (c *Connector) grantDirectoryRole(ctx context.Context, t directoryRoleTarget, principal *v2.Resource) ([]*v2.Grant, annotations.Annotations, error) {
	p, err := provisionPrincipal(principal.GetId(), t.what()+" ("+t.ent.ID+")", typeUser, typeGroup, typeEnterpriseApp, typeManagedIdentity)
	if err != nil {
		return nil, nil, err
	}
	pid := p.GetResource()
	if p.GetResourceType() == typeGroup {
		g, err := c.graph.GetGroup(ctx, pid)
		if err != nil {
			return nil, nil, wrapErr(err, "read group "+pid)
		}
		if g.IsAssignableToRole == nil || !*g.IsAssignableToRole {
			return nil, nil, refusef("group %q (%s) is not role-assignable: only groups created with isAssignableToRole=true can hold "+
				"directory roles, and the property cannot be changed later; create a role-assignable group (Microsoft Entra admin center → "+
				"Groups → New group → \"Microsoft Entra roles can be assigned to the group\") or assign the role to the members directly", g.DisplayName, g.ID)
		}
	}
	existing, err := c.directAssignments(ctx, t, pid)
	if err != nil {
		return nil, nil, err
	}
	if len(existing) > 0 {
		return []*v2.Grant{c.newGrant(t.res, t.slug, p, t.metadata(c.assignmentSchedule(t, existing[0])))}, grantAlreadyExists(), nil
	}
	if !t.eligible && c.s.skipP2 {
		if _, err := c.graph.CreateRoleAssignment(ctx, t.roleID, pid, t.scope); err != nil {
			if graph.IsAlreadyExists(err) {
				return []*v2.Grant{c.newGrant(t.res, t.slug, p, t.metadata(nil))}, grantAlreadyExists(), nil
			}
			return nil, nil, writeErr(err, "assign "+t.what()+" to "+pid, permRoleAssign)
		}
		return []*v2.Grant{c.newGrant(t.res, t.slug, p, t.metadata(nil))}, nil, nil
	}
	start, end := c.jitWindow(c.now())
	perm := permRoleAssignSched
	if t.eligible {
		perm = permRoleEligibleSched
	}
	r, err := c.graph.RequestRoleSchedule(ctx, t.eligible, graph.ScheduleRequest{Action: graph.ActionAdminAssign, PrincipalID: pid,
		RoleDefinitionID: t.roleID, DirectoryScopeID: t.scope, Justification: c.s.pimJustification, Start: start, End: &end})
	if err != nil {
		if graph.IsAlreadyExists(err) {
			return []*v2.Grant{c.newGrant(t.res, t.slug, p, t.metadata(scheduleMetadata(&start, &end)))}, grantAlreadyExists(), nil
		}
		if isPremiumError(err) {
			return nil, nil, premiumError("PIM for directory roles", err)
		}
		return nil, nil, writeErr(err, "assign "+t.what()+" to "+pid, perm)
	}
	return []*v2.Grant{c.newGrant(t.res, t.slug, p, t.metadata(scheduleResultMetadata(r, start, end)))}, nil, nil
}

// assignmentSchedule is the schedule part of the metadata the sync emits for an existing assignment.
func (c *Connector) assignmentSchedule(t directoryRoleTarget, a graph.RoleAssignment) map[string]any {
	if t.eligible || (!t.au && (a.StartDateTime != nil || a.EndDateTime != nil)) {
		return scheduleMetadata(a.StartDateTime, a.EndDateTime)
	}
	return nil
}

func (c *Connector) revokeDirectoryRole(ctx context.Context, t directoryRoleTarget, g *v2.Grant) (annotations.Annotations, error) {
	p, err := parseRevokeGrant(g, t.ent)
	if err != nil {
		return nil, err
	}
	if err := refuseDerivedGrant(g); err != nil {
		return nil, err
	}
	pid := p.GetResource()
	existing, err := c.directAssignments(ctx, t, pid)
	if err != nil {
		return nil, err
	}
	if len(existing) == 0 {
		return grantAlreadyRevoked(), nil
	}
	if !t.eligible && c.s.skipP2 {
		for _, a := range existing {
			if err := c.graph.DeleteRoleAssignment(ctx, a.ID); err != nil && !graph.IsDoesNotExist(err) {
				return nil, writeErr(err, "remove "+t.what()+" from "+pid, permRoleAssign)
			}
		}
		return nil, nil
	}
	perm := permRoleAssignSched
	if t.eligible {
		perm = permRoleEligibleSched
	}
	if _, err := c.graph.RequestRoleSchedule(ctx, t.eligible, graph.ScheduleRequest{Action: graph.ActionAdminRemove, PrincipalID: pid,
		RoleDefinitionID: t.roleID, DirectoryScopeID: t.scope, Justification: c.s.pimJustification}); err != nil {
		if graph.IsDoesNotExist(err) {
			return grantAlreadyRevoked(), nil
		}
		if isPremiumError(err) {
			return nil, premiumError("PIM for directory roles", err)
		}
		return nil, writeErr(err, "remove "+t.what()+" from "+pid, perm)
	}
	return nil, nil
}
