package connector

import (
	"context"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// tenantSyncer emits the tenant itself.
type tenantSyncer struct{ c *Connector }

func (s *tenantSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeTenant)
}

func (s *tenantSyncer) List(ctx context.Context, parent *v2.ResourceId, _ rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	org, err := s.c.graph.Organization(ctx)
	if err != nil {
		return nil, nil, wrapErr(err, "get organization")
	}
	profile := map[string]any{"tenant_id": org.ID}
	for _, d := range org.VerifiedDomains {
		if d.IsDefault {
			profile["default_domain"] = d.Name
		}
	}
	r, err := rs.NewResource(org.DisplayName, resourceTypeOf(typeTenant), org.ID, rs.WithResourceProfile(profile))
	if err != nil {
		return nil, nil, wrapErr(err, "build tenant resource")
	}
	return []*v2.Resource{r}, nil, nil
}

func (s *tenantSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

func (s *tenantSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}
