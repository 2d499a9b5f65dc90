package connector

import (
	"context"
	"encoding/json"
	"sort"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Azure RBAC grants are enumerated per type (TypeScopedGrants). The first call on `subscription` lists the
// subscriptions and enqueues one cursor per subscription (EnqueuePageTokens, at most 1024 per response);
// each cursor reads the subscription's role assignments once (active, then eligible) and emits
//
//  1. a grant per assignment at the subscription, its resource groups, storage accounts and containers, on
//     the entitlement of the assignment's scope, to its principal (groups expandable, deleted principals as
//     deleted_principal);
//  2. unless rbac-inheritance is off, structural inheritance grants: for each scope C in the
//     subscription (itself included) and each role R assigned (in that state) at some scope strictly above
//     C, a grant of C's "R <state>" to the scope directly above C. Edges exist only where an ancestor holds
//     the role, so their number is (scopes) × (roles assigned above them), not (scopes) × (all roles).
//     With rbac-inheritance=effective (the default) the grant is expandable from that scope's
//     "R <state>": baton's expansion then gives every holder above C a derived grant on C, whose sources
//     name the scope it comes through — complete effective access, at the price of (scopes below) ×
//     (holders above) grants (medium: 3.3 M instead of 0.3 M). With structural it is not expandable: the
//     file records where each inherited role comes from, and a reviewer follows inherited_from upwards.
//
// `management_group` does the same per management group, with the assignments exactly at the group
// (atScope(); for the tenant root group also those at "/") and the edge from its parent group. The other
// scope types are type-scoped too and return nothing: their grants come from these enumerations.

// grantsPerPage bounds the grants of one response (well under gRPC's 4 MB message limit).
const grantsPerPage = 1000

// grantPage is the page size of RBAC grant cursors (tests lower it).
func (c *Connector) grantPage() int {
	if c.pageSize > 0 {
		return c.pageSize
	}
	return grantsPerPage
}

// maxEnqueue is baton's limit of page tokens per EnqueuePageTokens annotation.
const maxEnqueue = 1024

// Grant cursor phases.
const (
	phaseAssignments = "a"
	phaseEdges       = "e"
)

// rbacCursor is the page token of a type-scoped RBAC grant enumeration: either the fan-out over scopes
// (Fan) or one scope's cursor.
type rbacCursor struct {
	Fan   *rbacFan `json:"f,omitempty"`
	Scope string   `json:"s,omitempty"` // subscription id or management group name
	Phase string   `json:"p,omitempty"`
	After string   `json:"k,omitempty"` // resume after this sort key (assignments) or scope key (edges)
}

// rbacFan is the position of the fan-out: the page of the scope listing (ARM next link, "" = first) and
// how many of its items were already enqueued.
type rbacFan struct {
	Link string `json:"l,omitempty"`
	Skip int    `json:"o,omitempty"`
}

func parseCursor(tok string) (rbacCursor, error) {
	if tok == "" {
		return rbacCursor{Fan: &rbacFan{}}, nil
	}
	var c rbacCursor
	if err := json.Unmarshal([]byte(tok), &c); err != nil || (c.Fan == nil && c.Scope == "") {
		return rbacCursor{}, errMalformedToken(tok)
	}
	return c, nil
}

func (rc rbacCursor) encode() string {
	b, _ := json.Marshal(rc)
	return string(b)
}

// enqueue builds the response of a fan-out step: cursors for scopes, and the token of the next step.
func enqueue(scopes []string, next string) *rs.SyncOpResults {
	res := &rs.SyncOpResults{NextPageToken: next}
	if len(scopes) == 0 {
		return res
	}
	tokens := make([]string, 0, len(scopes))
	for _, s := range scopes {
		tokens = append(tokens, rbacCursor{Scope: s, Phase: phaseAssignments}.encode())
	}
	res.Annotations = annotations.New(v2.EnqueuePageTokens_builder{PageTokens: tokens, EstimatedTotal: int64(len(tokens))}.Build())
	return res
}

// subscriptionGrants serves GrantsForResourceType for subscriptions.
func (c *Connector) subscriptionGrants(ctx context.Context, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	cur, err := parseCursor(opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "resume the Azure RBAC grants of subscriptions")
	}
	if cur.Fan != nil {
		page, err := c.arm.ListSubscriptions(ctx, cur.Fan.Link)
		if err != nil {
			return nil, nil, armAccessErr(err, "list subscriptions", "Reader on each subscription (or at the tenant root management group)")
		}
		var ids []string
		for _, s := range page.Value {
			if s != nil && s.SubscriptionID != nil {
				ids = append(ids, *s.SubscriptionID)
			}
		}
		return nil, fanStep(ids, cur.Fan, page.NextLink), nil
	}
	st := c.azure(opts.SyncID)
	owner := parseScope(subScopeKey(cur.Scope))
	if owner.kind != scopeSubscription {
		return nil, nil, wrapErr(errMalformedToken(opts.PageToken.Token), "resume the Azure RBAC grants of a subscription")
	}
	return c.scopeGrants(ctx, st, owner, cur)
}

// fanStep enqueues the next (at most maxEnqueue) scopes of a listing page and says where to continue.
func fanStep(ids []string, fan *rbacFan, pageNext string) *rs.SyncOpResults {
	skip := min(fan.Skip, len(ids))
	end := min(skip+maxEnqueue, len(ids))
	next := ""
	switch {
	case end < len(ids):
		next = rbacCursor{Fan: &rbacFan{Link: fan.Link, Skip: end}}.encode()
	case pageNext != "":
		next = rbacCursor{Fan: &rbacFan{Link: pageNext}}.encode()
	}
	return enqueue(ids[skip:end], next)
}

// managementGroupGrants serves GrantsForResourceType for management groups.
func (c *Connector) managementGroupGrants(ctx context.Context, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	cur, err := parseCursor(opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "resume the Azure RBAC grants of management groups")
	}
	st := c.azure(opts.SyncID)
	if cur.Fan != nil {
		h, err := c.loadHierarchy(ctx, st)
		if err != nil {
			return nil, nil, err
		}
		names := make([]string, 0, len(h.mgs))
		for _, m := range h.mgs {
			names = append(names, m.name)
		}
		return nil, fanStep(names, cur.Fan, ""), nil
	}
	owner := parseScope(mgScopeKey(cur.Scope))
	if owner.kind != scopeMG {
		return nil, nil, wrapErr(errMalformedToken(opts.PageToken.Token), "resume the Azure RBAC grants of a management group")
	}
	return c.scopeGrants(ctx, st, owner, cur)
}

// ownedBy reports whether the enumeration of owner (a subscription or management group) emits the grants
// of assignments at scope s.
func ownedBy(h *hierarchy, owner, s armScope) bool {
	switch owner.kind {
	case scopeSubscription:
		return s.within(owner.sub)
	case scopeMG:
		return (s.kind == scopeMG && s.mg == owner.mg) || (s.kind == scopeRoot && h.isRoot(owner.mg))
	}
	return false
}

// scopeGrants emits one page of a subscription's or management group's cursor.
func (c *Connector) scopeGrants(ctx context.Context, st *azureState, owner armScope, cur rbacCursor) ([]*v2.Grant, *rs.SyncOpResults, error) {
	h, err := c.loadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	ix, err := c.assignments(ctx, st, owner)
	if err != nil {
		return nil, nil, err
	}
	var grants []*v2.Grant
	next := rbacCursor{Scope: cur.Scope}
	switch cur.Phase {
	case phaseAssignments:
		i := sort.Search(len(ix.items), func(i int) bool { return ix.items[i].sortKey() > cur.After })
		for ; i < len(ix.items) && len(grants) < c.grantPage(); i++ {
			a := ix.items[i]
			if !ownedBy(h, owner, a.scope) {
				continue
			}
			if g := c.assignmentGrant(ctx, st, owner, a); g != nil {
				grants = append(grants, g)
			}
		}
		switch {
		case i < len(ix.items):
			next.Phase, next.After = phaseAssignments, ix.items[i-1].sortKey()
		case c.s.inheritance != inheritOff:
			next.Phase = phaseEdges
		default:
			return grants, &rs.SyncOpResults{}, nil
		}
	case phaseEdges:
		scopes := []armScope{owner}
		if owner.kind == scopeSubscription {
			below, err := c.subscriptionScopes(ctx, st, owner.sub)
			if err != nil {
				return nil, nil, err
			}
			scopes = append(scopes, below...)
		}
		i := sort.Search(len(scopes), func(i int) bool { return scopes[i].key > cur.After })
		for ; i < len(scopes) && len(grants) < c.grantPage(); i++ {
			grants = append(grants, c.inheritanceGrants(ctx, st, h, ix, scopes[i])...)
		}
		if i >= len(scopes) {
			return grants, &rs.SyncOpResults{}, nil
		}
		next.Phase, next.After = phaseEdges, scopes[i-1].key
	default:
		return nil, nil, wrapErr(errMalformedToken(cur.encode()), "resume Azure RBAC grants")
	}
	return grants, &rs.SyncOpResults{NextPageToken: next.encode()}, nil
}

// assignmentGrant is the grant of one role assignment, or nil when its scope or principal is not synced.
func (c *Connector) assignmentGrant(ctx context.Context, st *azureState, owner armScope, a *rbacAssignment) *v2.Grant {
	target := grantTarget(a, owner)
	if !c.modelled(target) {
		if target.kind != scopeContainer { // containers are left out by configuration
			st.warnOnce(ctx, "scope|"+target.key, "baton-azure: Azure role assignment at a scope baton-azure does not model; not synced",
				zap.String("scope", a.rawScope), zap.String("assignment_id", a.id))
		}
		return nil
	}
	ptype, ok := c.principalOfAssignment(ctx, st, a)
	if !ok {
		return nil
	}
	md := map[string]any{"assignment_id": a.id, "scope": a.rawScope, "role_definition_id": a.role, "state": a.state(),
		"principal_type": a.principalType}
	setIf(md, "condition", a.condition)
	setIf(md, "condition_version", a.conditionVersion)
	setIf(md, "description", a.description)
	if a.eligible {
		for k, v := range scheduleMetadata(a.start, a.end) {
			md[k] = v
		}
	}
	if ptype == typeDeletedPrincipal {
		md["principal_not_found"] = true
	}
	return c.newGrant(target.stub(), rbacSlug(a.role, a.state()), resourceID(ptype, a.principal), md)
}

// grantTarget is the scope whose entitlement an assignment is granted on: its own, except that "/" is
// reported on the tenant root group (the owner of such assignments), the highest scope baton-azure models.
func grantTarget(a *rbacAssignment, owner armScope) armScope {
	if a.scope.kind == scopeRoot {
		return owner
	}
	return a.scope
}

// inheritablePrincipalTypes receive derived (inherited) grants; the scope resources that hold structural
// grants do not.
var inheritablePrincipalTypes = []string{typeUser, typeGroup, typeEnterpriseApp, typeManagedIdentity, typeDeletedPrincipal}

// parentScope is the modelled scope directly above s (false for the tenant root group, and for scopes
// whose parent is not visible).
func parentScope(h *hierarchy, s armScope) (armScope, bool) {
	switch s.kind {
	case scopeMG:
		n := h.byName[s.mg]
		if n == nil || n.parent == "" {
			return armScope{}, false
		}
		return parseScope(mgScopeKey(n.parent)), true
	case scopeSubscription:
		mg := h.subParent[s.sub]
		if mg == "" || h.byName[mg] == nil {
			return armScope{}, false
		}
		return parseScope(mgScopeKey(mg)), true
	case scopeResourceGroup, scopeStorageAccount, scopeContainer:
		return s.parentInSubscription(), true
	}
	return armScope{}, false
}

// inheritanceGrants are the structural grants of one scope: for every role assigned strictly above it, a
// grant of the scope's entitlement to its parent scope, expandable from the parent's entitlement.
func (c *Connector) inheritanceGrants(ctx context.Context, st *azureState, h *hierarchy, ix *scopeIndex, s armScope) []*v2.Grant {
	above := ix.inherited(s)
	if len(above) == 0 {
		return nil
	}
	parent, ok := parentScope(h, s)
	if !ok {
		st.warnOnce(ctx, "parent|"+s.key, "baton-azure: the scope above is not visible to the app; roles inherited from above are not made explicit here",
			zap.String("scope", s.key))
		return nil
	}
	roles := make([]string, 0, len(above))
	for r := range above {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	var out []*v2.Grant
	for _, r := range roles {
		bits := above[r]
		if bits&bitActive != 0 {
			out = append(out, inheritanceGrant(s, parent, r, RBACActive, c.s.inheritance == inheritEffective))
		}
		if bits&bitEligible != 0 && !c.s.skipP2 {
			out = append(out, inheritanceGrant(s, parent, r, RBACEligible, c.s.inheritance == inheritEffective))
		}
	}
	return out
}

func inheritanceGrant(child, parent armScope, role, state string, expandable bool) *v2.Grant {
	opts := []grant.GrantOption{grant.WithAnnotation(&v2.GrantImmutable{}),
		grant.WithGrantMetadata(map[string]any{"inherited_from": parent.key, "structural": true})}
	if expandable {
		src := FormatRBACEntitlementID(RBACEntitlement{ResourceType: parent.resourceType(), ScopeID: parent.resourceID(), RoleID: role, State: state})
		opts = append(opts, grant.WithAnnotation(v2.GrantExpandable_builder{EntitlementIds: []string{src}, ResourceTypeIds: inheritablePrincipalTypes}.Build()))
	}
	return grant.NewGrant(child.stub(), rbacSlug(role, state), parent.id(), opts...)
}

// errMalformedToken reports a page token the connector did not make (InvalidArgument: retrying cannot help).
func errMalformedToken(tok string) error {
	if len(tok) > 80 {
		tok = tok[:80] + "…"
	}
	return status.Errorf(codes.InvalidArgument, "%s: malformed page token %q", errPrefix, tok)
}
