package connector

import (
	"context"
	"strings"
	"sync"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// appRoleCache holds app roles read with the service principal listing, so that building entitlements
// needs no request per application. Each entry is taken once; a process that did not list (a resumed
// sync) reads the roles from Graph instead.
type appRoleCache struct {
	mu sync.Mutex
	m  map[string][]graph.AppRole
}

func (c *appRoleCache) put(spID string, roles []graph.AppRole) {
	c.mu.Lock()
	c.m[strings.ToLower(spID)] = roles
	c.mu.Unlock()
}

func (c *appRoleCache) take(spID string) ([]graph.AppRole, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	roles, ok := c.m[strings.ToLower(spID)]
	delete(c.m, strings.ToLower(spID))
	return roles, ok
}

// defaultAccessRoleID is the appRoleId of a "default access" assignment.
const defaultAccessRoleID = "00000000-0000-0000-0000-000000000000"

// enterpriseAppSyncer lists service principals of applications (every type except managed identities),
// with owners and one entitlement per app role plus default access.
type enterpriseAppSyncer struct{ c *Connector }

func (s *enterpriseAppSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeEnterpriseApp)
}

func (s *enterpriseAppSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListServicePrincipals(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "list service principals")
	}
	var out []*v2.Resource
	for _, sp := range page.Value {
		s.c.spTypes.remember(sp.ID, sp.ServicePrincipalType)
		if spResourceType(sp.ServicePrincipalType) != typeEnterpriseApp {
			continue // a managed identity: listed by managedIdentitySyncer
		}
		profile := map[string]any{"app_id": sp.AppID, "service_principal_type": sp.ServicePrincipalType,
			"enabled": sp.AccountEnabled, "app_role_assignment_required": sp.AppRoleAssignmentRequired}
		setIf(profile, "app_owner_organization_id", sp.AppOwnerOrganizationID)
		s.c.appRoles.put(sp.ID, sp.AppRoles)
		r, err := rs.NewAppResource(sp.DisplayName, resourceTypeOf(typeEnterpriseApp), sp.ID, []rs.AppTraitOption{rs.WithAppProfile(profile)})
		if err != nil {
			return nil, nil, wrapErr(err, "build enterprise application "+sp.ID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *enterpriseAppSyncer) Entitlements(ctx context.Context, res *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	roles, ok := s.c.appRoles.take(res.GetId().GetResource())
	if !ok {
		var err error
		if roles, err = s.c.graph.ServicePrincipalAppRoles(ctx, res.GetId().GetResource()); err != nil {
			return nil, nil, wrapErr(err, "read app roles of "+res.GetId().GetResource())
		}
	}
	name := res.GetDisplayName()
	principals := directoryPrincipalTypes()
	out := []*v2.Entitlement{
		entitlement.NewPermissionEntitlement(res, entOwner, entitlement.WithGrantableTo(resourceTypeOf(typeUser), resourceTypeOf(typeEnterpriseApp), resourceTypeOf(typeManagedIdentity)),
			entitlement.WithDisplayName(name+" owner"), entitlement.WithDescription("Owner of the "+name+" enterprise application")),
		entitlement.NewAssignmentEntitlement(res, entDefaultAccess, entitlement.WithGrantableTo(principals...),
			entitlement.WithDisplayName(name+" default access"), entitlement.WithDescription("Assigned to "+name+" without a specific app role")),
	}
	for _, r := range roles {
		desc := r.Description
		if desc == "" {
			desc = "App role " + r.Value + " of " + name
		}
		out = append(out, entitlement.NewAssignmentEntitlement(res, appRoleSlug(r.ID), entitlement.WithGrantableTo(principals...),
			entitlement.WithDisplayName(name+": "+r.DisplayName), entitlement.WithDescription(desc)))
	}
	return out, nil, nil
}

// appRoleSlug is the entitlement slug of an app role (default access has its own).
func appRoleSlug(appRoleID string) string {
	if appRoleID == defaultAccessRoleID {
		return entDefaultAccess
	}
	return "app-role-" + strings.ToLower(appRoleID)
}

// Grants returns nothing: enterprise application grants are type-scoped (GrantsForResourceType,
// enterprise_application_grants.go).
func (s *enterpriseAppSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// unresolvedPrincipalIDs are the principals of assignments whose resource type needs a lookup: service
// principals, and groups when AD-synced groups are skipped.
func (c *Connector) unresolvedPrincipalIDs(as []graph.AppRoleAssignment) []string {
	var ids []string
	for _, a := range as {
		if a.PrincipalType == "ServicePrincipal" || (a.PrincipalType == "Group" && c.s.skipADGroups) {
			ids = append(ids, a.PrincipalID)
		}
	}
	return ids
}

// managedIdentitySyncer lists the service principals of managed identities: principals only.
type managedIdentitySyncer struct{ c *Connector }

func (s *managedIdentitySyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeManagedIdentity)
}

func (s *managedIdentitySyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListManagedIdentities(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "list managed identities")
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, sp := range page.Value {
		s.c.spTypes.remember(sp.ID, sp.ServicePrincipalType)
		kind, host := managedIdentityKind(sp.AlternativeNames)
		profile := map[string]any{"app_id": sp.AppID, "client_id": sp.AppID, "identity_type": kind}
		setIf(profile, "resource_id", host)
		r, err := rs.NewResource(sp.DisplayName, resourceTypeOf(typeManagedIdentity), sp.ID, rs.WithResourceProfile(profile),
			rs.WithNHIType(v2.NonHumanIdentityTrait_NHI_TYPE_MANAGED_IDENTITY, kind+"-assigned managed identity"))
		if err != nil {
			return nil, nil, wrapErr(err, "build managed identity "+sp.ID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

// managedIdentityKind reads alternativeNames: ["isExplicit=True", "<identity resource id>"] for
// user-assigned identities, ["isExplicit=False", "<host resource id>"] for system-assigned ones.
func managedIdentityKind(names []string) (kind, resource string) {
	kind = "system"
	for _, n := range names {
		switch {
		case strings.EqualFold(n, "isExplicit=True"):
			kind = "user"
		case strings.HasPrefix(n, "/"):
			resource = n
		}
	}
	return kind, resource
}

func (s *managedIdentitySyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

func (s *managedIdentitySyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}
