package connector

import (
	"context"
	"fmt"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/arm"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// rbacRequest is a validated Grant or Revoke of an Azure RBAC entitlement: nothing has been sent yet.
type rbacRequest struct {
	ent           RBACEntitlement
	target        armScope // the entitlement's scope
	armScope      string   // the scope as written to ARM (canonical casing of the fixed segments)
	principalType string   // baton resource type of the principal
	principalID   string   // object id, lower case
	roleName      string   // from the entitlement's display name, when baton passed it
}

// role names the request's role for messages: "Owner (8e3af657-…)", or the GUID alone.
func (r *rbacRequest) role() string {
	if r.roleName == "" {
		return r.ent.RoleID
	}
	return fmt.Sprintf("%q (%s)", r.roleName, r.ent.RoleID)
}

// rbacRoleNameOf reads the role's name from an RBAC entitlement's display name ("<role> active").
func rbacRoleNameOf(e *v2.Entitlement, state string) string {
	n, ok := strings.CutSuffix(e.GetDisplayName(), " "+state)
	if !ok {
		return ""
	}
	return n
}

// rbacGrantIDForm is the expected form of an Azure RBAC grant id, named in errors.
const rbacGrantIDForm = "<entitlement id>:<principal type>:<principal object id>, with the entitlement id " + rbacEntitlementForm

// rbacPrincipalArmTypes maps the principal resource types that can hold Azure roles to ARM's principalType.
var rbacPrincipalArmTypes = map[string]string{
	typeUser: arm.PrincipalUser, typeGroup: arm.PrincipalGroup,
	typeEnterpriseApp: arm.PrincipalServicePrincipal, typeManagedIdentity: arm.PrincipalServicePrincipal,
}

// parseRBACTarget parses an entitlement id (checked against the resource it names, when given).
func (c *Connector) parseRBACTarget(entID string, res *v2.ResourceId) (RBACEntitlement, armScope, error) {
	e, err := ParseRBACEntitlementID(entID)
	if err != nil {
		return RBACEntitlement{}, armScope{}, status.Errorf(codes.InvalidArgument, "%s: %v", errPrefix, err)
	}
	if res != nil && res.GetResourceType() != "" && (res.GetResourceType() != e.ResourceType || res.GetResource() != e.ScopeID) {
		return RBACEntitlement{}, armScope{}, status.Errorf(codes.InvalidArgument, "%s: entitlement %q belongs to %s %q, but names %s %q; expected %s",
			errPrefix, truncateID(entID), res.GetResourceType(), truncateID(res.GetResource()), e.ResourceType, truncateID(e.ScopeID), rbacEntitlementForm)
	}
	if e.State == RBACEligible && c.s.skipP2 {
		return RBACEntitlement{}, armScope{}, status.Errorf(codes.FailedPrecondition, "%s: eligible (PIM) Azure role assignments are turned off by "+
			"skip-entra-id-p2-license-features; unset it (the tenant needs Microsoft Entra ID P2) to provision %q", errPrefix, truncateID(entID))
	}
	target := scopeOfResource(resourceID(e.ResourceType, e.ScopeID))
	if target.resourceType() != e.ResourceType {
		return RBACEntitlement{}, armScope{}, status.Errorf(codes.InvalidArgument, "%s: %q does not name an Azure scope; expected %s",
			errPrefix, truncateID(entID), rbacEntitlementForm)
	}
	return e, target, nil
}

// checkRBACPrincipalID checks the principal of a grant or revoke is a type that holds Azure roles and an
// object id; deletedOK admits deleted principals (whose assignments can be revoked, not granted).
func checkRBACPrincipalID(p *v2.ResourceId, deletedOK bool) (string, string, error) {
	typ, id := p.GetResourceType(), p.GetResource()
	if _, ok := rbacPrincipalArmTypes[typ]; !ok {
		switch {
		case typ == typeDeletedPrincipal && deletedOK:
		case typ == typeDeletedPrincipal:
			return "", "", status.Errorf(codes.FailedPrecondition, "%s: %s is a deleted principal (no longer in the directory): Azure roles cannot be "+
				"granted to it", errPrefix, truncateID(id))
		case isScopeType(typ):
			return "", "", status.Errorf(codes.InvalidArgument, "%s: a %s cannot hold an Azure role: its grants only record inheritance from the scope "+
				"above. Azure roles are granted to users, groups, enterprise applications (service principals) and managed identities", errPrefix, typ)
		default:
			return "", "", status.Errorf(codes.InvalidArgument, "%s: principal type %q cannot hold an Azure role; Azure roles are granted to users, "+
				"groups, enterprise applications (service principals) and managed identities", errPrefix, typ)
		}
	}
	if !isGUID(id) {
		return "", "", status.Errorf(codes.InvalidArgument, "%s: principal id %q is not an object id (a GUID)", errPrefix, truncateID(id))
	}
	return typ, strings.ToLower(id), nil
}

// rbacGrantRequest validates a Grant.
func (c *Connector) rbacGrantRequest(ent *v2.Entitlement, principal *v2.ResourceId) (*rbacRequest, error) {
	e, target, err := c.parseRBACTarget(ent.GetId(), ent.GetResource().GetId())
	if err != nil {
		return nil, err
	}
	typ, id, err := checkRBACPrincipalID(principal, false)
	if err != nil {
		return nil, err
	}
	return &rbacRequest{ent: e, target: target, armScope: canonicalScope(target), principalType: typ, principalID: id,
		roleName: rbacRoleNameOf(ent, e.State)}, nil
}

// rbacRevokeRequest validates a Revoke: the grant id must be the one baton builds for the entitlement and
// principal, and structural inheritance grants (to a scope) are refused naming where the role is held.
func (c *Connector) rbacRevokeRequest(g *v2.Grant) (*rbacRequest, error) {
	e, target, err := c.parseRBACTarget(g.GetEntitlement().GetId(), g.GetEntitlement().GetResource().GetId())
	if err != nil {
		return nil, err
	}
	p := g.GetPrincipal().GetId()
	want := g.GetEntitlement().GetId() + ":" + p.GetResourceType() + ":" + p.GetResource()
	if g.GetId() != want {
		return nil, status.Errorf(codes.InvalidArgument, "%s: grant id %q does not match its entitlement and principal (%q); expected %s",
			errPrefix, truncateID(g.GetId()), truncateID(want), rbacGrantIDForm)
	}
	if isScopeType(p.GetResourceType()) {
		from := parseScope(rbacInheritedFrom(g))
		if from.kind == scopeUnknown || from.kind == scopeRoot {
			from = scopeOfResource(p)
		}
		role := e.RoleID
		if n := rbacRoleNameOf(g.GetEntitlement(), e.State); n != "" {
			role = fmt.Sprintf("%q (%s)", n, e.RoleID)
		}
		return nil, status.Errorf(codes.FailedPrecondition, "%s: grant %q only records that Azure role %s (%s) is inherited at %s from %s above it; "+
			"it is not an assignment. Revoke the assignments of role %s at %s or above it (the grants of %s, and of the same role on the scopes above)",
			errPrefix, truncateID(g.GetId()), role, e.State, target.key, from.key, e.RoleID, from.key,
			FormatRBACEntitlementID(RBACEntitlement{ResourceType: from.resourceType(), ScopeID: from.resourceID(), RoleID: e.RoleID, State: e.State}))
	}
	typ, id, err := checkRBACPrincipalID(p, true)
	if err != nil {
		return nil, err
	}
	return &rbacRequest{ent: e, target: target, armScope: canonicalScope(target), principalType: typ, principalID: id,
		roleName: rbacRoleNameOf(g.GetEntitlement(), e.State)}, nil
}

// rbacInheritedFrom reads the inherited_from metadata of a structural grant ("" without).
func rbacInheritedFrom(g *v2.Grant) string {
	md := &v2.GrantMetadata{}
	annos := annotations.Annotations(g.GetAnnotations())
	if ok, err := annos.Pick(md); err != nil || !ok {
		return ""
	}
	v, _ := md.GetMetadata().AsMap()["inherited_from"].(string)
	return v
}

// canonicalScope writes a modelled scope with ARM's casing of the fixed segments (names stay as synced,
// lower case; ARM ids are case-insensitive).
func canonicalScope(s armScope) string {
	switch s.kind {
	case scopeMG:
		return "/providers/Microsoft.Management/managementGroups/" + s.mg
	case scopeSubscription:
		return "/subscriptions/" + s.sub
	case scopeResourceGroup:
		return "/subscriptions/" + s.sub + "/resourceGroups/" + s.rg
	case scopeStorageAccount, scopeContainer:
		segs := strings.Split(strings.TrimPrefix(s.key, "/"), "/")
		out := "/subscriptions/" + s.sub + "/resourceGroups/" + s.rg + "/providers/Microsoft.Storage/storageAccounts/" + segs[7]
		if s.kind == scopeContainer {
			out += "/blobServices/default/containers/" + segs[11]
		}
		return out
	}
	return s.key
}

// roleDefinitionID is the role definition's id as ARM expects it at the request's scope: tenant-level
// for management groups, under the subscription otherwise (where custom roles assignable below live).
func (r *rbacRequest) roleDefinitionID() string {
	if r.target.kind == scopeMG {
		return arm.RoleDefinitionID("/", r.ent.RoleID)
	}
	return arm.RoleDefinitionID("/subscriptions/"+r.target.sub, r.ent.RoleID)
}

// checkRBACPrincipal looks the principal up in the directory (one getByIds) before a grant: it must exist
// and be of the type the request names, since the grant's id carries that type. It returns ARM's
// principalType for it.
func (c *Connector) checkRBACPrincipal(ctx context.Context, req *rbacRequest) (string, error) {
	objs, err := c.graph.GetByIDs(ctx, []string{req.principalID})
	if err != nil {
		return "", wrapErr(err, "look up principal "+req.principalID+" (getByIds needs Directory.Read.All)")
	}
	var obj *graph.DirectoryObject
	for i := range objs {
		if strings.EqualFold(objs[i].ID, req.principalID) {
			obj = &objs[i]
		}
	}
	if obj == nil {
		return "", status.Errorf(codes.FailedPrecondition, "%s: principal %s does not exist in the directory (deleted?); Azure roles can only be "+
			"granted to existing users, groups, service principals and managed identities", errPrefix, req.principalID)
	}
	rid, ok := c.principalOf(*obj)
	if !ok {
		if obj.ODataType == graph.TypeGroup {
			return "", status.Errorf(codes.FailedPrecondition, "%s: group %s is synced from on-premises Active Directory and skip-ad-groups is set, "+
				"so baton-azure does not sync it or its grants; unset skip-ad-groups to provision it", errPrefix, req.principalID)
		}
		return "", status.Errorf(codes.FailedPrecondition, "%s: %s is a %s, which cannot be granted Azure roles through baton-azure",
			errPrefix, req.principalID, strings.TrimPrefix(obj.ODataType, "#microsoft.graph."))
	}
	if rid.GetResourceType() != req.principalType {
		return "", status.Errorf(codes.InvalidArgument, "%s: principal %s is a %s in the directory, not a %s; grant to %s:%s",
			errPrefix, req.principalID, rid.GetResourceType(), req.principalType, rid.GetResourceType(), req.principalID)
	}
	return rbacPrincipalArmTypes[req.principalType], nil
}

// rbacFound is what ARM lists for a request's principal, role and state at the request's scope and above.
type rbacFound struct {
	exact     *rbacAssignment   // the principal's own assignment exactly at the scope
	inherited []*rbacAssignment // the principal's own assignments above the scope
	viaGroups []*rbacAssignment // assignments to groups the principal is a member of (users, service principals)
}

// source is the assignment a derived grant comes from: the principal's own above, else a group's.
func (f *rbacFound) source() *rbacAssignment {
	if len(f.inherited) > 0 {
		return f.inherited[0]
	}
	if len(f.viaGroups) > 0 {
		return f.viaGroups[0]
	}
	return nil
}

// findRBACAssignments lists (reads only) the assignments of the request's role and state at its scope and
// above that apply to the principal: its own (principalId eq) and, for users and service principals,
// those of its groups (assignedTo, which ARM resolves through nested groups).
func (c *Connector) findRBACAssignments(ctx context.Context, req *rbacRequest) (*rbacFound, error) {
	filter := "atScope() and principalId eq '" + req.principalID + "'"
	if req.principalType != typeGroup && req.principalType != typeDeletedPrincipal {
		filter = "atScope() and assignedTo('" + req.principalID + "')"
	}
	var items []*rbacAssignment
	if req.ent.State == RBACActive {
		for next := ""; ; {
			page, err := c.arm.ListRoleAssignments(ctx, req.armScope, filter, next)
			if err != nil {
				return nil, armAccessErr(err, "list role assignments at "+req.armScope, readerAt(req.target))
			}
			for _, ra := range page.Value {
				items = append(items, assignmentOf(ra))
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
	} else {
		for next := ""; ; {
			page, err := c.arm.ListRoleEligibilityScheduleInstances(ctx, req.armScope, filter, next)
			if err != nil {
				if isPremiumError(err) {
					return nil, premiumError("eligible (PIM) Azure role assignments", err)
				}
				return nil, armAccessErr(err, "list eligible (PIM) role assignments at "+req.armScope, readerAt(req.target))
			}
			for _, in := range page.Value {
				items = append(items, eligibilityOf(in))
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
	}
	f := &rbacFound{}
	var root *bool
	for _, a := range items {
		if a == nil || a.role != req.ent.RoleID {
			continue
		}
		at := a.scope.key == req.target.key
		if a.scope.kind == scopeRoot && req.target.kind == scopeMG {
			// The sync reports assignments at "/" on the tenant root group's entitlement.
			if root == nil {
				isRoot, err := c.isRootManagementGroup(ctx, req.target.mg)
				if err != nil {
					return nil, err
				}
				root = &isRoot
			}
			at = *root
		}
		switch {
		case a.principal != req.principalID:
			f.viaGroups = append(f.viaGroups, a)
		case at:
			if f.exact == nil {
				f.exact = a
			}
		default:
			f.inherited = append(f.inherited, a)
		}
	}
	return f, nil
}

// isRootManagementGroup reports whether a management group is the tenant root group (one hierarchy read).
func (c *Connector) isRootManagementGroup(ctx context.Context, name string) (bool, error) {
	h, err := c.loadHierarchy(ctx, &azureState{})
	if err != nil {
		return false, err
	}
	return h.isRoot(name), nil
}
