package connector

import (
	"context"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// groupSyncer lists groups; their members, owners and PIM for Groups eligibilities are type-scoped grants
// (group_grants.go).
type groupSyncer struct{ c *Connector }

func (s *groupSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeGroup)
}

func (s *groupSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListGroups(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "list groups")
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, g := range page.Value {
		synced := g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled
		if synced && s.c.s.skipADGroups {
			s.c.spTypes.set(g.ID, notSynced)
			continue // skip-ad-groups: AD-synced groups are left out by configuration
		}
		r, err := groupResource(g)
		if err != nil {
			return nil, nil, wrapErr(err, "build group "+g.ID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

// GroupKind names the kind of a group the way access reviewers do.
func GroupKind(g graph.Group) string {
	switch {
	case contains(g.GroupTypes, "Unified"):
		return "m365"
	case g.SecurityEnabled && g.MailEnabled:
		return "mailEnabledSecurity"
	case g.SecurityEnabled:
		return "security"
	}
	return "distribution"
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func groupResource(g graph.Group) (*v2.Resource, error) {
	profile := map[string]any{
		"kind":               GroupKind(g),
		"dynamic":            contains(g.GroupTypes, "DynamicMembership"),
		"role_assignable":    g.IsAssignableToRole != nil && *g.IsAssignableToRole,
		"on_premises_synced": g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled,
		"security_enabled":   g.SecurityEnabled,
		"mail_enabled":       g.MailEnabled,
	}
	setIf(profile, "mail", g.Mail)
	setIf(profile, "membership_rule", g.MembershipRule)
	setIf(profile, "visibility", g.Visibility)
	var opts []rs.ResourceOption
	if g.Description != "" {
		opts = append(opts, rs.WithDescription(g.Description))
	}
	return rs.NewGroupResource(g.DisplayName, resourceTypeOf(typeGroup), g.ID, []rs.GroupTraitOption{rs.WithGroupProfile(profile)}, opts...)
}

func (s *groupSyncer) Entitlements(ctx context.Context, res *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	principals := []*v2.ResourceType{resourceTypeOf(typeUser), resourceTypeOf(typeGroup), resourceTypeOf(typeEnterpriseApp), resourceTypeOf(typeManagedIdentity)}
	name := res.GetDisplayName()
	out := []*v2.Entitlement{
		entitlement.NewAssignmentEntitlement(res, entMember, entitlement.WithGrantableTo(principals...),
			entitlement.WithDisplayName(name+" member"), entitlement.WithDescription("Member of the "+name+" group")),
		entitlement.NewPermissionEntitlement(res, entOwner, entitlement.WithGrantableTo(principals...),
			entitlement.WithDisplayName(name+" owner"), entitlement.WithDescription("Owner of the "+name+" group")),
	}
	if !s.c.s.skipP2 {
		out = append(out,
			entitlement.NewAssignmentEntitlement(res, entEligibleMember, entitlement.WithGrantableTo(principals...),
				entitlement.WithDisplayName(name+" eligible member"), entitlement.WithDescription("Eligible (PIM for Groups) to activate membership of "+name)),
			entitlement.NewPermissionEntitlement(res, entEligibleOwner, entitlement.WithGrantableTo(principals...),
				entitlement.WithDisplayName(name+" eligible owner"), entitlement.WithDescription("Eligible (PIM for Groups) to activate ownership of "+name)))
	}
	return out, nil, nil
}

// Grant listing phases of a group.
const (
	phaseMembers  = "members"
	phaseOwners   = "owners"
	phaseEligible = "eligible"
)

// Grants returns nothing: group grants are type-scoped (GrantsForResourceType, group_grants.go).
func (s *groupSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// schedulePrincipal maps the expanded principal of an assignment or schedule instance. Graph expands a
// principal that no longer exists to null: such an assignment is logged and left out rather than
// attributed to a guessed principal.
func (c *Connector) schedulePrincipal(ctx context.Context, where string, o *graph.DirectoryObject, id string) (*v2.ResourceId, bool) {
	if o == nil || o.ODataType == "" {
		ctxzap.Extract(ctx).Warn("baton-azure: assignment to a principal that no longer exists",
			zap.String("where", where), zap.String("principal_id", id))
		return nil, false
	}
	p, ok := c.principalOf(*o)
	if !ok {
		skipUnmodelled(ctx, where, *o)
	}
	return p, ok
}

// scheduleMetadata records the window of a time-bound grant.
func scheduleMetadata(start, end *time.Time) map[string]any {
	m := map[string]any{}
	if start != nil {
		m["start"] = start.UTC().Format(time.RFC3339)
	}
	if end != nil {
		m["end"] = end.UTC().Format(time.RFC3339)
	} else {
		m["end"] = "permanent"
	}
	return m
}
