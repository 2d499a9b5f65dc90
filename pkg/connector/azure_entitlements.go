package connector

import (
	"context"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// scopeOfResource returns the ARM scope of a scope resource id.
func scopeOfResource(id *v2.ResourceId) armScope {
	switch id.GetResourceType() {
	case typeManagementGroup:
		return parseScope(mgScopeKey(id.GetResource()))
	case typeSubscription:
		return parseScope(subScopeKey(id.GetResource()))
	}
	return parseScope(id.GetResource())
}

// rbacPrincipalTypes can hold an Azure RBAC entitlement: principals, and (structurally, for inheritance)
// the scope above.
func rbacPrincipalTypes() []*v2.ResourceType {
	return []*v2.ResourceType{resourceTypeOf(typeUser), resourceTypeOf(typeGroup), resourceTypeOf(typeEnterpriseApp),
		resourceTypeOf(typeManagedIdentity), resourceTypeOf(typeDeletedPrincipal), resourceTypeOf(typeManagementGroup),
		resourceTypeOf(typeSubscription), resourceTypeOf(typeResourceGroup), resourceTypeOf(typeStorageAccount)}
}

// scopeKindName names a scope for descriptions.
func scopeKindName(s armScope) string {
	return strings.ReplaceAll(s.resourceType(), "_", " ")
}

// scopeEntitlements offers, for every Azure role assignable at the scope, "<role> active" and (unless P2
// features are skipped) "<role> eligible". With skip-unused-roles only roles assigned at the scope — or,
// with inheritance, above it (so every entitlement that has holders is kept) — are offered. No ARM call
// is made per resource: the role catalog and the assignments are read once per subscription or
// management group and sync.
func (c *Connector) scopeEntitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	sc := scopeOfResource(res.GetId())
	if sc.resourceType() == "" {
		return nil, nil, nil
	}
	st := c.azure(opts.SyncID)
	h, err := c.loadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	defs, err := c.roleCatalog(ctx, st, catalogOf(sc))
	if err != nil {
		return nil, nil, err
	}
	var used map[string]uint8
	if c.s.skipUnusedRoles {
		if used, err = c.rolesHeldAt(ctx, st, h, sc); err != nil {
			return nil, nil, err
		}
	}
	name := res.GetDisplayName()
	where := scopeKindName(sc) + " " + name
	principals := rbacPrincipalTypes()
	var out []*v2.Entitlement
	for _, d := range defs {
		if !h.assignableAt(d, sc) {
			continue
		}
		if used != nil && used[d.id] == 0 {
			continue // skip-unused-roles
		}
		out = append(out, entitlement.NewAssignmentEntitlement(res, rbacSlug(d.id, RBACActive), entitlement.WithGrantableTo(principals...),
			entitlement.WithDisplayName(d.name+" active"),
			entitlement.WithDescription("Active Azure role assignment of "+d.name+" at "+where+", direct or inherited from above")))
		if !c.s.skipP2 {
			out = append(out, entitlement.NewAssignmentEntitlement(res, rbacSlug(d.id, RBACEligible), entitlement.WithGrantableTo(principals...),
				entitlement.WithDisplayName(d.name+" eligible"),
				entitlement.WithDescription("Eligible (PIM) to activate "+d.name+" at "+where+", direct or inherited from above")))
		}
	}
	return out, nil, nil
}

// rolesHeldAt returns the roles with an assignment (active or eligible) at a scope or, unless inheritance
// is disabled, above it.
func (c *Connector) rolesHeldAt(ctx context.Context, st *azureState, h *hierarchy, sc armScope) (map[string]uint8, error) {
	owner := parseScope(catalogOf(sc))
	ix, err := c.assignments(ctx, st, owner)
	if err != nil {
		return nil, err
	}
	out := map[string]uint8{}
	merge(out, ix.at[sc.key])
	if c.s.inheritance != inheritOff {
		merge(out, ix.inherited(sc))
	}
	return out, nil
}

func merge(dst, src map[string]uint8) {
	for r, b := range src {
		dst[r] |= b
	}
}
