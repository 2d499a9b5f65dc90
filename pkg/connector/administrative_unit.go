package connector

import (
	"context"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// administrativeUnitSyncer lists administrative units with their members and the directory roles
// assigned at their scope ("User Administrator of unit X").
type administrativeUnitSyncer struct{ c *Connector }

func (s *administrativeUnitSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeAdministrativeUnit)
}

func (s *administrativeUnitSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListAdministrativeUnits(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "list administrative units")
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, au := range page.Value {
		profile := map[string]any{}
		setIf(profile, "visibility", au.Visibility)
		r, err := rs.NewGroupResource(au.DisplayName, resourceTypeOf(typeAdministrativeUnit), au.ID,
			[]rs.GroupTraitOption{rs.WithGroupProfile(profile)}, rs.WithDescription(au.Description))
		if err != nil {
			return nil, nil, wrapErr(err, "build administrative unit "+au.ID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

// scopedSlug is the entitlement slug of a directory role at an administrative unit's scope.
func scopedSlug(state, roleID string) string { return state + "-role-" + strings.ToLower(roleID) }

func auScope(id string) string { return "/administrativeUnits/" + id }

// scopedAssignments lists every assignment (active, then eligible unless P2 features are skipped) at
// the unit's scope. Units hold a handful, so this reads all pages.
func (s *administrativeUnitSyncer) scopedAssignments(ctx context.Context, auID string, eligible bool) ([]graph.RoleAssignment, error) {
	f := graph.RoleAssignmentFilter{DirectoryScopeID: auScope(auID)}
	list := s.c.graph.ListRoleAssignments
	switch {
	case eligible:
		list = s.c.graph.ListRoleEligibilities
	case !s.c.s.skipP2:
		// Assignment schedule instances carry the end of time-bound (PIM) active assignments.
		list = s.c.graph.ListRoleAssignmentSchedules
	}
	var out []graph.RoleAssignment
	for next := ""; ; {
		page, err := graph.ResendThrottled(func() (graph.Page[graph.RoleAssignment], error) { return list(ctx, f, next) })
		if err != nil {
			if isPremiumError(err) {
				return nil, premiumError("PIM for directory roles", err)
			}
			return nil, wrapErr(err, "list role assignments scoped to administrative unit "+auID)
		}
		out = append(out, page.Value...)
		if next = page.NextLink; next == "" {
			return out, nil
		}
	}
}

func (s *administrativeUnitSyncer) Entitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	name := res.GetDisplayName()
	auID := res.GetId().GetResource()
	out := []*v2.Entitlement{entitlement.NewAssignmentEntitlement(res, entMember, entitlement.WithGrantableTo(directoryPrincipalTypes()...),
		entitlement.WithDisplayName(name+" member"), entitlement.WithDescription("Member of the "+name+" administrative unit"))}
	states := []string{entAssigned}
	if !s.c.s.skipP2 {
		states = append(states, entEligible)
	}
	for _, state := range states {
		as, err := s.scopedAssignments(ctx, auID, state == entEligible)
		if err != nil {
			return nil, nil, err
		}
		seen := map[string]bool{}
		for _, a := range as {
			if seen[a.RoleDefinitionID] {
				continue
			}
			seen[a.RoleDefinitionID] = true
			role, err := s.c.roleName(ctx, opts.SyncID, a.RoleDefinitionID)
			if err != nil {
				return nil, nil, err
			}
			display := role + " of " + name
			if state == entEligible {
				display += " (eligible)"
			}
			out = append(out, entitlement.NewPermissionEntitlement(res, scopedSlug(state, a.RoleDefinitionID),
				entitlement.WithGrantableTo(directoryPrincipalTypes()...), entitlement.WithDisplayName(display),
				entitlement.WithDescription("The "+role+" directory role scoped to the "+name+" administrative unit")))
		}
	}
	return out, nil, nil
}

const phaseScoped = "scoped"

func (s *administrativeUnitSyncer) Grants(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	cur, err := newCursor(opts.PageToken.Token, phaseMembers, phaseScoped)
	if err != nil {
		return nil, nil, err
	}
	auID := res.GetId().GetResource()
	var grants []*v2.Grant
	var next string
	switch cur.phase() {
	case phaseMembers:
		page, err := s.c.graph.ListAdministrativeUnitMembers(ctx, auID, cur.link())
		if err != nil {
			return nil, nil, wrapErr(err, "list members of administrative unit "+auID)
		}
		for _, o := range page.Value {
			p, ok := s.c.principalOf(o)
			if !ok {
				skipUnmodelled(ctx, "administrative unit "+auID, o)
				continue
			}
			grants = append(grants, s.c.newDirectGrant(res, entMember, p))
		}
		next = page.NextLink
	case phaseScoped:
		states := []string{entAssigned}
		if !s.c.s.skipP2 {
			states = append(states, entEligible)
		}
		for _, state := range states {
			as, err := s.scopedAssignments(ctx, auID, state == entEligible)
			if err != nil {
				return nil, nil, err
			}
			for _, a := range as {
				p, ok := s.c.schedulePrincipal(ctx, "administrative unit "+auID, a.Principal, a.PrincipalID)
				if !ok {
					continue
				}
				md := map[string]any{"directory_scope_id": a.DirectoryScopeID, "role_definition_id": a.RoleDefinitionID}
				if state == entEligible || a.StartDateTime != nil || a.EndDateTime != nil {
					for k, v := range scheduleMetadata(a.StartDateTime, a.EndDateTime) {
						md[k] = v
					}
				}
				grants = append(grants, s.c.newGrant(res, scopedSlug(state, a.RoleDefinitionID), p, md))
			}
		}
	}
	tok, err := cur.advance(next)
	if err != nil {
		return nil, nil, err
	}
	return grants, &rs.SyncOpResults{NextPageToken: tok}, nil
}
