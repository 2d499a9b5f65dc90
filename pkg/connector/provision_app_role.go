package connector

import (
	"context"
	"slices"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Grant and Revoke of enterprise application app roles and default access (appRoleAssignedTo).

const appRoleEntForm = "enterprise_application:<service principal object id>:default-access or :app-role-<app role id>"

const permAppRole = "AppRoleAssignment.ReadWrite.All (with Application.Read.All)"

// appRoleTarget is one app role (or default access) of one resource service principal.
type appRoleTarget struct {
	ent       provisionEntitlement
	res       *v2.Resource
	appRoleID string
}

func parseAppRole(ent *v2.Entitlement) (appRoleTarget, error) {
	e, err := parseProvisionEntitlement(ent, typeEnterpriseApp, appRoleEntForm)
	if err != nil {
		return appRoleTarget{}, err
	}
	t := appRoleTarget{ent: e, res: grantResource(ent, e)}
	switch {
	case e.Slug == entDefaultAccess:
		t.appRoleID = defaultAccessRoleID
	case e.Slug == entOwner:
		return t, status.Errorf(codes.Unimplemented, "%s: enterprise application ownership (%s) is not provisioned by baton-azure; "+
			"change owners in the Microsoft Entra admin center (Enterprise applications → the app → Owners)", errPrefix, e.ID)
	default:
		role, ok := strings.CutPrefix(e.Slug, "app-role-")
		if !ok || !isGUID(role) {
			return t, invalidID("entitlement", e.ID, appRoleEntForm)
		}
		t.appRoleID = strings.ToLower(role)
	}
	return t, nil
}

// principalCollection is the Graph collection holding a principal's app role assignments.
func principalCollection(p *v2.ResourceId) string {
	switch p.GetResourceType() {
	case typeUser:
		return graph.PrincipalUsers
	case typeGroup:
		return graph.PrincipalGroups
	}
	return graph.PrincipalServicePrincipals
}

// heldAssignments lists the principal's assignments of exactly this app role on this resource.
func (c *Connector) heldAssignments(ctx context.Context, t appRoleTarget, p *v2.ResourceId) ([]graph.AppRoleAssignment, error) {
	as, err := c.graph.AppRoleAssignmentsHeld(ctx, principalCollection(p), p.GetResource(), t.ent.ResourceID)
	if err != nil {
		return nil, wrapErr(err, "read the app role assignments of "+p.GetResource())
	}
	var out []graph.AppRoleAssignment
	for _, a := range as {
		if strings.EqualFold(a.AppRoleID, t.appRoleID) && strings.EqualFold(a.ResourceID, t.ent.ResourceID) &&
			strings.EqualFold(a.PrincipalID, p.GetResource()) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *enterpriseAppSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	t, err := parseAppRole(ent)
	if err != nil {
		return nil, nil, err
	}
	p, err := provisionPrincipal(principal.GetId(), "app role "+t.appRoleID+" ("+t.ent.ID+")", typeUser, typeGroup, typeEnterpriseApp, typeManagedIdentity)
	if err != nil {
		return nil, nil, err
	}
	if t.appRoleID != defaultAccessRoleID {
		if err := s.checkAppRole(ctx, t, p); err != nil {
			return nil, nil, err
		}
	}
	grantOf := func(assignmentID string) []*v2.Grant {
		var md map[string]any
		if assignmentID != "" {
			md = map[string]any{"app_role_assignment_id": assignmentID}
		}
		return []*v2.Grant{s.c.newGrant(t.res, appRoleSlug(t.appRoleID), p, md)}
	}
	held, err := s.c.heldAssignments(ctx, t, p)
	if err != nil {
		return nil, nil, err
	}
	if len(held) > 0 {
		return grantOf(held[0].ID), grantAlreadyExists(), nil
	}
	a, err := s.c.graph.AssignAppRole(ctx, t.ent.ResourceID, p.GetResource(), t.appRoleID)
	if err != nil {
		if graph.IsAlreadyExists(err) {
			return grantOf(""), grantAlreadyExists(), nil
		}
		return nil, nil, writeErr(err, "assign app role "+t.appRoleID+" of "+t.ent.ResourceID+" to "+p.GetResource(), permAppRole)
	}
	return grantOf(a.ID), nil, nil
}

// checkAppRole refuses, before writing, an app role the application does not declare, has disabled, or
// does not allow for the principal's type (allowedMemberTypes: User for users and groups, Application
// for service principals).
func (s *enterpriseAppSyncer) checkAppRole(ctx context.Context, t appRoleTarget, p *v2.ResourceId) error {
	roles, err := s.c.graph.ServicePrincipalAppRoles(ctx, t.ent.ResourceID)
	if err != nil {
		return wrapErr(err, "read app roles of "+t.ent.ResourceID)
	}
	for _, r := range roles {
		if !strings.EqualFold(r.ID, t.appRoleID) {
			continue
		}
		want := "User"
		if p.GetResourceType() == typeEnterpriseApp || p.GetResourceType() == typeManagedIdentity {
			want = "Application"
		}
		switch {
		case !r.IsEnabled:
			return refusef("app role %q (%s) of enterprise application %s is disabled; enable it in the app registration's App roles first",
				r.Value, r.ID, t.ent.ResourceID)
		case !slices.Contains(r.AllowedMemberTypes, want):
			return refusef("app role %q (%s) of enterprise application %s allows member types %v, so it cannot be assigned to a %s; "+
				"change the role's allowed member types in the app registration (App roles), or choose another role",
				r.Value, r.ID, t.ent.ResourceID, r.AllowedMemberTypes, displayType(p.GetResourceType()))
		}
		return nil
	}
	return status.Errorf(codes.NotFound, "%s: enterprise application %s declares no app role %s (it may have been removed); sync again and choose a current role; nothing was changed",
		errPrefix, t.ent.ResourceID, t.appRoleID)
}

func (s *enterpriseAppSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	t, err := parseAppRole(g.GetEntitlement())
	if err != nil {
		return nil, err
	}
	p, err := parseRevokeGrant(g, t.ent)
	if err != nil {
		return nil, err
	}
	if err := refuseDerivedGrant(g); err != nil {
		return nil, err
	}
	held, err := s.c.heldAssignments(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if len(held) == 0 {
		return grantAlreadyRevoked(), nil
	}
	for _, a := range held { // exactly this principal's assignments of this role on this resource
		if err := s.c.graph.DeleteAppRoleAssignment(ctx, t.ent.ResourceID, a.ID); err != nil && !graph.IsDoesNotExist(err) {
			return nil, writeErr(err, "remove app role "+t.appRoleID+" of "+t.ent.ResourceID+" from "+p.GetResource(), permAppRole)
		}
	}
	return nil, nil
}
