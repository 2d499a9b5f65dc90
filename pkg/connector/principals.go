package connector

import (
	"context"
	"strings"
	"sync"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// principalTypes remembers the resource type of principals that Graph's references do not fully
// describe: service principals (enterprise application or managed identity) and, with skip-ad-groups,
// whether a group is synced (notSynced). It is filled while listing and, on a miss, by bulk getByIds.
type principalTypes struct {
	mu    sync.RWMutex
	types map[string]string
}

func newPrincipalTypes() *principalTypes { return &principalTypes{types: map[string]string{}} }

func spResourceType(servicePrincipalType string) string {
	if strings.EqualFold(servicePrincipalType, "ManagedIdentity") {
		return typeManagedIdentity
	}
	return typeEnterpriseApp
}

// notSynced marks a principal whose resource is deliberately not synced.
const notSynced = "-"

func (p *principalTypes) remember(id, servicePrincipalType string) {
	p.set(id, spResourceType(servicePrincipalType))
}

func (p *principalTypes) set(id, typ string) {
	p.mu.Lock()
	p.types[strings.ToLower(id)] = typ
	p.mu.Unlock()
}

func (p *principalTypes) lookup(id string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	t, ok := p.types[strings.ToLower(id)]
	return t, ok
}

// resolvePrincipals learns the types of the given principal ids not yet known.
func (c *Connector) resolvePrincipals(ctx context.Context, ids []string) error {
	var missing []string
	for _, id := range ids {
		if _, ok := c.spTypes.lookup(id); !ok {
			missing = append(missing, id)
		}
	}
	for len(missing) > 0 {
		n := min(len(missing), 1000)
		objs, err := c.graph.GetByIDs(ctx, missing[:n])
		if err != nil {
			return wrapErr(err, "resolve principal types")
		}
		for _, o := range objs {
			if p, ok := c.principalOf(o); ok {
				c.spTypes.set(o.ID, p.GetResourceType())
			} else {
				c.spTypes.set(o.ID, notSynced)
			}
		}
		missing = missing[n:]
	}
	return nil
}

// principalOf maps a directory object to the id of the resource that represents it. ok is false for
// object kinds baton-azure does not model (devices, organisational contacts), which the caller reports,
// and for AD-synced groups when skip-ad-groups is set.
func (c *Connector) principalOf(o graph.DirectoryObject) (*v2.ResourceId, bool) {
	switch o.ODataType {
	case graph.TypeUser:
		return resourceID(typeUser, o.ID), true
	case graph.TypeGroup:
		if c.s.skipADGroups && o.OnPremisesSyncEnabled != nil && *o.OnPremisesSyncEnabled {
			return nil, false // skip-ad-groups: the group is not synced, so neither are grants to it
		}
		return resourceID(typeGroup, o.ID), true
	case graph.TypeServicePrincipal:
		if o.ServicePrincipalType != "" {
			return resourceID(spResourceType(o.ServicePrincipalType), o.ID), true
		}
		if t, ok := c.spTypes.lookup(o.ID); ok {
			return resourceID(t, o.ID), true
		}
		return resourceID(typeEnterpriseApp, o.ID), true
	}
	return nil, false
}

// principalOfType maps an appRoleAssignment principalType (User, Group, ServicePrincipal).
func (c *Connector) principalOfType(principalType, id string) (*v2.ResourceId, bool) {
	switch principalType {
	case "User":
		return resourceID(typeUser, id), true
	case "Group":
		if t, _ := c.spTypes.lookup(id); t == notSynced {
			return nil, false
		}
		return resourceID(typeGroup, id), true
	case "ServicePrincipal":
		t, _ := c.spTypes.lookup(id)
		switch t {
		case notSynced:
			return nil, false
		case "":
			t = typeEnterpriseApp
		}
		return resourceID(t, id), true
	}
	return nil, false
}

func resourceID(typ, id string) *v2.ResourceId {
	return v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build()
}

// newGrant builds a grant of slug on res to principal. Grants to groups are expandable, so the group's
// members (users and service principals, through any depth of nesting) get derived grants; grants to
// users carry an external match when identities come from another connector's c1z.
func (c *Connector) newGrant(res *v2.Resource, slug string, principal *v2.ResourceId, metadata map[string]any) *v2.Grant {
	return c.buildGrant(res, slug, principal, metadata, true)
}

// newDirectGrant builds a grant that does not pass to a group's members (administrative unit membership
// of a group covers the group object, not its members).
func (c *Connector) newDirectGrant(res *v2.Resource, slug string, principal *v2.ResourceId) *v2.Grant {
	return c.buildGrant(res, slug, principal, nil, false)
}

func (c *Connector) buildGrant(res *v2.Resource, slug string, principal *v2.ResourceId, metadata map[string]any, expandable bool) *v2.Grant {
	var opts []grant.GrantOption
	switch principal.GetResourceType() {
	case typeGroup:
		if !expandable {
			break
		}
		opts = append(opts, grant.WithAnnotation(v2.GrantExpandable_builder{
			EntitlementIds:  []string{entitlement.NewEntitlementID(groupStub(principal.GetResource()), entMember)},
			ResourceTypeIds: []string{typeUser, typeEnterpriseApp, typeManagedIdentity},
		}.Build()))
	case typeUser:
		if c.s.external {
			opts = append(opts, grant.WithAnnotation(v2.ExternalResourceMatchID_builder{Id: principal.GetResource()}.Build()))
		}
	}
	if len(metadata) > 0 {
		opts = append(opts, grant.WithGrantMetadata(metadata))
	}
	return grant.NewGrant(res, slug, principal, opts...)
}

func groupStub(id string) *v2.Resource {
	return v2.Resource_builder{Id: resourceID(typeGroup, id)}.Build()
}

// skipUnmodelled logs directory objects that are not principals baton-azure models (devices, contacts).
func skipUnmodelled(ctx context.Context, where string, o graph.DirectoryObject) {
	ctxzap.Extract(ctx).Info("baton-azure: skipping a principal that is not synced (a device or contact, or an AD-synced group with skip-ad-groups)",
		zap.String("where", where), zap.String("object_id", o.ID), zap.String("odata_type", o.ODataType))
}
