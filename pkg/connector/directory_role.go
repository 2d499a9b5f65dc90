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

// directoryRoleSyncer lists Entra role definitions with their tenant-wide active and eligible
// assignments. Assignments scoped to an administrative unit are grants of that unit (administrative_unit.go).
type directoryRoleSyncer struct{ c *Connector }

func (s *directoryRoleSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeDirectoryRole)
}

func (s *directoryRoleSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListRoleDefinitions(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "list directory role definitions")
	}
	var used map[string]bool
	if s.c.s.skipUnusedRoles {
		if used, err = s.c.usedRoles(ctx, opts.SyncID); err != nil {
			return nil, nil, err
		}
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, d := range page.Value {
		if used != nil && !used[strings.ToLower(d.ID)] {
			continue // skip-unused-roles
		}
		profile := map[string]any{"built_in": d.IsBuiltIn, "enabled": d.IsEnabled, "privileged": d.IsPrivileged, "template_id": d.TemplateID}
		r, err := rs.NewRoleResource(d.DisplayName, resourceTypeOf(typeDirectoryRole), d.ID,
			[]rs.RoleTraitOption{rs.WithRoleProfile(profile)}, rs.WithDescription(d.Description))
		if err != nil {
			return nil, nil, wrapErr(err, "build directory role "+d.ID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func directoryPrincipalTypes() []*v2.ResourceType {
	return []*v2.ResourceType{resourceTypeOf(typeUser), resourceTypeOf(typeGroup), resourceTypeOf(typeEnterpriseApp), resourceTypeOf(typeManagedIdentity)}
}

func (s *directoryRoleSyncer) Entitlements(ctx context.Context, res *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	name := res.GetDisplayName()
	out := []*v2.Entitlement{entitlement.NewAssignmentEntitlement(res, entAssigned, entitlement.WithGrantableTo(directoryPrincipalTypes()...),
		entitlement.WithDisplayName(name), entitlement.WithDescription("Active assignment of the "+name+" role, tenant-wide"))}
	if !s.c.s.skipP2 {
		out = append(out, entitlement.NewAssignmentEntitlement(res, entEligible, entitlement.WithGrantableTo(directoryPrincipalTypes()...),
			entitlement.WithDisplayName(name+" (eligible)"), entitlement.WithDescription("Eligible (PIM) to activate the "+name+" role, tenant-wide")))
	}
	return out, nil, nil
}

const (
	phaseActive = "active"
)

func (s *directoryRoleSyncer) Grants(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	phases := []string{phaseActive}
	if !s.c.s.skipP2 {
		phases = append(phases, phaseEligible)
	}
	cur, err := newCursor(opts.PageToken.Token, phases...)
	if err != nil {
		return nil, nil, err
	}
	roleID := res.GetId().GetResource()
	f := graph.RoleAssignmentFilter{RoleDefinitionID: roleID}
	var page graph.Page[graph.RoleAssignment]
	slug := entAssigned
	switch cur.phase() {
	case phaseActive:
		if s.c.s.skipP2 {
			page, err = s.c.graph.ListRoleAssignments(ctx, f, cur.link())
		} else {
			// Assignment schedule instances carry the end of time-bound (PIM) active assignments.
			page, err = s.c.graph.ListRoleAssignmentSchedules(ctx, f, cur.link())
		}
	case phaseEligible:
		slug = entEligible
		page, err = s.c.graph.ListRoleEligibilities(ctx, f, cur.link())
	}
	if err != nil {
		if !s.c.s.skipP2 && isPremiumError(err) {
			return nil, nil, premiumError("PIM for directory roles", err)
		}
		return nil, nil, wrapErr(err, "list "+cur.phase()+" assignments of directory role "+roleID)
	}
	var grants []*v2.Grant
	for _, a := range page.Value {
		if strings.HasPrefix(strings.ToLower(a.DirectoryScopeID), "/administrativeunits/") {
			continue // a grant of the administrative unit, emitted there
		}
		p, ok := s.c.schedulePrincipal(ctx, "directory role "+roleID, a.Principal, a.PrincipalID)
		if !ok {
			continue
		}
		md := map[string]any{"directory_scope_id": a.DirectoryScopeID}
		if cur.phase() == phaseEligible || a.StartDateTime != nil || a.EndDateTime != nil {
			for k, v := range scheduleMetadata(a.StartDateTime, a.EndDateTime) {
				md[k] = v
			}
		}
		grants = append(grants, s.c.newGrant(res, slug, p, md))
	}
	tok, err := cur.advance(page.NextLink)
	if err != nil {
		return nil, nil, err
	}
	return grants, &rs.SyncOpResults{NextPageToken: tok}, nil
}

// roleCatalog caches, per sync, role display names and which roles have any assignment.
type roleCatalog struct {
	mu     sync.Mutex
	syncID string
	names  map[string]string
	used   map[string]bool
}

// reset drops the cache when a new sync starts; callers hold mu.
func (rc *roleCatalog) reset(syncID string) {
	if rc.syncID != syncID {
		rc.syncID, rc.names, rc.used = syncID, nil, nil
	}
}

// usedRoles returns the ids of roles with at least one active or eligible assignment at any scope.
func (c *Connector) usedRoles(ctx context.Context, syncID string) (map[string]bool, error) {
	c.roles.mu.Lock()
	defer c.roles.mu.Unlock()
	c.roles.reset(syncID)
	if c.roles.used != nil {
		return c.roles.used, nil
	}
	used := map[string]bool{}
	lists := []func(context.Context, graph.RoleAssignmentFilter, string) (graph.Page[graph.RoleAssignment], error){c.graph.ListRoleAssignments}
	if !c.s.skipP2 {
		lists = append(lists, c.graph.ListRoleEligibilities)
	}
	for _, list := range lists {
		for next := ""; ; {
			page, err := list(ctx, graph.RoleAssignmentFilter{}, next)
			if err != nil {
				if isPremiumError(err) {
					return nil, premiumError("PIM for directory roles", err)
				}
				return nil, wrapErr(err, "list directory role assignments")
			}
			for _, a := range page.Value {
				used[strings.ToLower(a.RoleDefinitionID)] = true
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
	}
	c.roles.used = used
	return used, nil
}

// roleName returns the display name of a role definition.
func (c *Connector) roleName(ctx context.Context, syncID, id string) (string, error) {
	c.roles.mu.Lock()
	defer c.roles.mu.Unlock()
	c.roles.reset(syncID)
	if c.roles.names == nil {
		names := map[string]string{}
		for next := ""; ; {
			page, err := c.graph.ListRoleDefinitions(ctx, next)
			if err != nil {
				return "", wrapErr(err, "list directory role definitions")
			}
			for _, d := range page.Value {
				names[strings.ToLower(d.ID)] = d.DisplayName
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
		c.roles.names = names
	}
	if n := c.roles.names[strings.ToLower(id)]; n != "" {
		return n, nil
	}
	return id, nil
}
