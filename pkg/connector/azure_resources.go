package connector

import (
	"context"
	"strconv"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// Azure Resource Manager resources: the management-group tree, subscriptions, resource groups, storage
// accounts and their blob containers (scopes, with Azure RBAC entitlements: azure_entitlements.go, and
// grants: azure_grants.go), Azure role definitions, and the deleted principals of role assignments.

// mgPageSize bounds one page of management groups (they come from one cached getEntities read).
const mgPageSize = 1000

func childType(id string) *v2.ChildResourceType {
	return v2.ChildResourceType_builder{ResourceTypeId: id}.Build()
}

// --- management_group ---

type managementGroupSyncer struct{ c *Connector }

func (s *managementGroupSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeManagementGroup)
}

func (s *managementGroupSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	st := s.c.azure(opts.SyncID)
	h, err := s.c.loadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	off, err := offsetToken(opts.PageToken.Token)
	if err != nil {
		return nil, nil, err
	}
	end := min(off+mgPageSize, len(h.mgs))
	out := make([]*v2.Resource, 0, end-off)
	for _, m := range h.mgs[off:end] {
		parentID := resourceID(typeTenant, m.name) // the root group's name is the tenant id
		if m.parent != "" {
			parentID = resourceID(typeManagementGroup, m.parent)
		}
		profile := map[string]any{"name": m.name, "scope": mgScopeKey(m.name), "root": m.parent == ""}
		setIf(profile, "parent", m.parent)
		r, err := rs.NewResource(m.displayName, resourceTypeOf(typeManagementGroup), m.name, rs.WithParentResourceID(parentID),
			rs.WithResourceProfile(profile), rs.WithAnnotation(childType(typeAzureRole), childType(typeDeletedPrincipal)))
		if err != nil {
			return nil, nil, wrapErr(err, "build management group "+m.name)
		}
		out = append(out, r)
	}
	next := ""
	if end < len(h.mgs) {
		next = strconv.Itoa(end)
	}
	return out, &rs.SyncOpResults{NextPageToken: next}, nil
}

func (s *managementGroupSyncer) Entitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return s.c.scopeEntitlements(ctx, res, opts)
}

func (s *managementGroupSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil // type-scoped: GrantsForResourceType
}

func (s *managementGroupSyncer) GrantsForResourceType(ctx context.Context, _ string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return s.c.managementGroupGrants(ctx, opts)
}

func offsetToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(tok)
	if err != nil || n < 0 {
		return 0, wrapErr(errMalformedToken(tok), "resume a listing")
	}
	return n, nil
}

// --- subscription ---

type subscriptionSyncer struct{ c *Connector }

func (s *subscriptionSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeSubscription)
}

func (s *subscriptionSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	st := s.c.azure(opts.SyncID)
	h, err := s.c.loadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	page, err := s.c.arm.ListSubscriptions(ctx, opts.PageToken.Token)
	if err != nil {
		return nil, nil, armAccessErr(err, "list subscriptions", "Reader on each subscription (or at the tenant root management group)")
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, sub := range page.Value {
		if sub == nil || sub.SubscriptionID == nil {
			continue
		}
		id := strings.ToLower(*sub.SubscriptionID)
		var opt []rs.ResourceOption
		profile := map[string]any{"subscription_id": id, "scope": subScopeKey(id)}
		if sub.State != nil {
			profile["state"] = string(*sub.State)
		}
		if mg := h.subParent[id]; mg != "" {
			profile["management_group"] = mg
			opt = append(opt, rs.WithParentResourceID(resourceID(typeManagementGroup, mg)))
		}
		children := []*v2.ChildResourceType{childType(typeResourceGroup), childType(typeStorageAccount), childType(typeAzureRole),
			childType(typeDeletedPrincipal)}
		for _, ch := range children {
			opt = append(opt, rs.WithAnnotation(ch))
		}
		name := deref(sub.DisplayName)
		if name == "" {
			name = id
		}
		r, err := rs.NewResource(name, resourceTypeOf(typeSubscription), id, append(opt, rs.WithResourceProfile(profile))...)
		if err != nil {
			return nil, nil, wrapErr(err, "build subscription "+id)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *subscriptionSyncer) Entitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return s.c.scopeEntitlements(ctx, res, opts)
}

func (s *subscriptionSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil // type-scoped: GrantsForResourceType
}

func (s *subscriptionSyncer) GrantsForResourceType(ctx context.Context, _ string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return s.c.subscriptionGrants(ctx, opts)
}

// parentSubscription returns the subscription id a child listing is asked for, or "".
func parentSubscription(parent *v2.ResourceId) string {
	if parent == nil || parent.GetResourceType() != typeSubscription {
		return ""
	}
	return strings.ToLower(parent.GetResource())
}

// --- resource_group ---

type resourceGroupSyncer struct{ c *Connector }

func (s *resourceGroupSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeResourceGroup)
}

func (s *resourceGroupSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	sub := parentSubscription(parent)
	if sub == "" {
		return nil, nil, nil
	}
	page, err := s.c.arm.ListResourceGroups(ctx, sub, opts.PageToken.Token)
	if err != nil {
		return nil, nil, armAccessErr(err, "list resource groups of subscription "+sub, "Reader at "+subScopeKey(sub))
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	keys := make([]string, 0, len(page.Value))
	for _, g := range page.Value {
		if g == nil || g.ID == nil {
			continue
		}
		sc := parseScope(*g.ID)
		if sc.kind != scopeResourceGroup {
			continue
		}
		keys = append(keys, sc.key)
		profile := map[string]any{"scope": sc.key, "subscription_id": sub, "name": deref(g.Name)}
		setIf(profile, "location", deref(g.Location))
		setIf(profile, "managed_by", deref(g.ManagedBy))
		r, err := rs.NewResource(deref(g.Name), resourceTypeOf(typeResourceGroup), sc.key,
			rs.WithParentResourceID(resourceID(typeSubscription, sub)), rs.WithResourceProfile(profile))
		if err != nil {
			return nil, nil, wrapErr(err, "build resource group "+sc.key)
		}
		out = append(out, r)
	}
	s.c.azure(opts.SyncID).tree.record(listResourceGroups, sub, opts.PageToken.Token, keys, page.NextLink)
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *resourceGroupSyncer) Entitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return s.c.scopeEntitlements(ctx, res, opts)
}

func (s *resourceGroupSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// GrantsForResourceType returns nothing: every grant of a resource group (direct and structural) is
// emitted by its subscription's enumeration (azure_grants.go).
func (s *resourceGroupSyncer) GrantsForResourceType(context.Context, string, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// --- storage_account ---

type storageAccountSyncer struct{ c *Connector }

func (s *storageAccountSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeStorageAccount)
}

// List reads a subscription's storage accounts (one call per page for the whole subscription, not one per
// resource group); each account's parent is its resource group.
func (s *storageAccountSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	sub := parentSubscription(parent)
	if sub == "" {
		return nil, nil, nil
	}
	page, err := s.c.arm.ListStorageAccounts(ctx, sub, opts.PageToken.Token)
	if err != nil {
		return nil, nil, armAccessErr(err, "list storage accounts of subscription "+sub, "Reader at "+subScopeKey(sub))
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	keys := make([]string, 0, len(page.Value))
	for _, a := range page.Value {
		if a == nil || a.ID == nil {
			continue
		}
		sc := parseScope(*a.ID)
		if sc.kind != scopeStorageAccount {
			continue
		}
		keys = append(keys, sc.key)
		// allowSharedKeyAccess: unset means allowed. Shared keys reach all the account's data without RBAC.
		shared, explicit := true, false
		profile := map[string]any{"scope": sc.key, "subscription_id": sub, "resource_group": sc.rg, "name": deref(a.Name)}
		if p := a.Properties; p != nil {
			if p.AllowSharedKeyAccess != nil {
				shared, explicit = *p.AllowSharedKeyAccess, true
			}
			if p.AllowBlobPublicAccess != nil {
				profile["allow_blob_public_access"] = *p.AllowBlobPublicAccess
			}
			if p.PublicNetworkAccess != nil {
				profile["public_network_access"] = string(*p.PublicNetworkAccess)
			}
		}
		profile["allow_shared_key_access"] = shared
		profile["allow_shared_key_access_explicit"] = explicit
		setIf(profile, "location", deref(a.Location))
		if a.Kind != nil {
			profile["kind"] = string(*a.Kind)
		}
		if a.SKU != nil && a.SKU.Name != nil {
			profile["sku"] = string(*a.SKU.Name)
		}
		if a.Identity != nil {
			setIf(profile, "system_identity_principal_id", strings.ToLower(deref(a.Identity.PrincipalID)))
			if a.Identity.Type != nil {
				profile["identity_type"] = string(*a.Identity.Type)
			}
		}
		opt := []rs.ResourceOption{rs.WithParentResourceID(sc.parentInSubscription().id()), rs.WithResourceProfile(profile)}
		if !s.c.s.skipContainers {
			opt = append(opt, rs.WithAnnotation(childType(typeContainer)))
		}
		desc := "Shared key access disabled"
		if shared {
			desc = "Shared key access ENABLED: account keys reach all data without Azure RBAC"
		}
		r, err := rs.NewResource(deref(a.Name), resourceTypeOf(typeStorageAccount), sc.key, append(opt, rs.WithDescription(desc))...)
		if err != nil {
			return nil, nil, wrapErr(err, "build storage account "+sc.key)
		}
		out = append(out, r)
	}
	s.c.azure(opts.SyncID).tree.record(listStorageAccounts, sub, opts.PageToken.Token, keys, page.NextLink)
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *storageAccountSyncer) Entitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return s.c.scopeEntitlements(ctx, res, opts)
}

func (s *storageAccountSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// GrantsForResourceType returns nothing: the subscription's enumeration emits them.
func (s *storageAccountSyncer) GrantsForResourceType(context.Context, string, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// --- container ---

type containerSyncer struct{ c *Connector }

func (s *containerSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeContainer)
}

func (s *containerSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent == nil || parent.GetResourceType() != typeStorageAccount {
		return nil, nil, nil
	}
	account := parseScope(parent.GetResource())
	if account.kind != scopeStorageAccount {
		return nil, nil, nil
	}
	page, err := s.c.arm.ListContainers(ctx, account.key, opts.PageToken.Token)
	if err != nil {
		return nil, nil, armAccessErr(err, "list blob containers of "+account.key, "Reader at "+account.key)
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	keys := make([]string, 0, len(page.Value))
	for _, ct := range page.Value {
		if ct == nil || ct.ID == nil {
			continue
		}
		sc := parseScope(*ct.ID)
		if sc.kind != scopeContainer {
			continue
		}
		keys = append(keys, sc.key)
		profile := map[string]any{"scope": sc.key, "storage_account": account.key, "name": deref(ct.Name)}
		if p := ct.Properties; p != nil && p.PublicAccess != nil {
			profile["public_access"] = string(*p.PublicAccess)
		}
		r, err := rs.NewResource(deref(ct.Name), resourceTypeOf(typeContainer), sc.key,
			rs.WithParentResourceID(account.id()), rs.WithResourceProfile(profile))
		if err != nil {
			return nil, nil, wrapErr(err, "build container "+sc.key)
		}
		out = append(out, r)
	}
	s.c.azure(opts.SyncID).tree.record(listContainers, account.key, opts.PageToken.Token, keys, page.NextLink)
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *containerSyncer) Entitlements(ctx context.Context, res *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return s.c.scopeEntitlements(ctx, res, opts)
}

func (s *containerSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// GrantsForResourceType returns nothing: the subscription's enumeration emits them.
func (s *containerSyncer) GrantsForResourceType(context.Context, string, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// --- role ---

// azureRoleSyncer lists Azure role definitions, built-in and custom. Each subscription and management
// group lists its catalog (read once per sync and shared with the entitlements); a role is emitted by the
// first catalog, in the hierarchy's order, that contains it, so every role is emitted once.
type azureRoleSyncer struct{ c *Connector }

func (s *azureRoleSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeAzureRole)
}

func (s *azureRoleSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	var catalog string
	switch {
	case parent == nil:
		return nil, nil, nil
	case parent.GetResourceType() == typeSubscription:
		catalog = subScopeKey(parent.GetResource())
	case parent.GetResourceType() == typeManagementGroup:
		catalog = mgScopeKey(parent.GetResource())
	default:
		return nil, nil, nil
	}
	st := s.c.azure(opts.SyncID)
	h, err := s.c.loadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	defs, err := s.c.roleCatalog(ctx, st, catalog)
	if err != nil {
		return nil, nil, err
	}
	idx, known := h.catIndex[catalog]
	var out []*v2.Resource
	for _, d := range defs {
		if known && firstCatalog(h, d, idx) != idx {
			continue // emitted by an earlier catalog
		}
		r, err := roleResource(d)
		if err != nil {
			return nil, nil, wrapErr(err, "build Azure role "+d.id)
		}
		out = append(out, r)
	}
	return out, nil, nil
}

// firstCatalog is the index of the first catalog containing d, at most upto.
func firstCatalog(h *hierarchy, d *roleDef, upto int) int {
	for i := 0; i < upto; i++ {
		if h.appearsIn(d, h.catalogs[i]) {
			return i
		}
	}
	return upto
}

func roleResource(d *roleDef) (*v2.Resource, error) {
	profile := map[string]any{
		"role_definition_id": d.id, "role_name": d.name, "role_type": d.kind, "built_in": d.kind == "BuiltInRole",
		"privileged": d.privileged(), "actions": anyList(d.actions), "not_actions": anyList(d.notActions),
		"data_actions": anyList(d.dataActions), "not_data_actions": anyList(d.notDataActions),
		"assignable_scopes": anyList(d.assignable),
	}
	var opts []rs.ResourceOption
	if d.description != "" {
		opts = append(opts, rs.WithDescription(d.description))
	}
	return rs.NewRoleResource(d.name, resourceTypeOf(typeAzureRole), d.id, []rs.RoleTraitOption{rs.WithRoleProfile(profile)}, opts...)
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (s *azureRoleSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

func (s *azureRoleSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// --- deleted_principal ---

// deletedPrincipalSyncer reports the principals of role assignments that no longer exist in the directory
// (the portal's "Identity not found"): each subscription and management group lists those of its own
// assignments, from the assignment read its grants reuse.
type deletedPrincipalSyncer struct{ c *Connector }

func (s *deletedPrincipalSyncer) ResourceType(context.Context) *v2.ResourceType {
	return resourceTypeOf(typeDeletedPrincipal)
}

func (s *deletedPrincipalSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	var scope armScope
	switch {
	case parent == nil:
		return nil, nil, nil
	case parent.GetResourceType() == typeSubscription:
		scope = parseScope(subScopeKey(parent.GetResource()))
	case parent.GetResourceType() == typeManagementGroup:
		scope = parseScope(mgScopeKey(parent.GetResource()))
	default:
		return nil, nil, nil
	}
	st := s.c.azure(opts.SyncID)
	h, err := s.c.loadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	ix, err := s.c.assignments(ctx, st, scope)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var out []*v2.Resource
	for _, a := range ix.items {
		if seen[a.principal] || !ownedBy(h, scope, a.scope) || !s.c.modelled(grantTarget(a, scope)) {
			continue
		}
		if kind, _ := st.principals.get(a.principal); kind != principalGhost {
			continue
		}
		seen[a.principal] = true
		name := "Deleted principal " + a.principal
		if a.principalName != "" {
			name = a.principalName + " (deleted)"
		}
		profile := map[string]any{"principal_id": a.principal, "principal_type": a.principalType, "identity_not_found": true}
		r, err := rs.NewResource(name, resourceTypeOf(typeDeletedPrincipal), a.principal, rs.WithResourceProfile(profile),
			rs.WithDescription("The principal of an Azure role assignment no longer exists in the directory (Identity not found)"))
		if err != nil {
			return nil, nil, wrapErr(err, "build deleted principal "+a.principal)
		}
		out = append(out, r)
	}
	return out, nil, nil
}

func (s *deletedPrincipalSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

func (s *deletedPrincipalSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}
