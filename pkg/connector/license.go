package connector

import (
	"context"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// licenseSyncer lists subscribed SKUs. Direct license assignments are grants to users; group-based ones
// are grants to the licensed groups, expanded shallowly to their direct members — Entra applies
// group-based licenses to direct members only — so each inherited license names its group in sources.
type licenseSyncer struct{ c *Connector }

func (s *licenseSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeLicense)
}

func (s *licenseSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListSubscribedSKUs(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "list subscribed SKUs")
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, sku := range page.Value {
		r, err := rs.NewResource(sku.SkuPartNumber, resourceTypeOf(typeLicense), sku.SkuID, rs.WithResourceProfile(map[string]any{
			"sku_part_number": sku.SkuPartNumber, "consumed_units": sku.ConsumedUnits, "prepaid_units": sku.PrepaidUnits.Enabled}))
		if err != nil {
			return nil, nil, wrapErr(err, "build license "+sku.SkuID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *licenseSyncer) Entitlements(_ context.Context, res *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return []*v2.Entitlement{entitlement.NewAssignmentEntitlement(res, entAssigned,
		entitlement.WithGrantableTo(resourceTypeOf(typeUser), resourceTypeOf(typeGroup)),
		entitlement.WithDisplayName(res.GetDisplayName()+" license"),
		entitlement.WithDescription("Holds a "+res.GetDisplayName()+" license, directly or through a group"))}, nil, nil
}

const (
	phaseDirect = "direct"
	phaseGroups = "groups"
)

func (s *licenseSyncer) Grants(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	cur, err := newCursor(opts.PageToken.Token, phaseDirect, phaseGroups)
	if err != nil {
		return nil, nil, err
	}
	skuID := res.GetId().GetResource()
	var grants []*v2.Grant
	var next string
	switch cur.phase() {
	case phaseDirect:
		page, err := s.c.graph.ListLicensedUsers(ctx, skuID, cur.link())
		if err != nil {
			return nil, nil, wrapErr(err, "list users licensed for "+skuID)
		}
		for _, u := range page.Value {
			for _, st := range u.LicenseAssignmentStates {
				if strings.EqualFold(st.SkuID, skuID) && st.AssignedByGroup == "" {
					grants = append(grants, s.c.newGrant(res, entAssigned, resourceID(typeUser, u.ID), map[string]any{"assignment": "direct"}))
					break
				}
			}
		}
		next = page.NextLink
	case phaseGroups:
		page, err := s.c.graph.ListLicensedGroups(ctx, skuID, cur.link())
		if err != nil {
			return nil, nil, wrapErr(err, "list groups licensed for "+skuID)
		}
		for _, g := range page.Value {
			grants = append(grants, grant.NewGrant(res, entAssigned, resourceID(typeGroup, g.ID),
				grant.WithGrantMetadata(map[string]any{"assignment": "group"}),
				grant.WithAnnotation(v2.GrantExpandable_builder{
					EntitlementIds:  []string{entitlement.NewEntitlementID(groupStub(g.ID), entMember)},
					Shallow:         true,
					ResourceTypeIds: []string{typeUser},
				}.Build())))
		}
		next = page.NextLink
	}
	tok, err := cur.advance(next)
	if err != nil {
		return nil, nil, err
	}
	return grants, &rs.SyncOpResults{NextPageToken: tok}, nil
}
