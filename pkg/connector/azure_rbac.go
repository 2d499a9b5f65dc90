package connector

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"go.uber.org/zap"
)

// --- role definitions ---

// roleDef is an Azure role definition, flattened.
type roleDef struct {
	id, name, kind, description                      string // id: GUID, lower case; kind: BuiltInRole or CustomRole
	assignable                                       []string
	scopes                                           []armScope // assignable, parsed
	actions, notActions, dataActions, notDataActions []string
}

// privileged reports whether a role can change who has access (write role assignments) or reaches data:
// any data action, full control ("*", which includes reading keys and secrets), or reading storage
// account keys (shared-key access to all of the account's data).
func (r *roleDef) privileged() bool {
	if len(r.dataActions) > 0 {
		return true
	}
	for _, a := range r.actions {
		if a == "*" {
			return true
		}
	}
	for _, action := range []string{"Microsoft.Authorization/roleAssignments/write", "Microsoft.Storage/storageAccounts/listKeys/action"} {
		if matchAny(r.actions, action) && !matchAny(r.notActions, action) {
			return true
		}
	}
	return false
}

// matchAny reports whether an action matches one of ARM's permission patterns (* matches any run of
// characters; case-insensitive).
func matchAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if globMatch(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// covers reports whether an assignable scope pa makes a role assignable at scope s.
func (h *hierarchy) covers(pa armScope, s armScope) bool {
	switch pa.kind {
	case scopeRoot:
		return true
	case scopeMG:
		for _, m := range h.mgAncestry(s) {
			if m == pa.mg {
				return true
			}
		}
		return false
	}
	return s.key == pa.key || strings.HasPrefix(s.key, pa.key+"/")
}

// assignableAt reports whether a role can be assigned at s.
func (h *hierarchy) assignableAt(r *roleDef, s armScope) bool {
	for _, a := range r.scopes {
		if h.covers(a, s) {
			return true
		}
	}
	return false
}

// appearsIn reports whether ARM lists a role in the catalog of a scope: assignable there, or (for
// subscriptions, listed with atScopeAndBelow()) somewhere inside it.
func (h *hierarchy) appearsIn(r *roleDef, catalog string) bool {
	cs := parseScope(catalog)
	for _, a := range r.scopes {
		if h.covers(a, cs) || (cs.kind == scopeSubscription && a.within(cs.sub)) {
			return true
		}
	}
	return false
}

// catalogOf is the scope whose role definitions apply to s: its management group, or its subscription.
func catalogOf(s armScope) string {
	if s.kind == scopeMG {
		return mgScopeKey(s.mg)
	}
	return subScopeKey(s.sub)
}

// roleCatalog returns the role definitions listed at a management group (assignable there) or a
// subscription (assignable there or below: atScopeAndBelow()), read once per sync.
func (c *Connector) roleCatalog(ctx context.Context, st *azureState, catalog string) ([]*roleDef, error) {
	return st.catalogs.get(ctx, catalog, func(ctx context.Context) ([]*roleDef, error) {
		cs := parseScope(catalog)
		var out []*roleDef
		for next := ""; ; {
			page, err := c.arm.ListRoleDefinitions(ctx, catalog, cs.kind == scopeSubscription, next)
			if err != nil {
				return nil, armAccessErr(err, "list role definitions at "+catalog, readerAt(cs))
			}
			for _, d := range page.Value {
				if r := roleDefOf(d); r != nil {
					out = append(out, r)
				}
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
		return out, nil
	})
}

func roleDefOf(d *armauthorization.RoleDefinition) *roleDef {
	if d == nil || d.Name == nil || d.Properties == nil {
		return nil
	}
	p := d.Properties
	r := &roleDef{id: strings.ToLower(*d.Name), name: deref(p.RoleName), kind: deref(p.RoleType), description: deref(p.Description)}
	if r.name == "" {
		r.name = r.id
	}
	for _, a := range p.AssignableScopes {
		if a != nil {
			r.assignable = append(r.assignable, *a)
			r.scopes = append(r.scopes, parseScope(*a))
		}
	}
	for _, perm := range p.Permissions {
		if perm == nil {
			continue
		}
		r.actions = appendStrs(r.actions, perm.Actions)
		r.notActions = appendStrs(r.notActions, perm.NotActions)
		r.dataActions = appendStrs(r.dataActions, perm.DataActions)
		r.notDataActions = appendStrs(r.notDataActions, perm.NotDataActions)
	}
	return r
}

// readerAt names the role that lets the app read a scope.
func readerAt(s armScope) string {
	if s.kind == scopeMG {
		return "Management Group Reader (or Reader) at " + s.key
	}
	return "Reader at " + s.key
}

// --- role assignments ---

// rbacAssignment is an active role assignment or an eligible (PIM) schedule instance, flattened.
type rbacAssignment struct {
	id               string // assignment or instance resource id
	scope            armScope
	rawScope         string
	role             string // GUID, lower case
	principal        string // object id, lower case
	principalType    string // User, Group, ServicePrincipal, ForeignGroup, Device
	principalName    string // from PIM's expandedProperties, when known
	eligible         bool
	condition        string
	conditionVersion string
	description      string
	start, end       *time.Time
}

// state is the assignment's RBAC state.
func (a *rbacAssignment) state() string {
	if a.eligible {
		return RBACEligible
	}
	return RBACActive
}

// State bits of a role at a scope.
const (
	bitActive uint8 = 1 << iota
	bitEligible
)

func stateBit(eligible bool) uint8 {
	if eligible {
		return bitEligible
	}
	return bitActive
}

// scopeIndex is every role assignment ARM lists for one subscription (at, above and below it) or one
// management group (at and above it, atScope()), active and eligible, sorted, with the roles assigned at
// each scope.
type scopeIndex struct {
	owner armScope
	items []*rbacAssignment
	// at maps a scope key to the roles assigned there and their state bits. For the tenant root group,
	// assignments at "/" count as at the group.
	at map[string]map[string]uint8
	// above holds the roles assigned strictly above the owner (management groups, "/").
	above map[string]uint8
}

// inherited returns the roles assigned strictly above s, for s at or below the index's owner.
func (ix *scopeIndex) inherited(s armScope) map[string]uint8 {
	if s.key == ix.owner.key || ix.owner.kind != scopeSubscription {
		return ix.above
	}
	parent := s.parentInSubscription()
	if parent.kind == scopeUnknown {
		return ix.above
	}
	out := map[string]uint8{}
	merge(out, ix.inherited(parent))
	merge(out, ix.at[parent.key])
	return out
}

// assignments returns the role assignments of a subscription or management group, read once per sync:
// active ones, then (unless P2 features are skipped) eligible ones; their principals are resolved in bulk.
func (c *Connector) assignments(ctx context.Context, st *azureState, scope armScope) (*scopeIndex, error) {
	return st.indexes.get(ctx, scope.key, func(ctx context.Context) (*scopeIndex, error) {
		h, err := c.loadHierarchy(ctx, st)
		if err != nil {
			return nil, err
		}
		filter := ""
		rootMG := scope.kind == scopeMG && h.isRoot(scope.mg)
		if scope.kind == scopeMG {
			filter = "atScope()"
		}
		ix := &scopeIndex{owner: scope, at: map[string]map[string]uint8{}, above: map[string]uint8{}}
		add := func(a *rbacAssignment) {
			if a == nil {
				return
			}
			ix.items = append(ix.items, a)
			key := a.scope.key
			switch {
			case a.scope.kind == scopeRoot && rootMG:
				key = scope.key
			case key == scope.key, scope.kind == scopeSubscription && a.scope.within(scope.sub):
			default: // above the owner (atScope() and unfiltered lists include assignments above)
				ix.above[a.role] |= stateBit(a.eligible)
			}
			m := ix.at[key]
			if m == nil {
				m = map[string]uint8{}
				ix.at[key] = m
			}
			m[a.role] |= stateBit(a.eligible)
		}
		for next := ""; ; {
			page, err := c.arm.ListRoleAssignments(ctx, scope.key, filter, next)
			if err != nil {
				return nil, armAccessErr(err, "list role assignments at "+scope.key, readerAt(scope))
			}
			for _, ra := range page.Value {
				add(assignmentOf(ra))
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
		if !c.s.skipP2 {
			for next := ""; ; {
				page, err := c.arm.ListRoleEligibilityScheduleInstances(ctx, scope.key, filter, next)
				if err != nil {
					if isPremiumError(err) {
						return nil, premiumError("eligible (PIM) Azure role assignments", err)
					}
					return nil, armAccessErr(err, "list eligible (PIM) role assignments at "+scope.key, readerAt(scope))
				}
				for _, in := range page.Value {
					add(eligibilityOf(in))
				}
				if next = page.NextLink; next == "" {
					break
				}
			}
		}
		sort.Slice(ix.items, func(i, j int) bool { return ix.items[i].sortKey() < ix.items[j].sortKey() })
		ids := make([]string, 0, len(ix.items))
		for _, a := range ix.items {
			ids = append(ids, a.principal)
		}
		if err := c.resolveRBACPrincipals(ctx, st, ids); err != nil {
			return nil, err
		}
		return ix, nil
	})
}

// sortKey orders assignments deterministically (page tokens resume after a key).
func (a *rbacAssignment) sortKey() string { return a.state() + "|" + strings.ToLower(a.id) }

func assignmentOf(ra *armauthorization.RoleAssignment) *rbacAssignment {
	if ra == nil || ra.Properties == nil || ra.ID == nil {
		return nil
	}
	p := ra.Properties
	scope := deref(p.Scope)
	if scope == "" {
		scope = scopeOfID(*ra.ID, "/providers/microsoft.authorization/roleassignments/")
	}
	a := &rbacAssignment{id: *ra.ID, rawScope: scope, scope: parseScope(scope), role: roleGUID(deref(p.RoleDefinitionID)),
		principal: strings.ToLower(deref(p.PrincipalID)), condition: deref(p.Condition), conditionVersion: deref(p.ConditionVersion),
		description: deref(p.Description)}
	if p.PrincipalType != nil {
		a.principalType = string(*p.PrincipalType)
	}
	return a
}

func eligibilityOf(in *armauthorization.RoleEligibilityScheduleInstance) *rbacAssignment {
	if in == nil || in.Properties == nil || in.ID == nil {
		return nil
	}
	p := in.Properties
	if p.MemberType != nil && strings.EqualFold(string(*p.MemberType), "Group") {
		return nil // an expansion of a group's eligibility to one member: baton derives those from the group's
	}
	scope := deref(p.Scope)
	if scope == "" {
		scope = scopeOfID(*in.ID, "/providers/microsoft.authorization/roleeligibilityscheduleinstances/")
	}
	a := &rbacAssignment{id: *in.ID, rawScope: scope, scope: parseScope(scope), role: roleGUID(deref(p.RoleDefinitionID)),
		principal: strings.ToLower(deref(p.PrincipalID)), eligible: true, condition: deref(p.Condition),
		conditionVersion: deref(p.ConditionVersion), start: p.StartDateTime, end: p.EndDateTime}
	if p.PrincipalType != nil {
		a.principalType = string(*p.PrincipalType)
	}
	if ep := p.ExpandedProperties; ep != nil && ep.Principal != nil {
		a.principalName = deref(ep.Principal.DisplayName)
	}
	return a
}

// scopeOfID cuts an assignment's scope out of its resource id.
func scopeOfID(id, marker string) string {
	if i := strings.Index(strings.ToLower(id), marker); i >= 0 {
		return id[:i]
	}
	return ""
}

// roleGUID is the GUID at the end of a role definition id (ARM returns them with or without the
// subscription prefix).
func roleGUID(id string) string {
	return strings.ToLower(id[strings.LastIndex(id, "/")+1:])
}

// --- principals ---

// Principal kinds beyond resource types.
const (
	principalGhost = "?" // not in the directory ("Identity not found")
)

// principalIndex maps the object ids of role-assignment principals to the resource type that represents
// them, notSynced, or principalGhost.
type principalIndex struct {
	mu sync.RWMutex
	m  map[string]string
}

func (p *principalIndex) get(id string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	t, ok := p.m[strings.ToLower(id)]
	return t, ok
}

func (p *principalIndex) set(id, typ string) {
	p.mu.Lock()
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[strings.ToLower(id)] = typ
	p.mu.Unlock()
}

// resolveRBACPrincipals looks up, in bulk (getByIds, 1000 per call), the principals not yet known: their
// existence (an assignment to a deleted principal is reported as such, never attributed to another
// principal), the kind of service principals, and whether a group is synced.
func (c *Connector) resolveRBACPrincipals(ctx context.Context, st *azureState, ids []string) error {
	seen := map[string]bool{}
	var missing []string
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := st.principals.get(id); !ok {
			missing = append(missing, id)
		}
	}
	for len(missing) > 0 {
		n := min(len(missing), 1000)
		batch := missing[:n]
		objs, err := c.graph.GetByIDs(ctx, batch)
		if err != nil {
			return wrapErr(err, "resolve the principals of Azure role assignments (getByIds needs Directory.Read.All)")
		}
		found := map[string]bool{}
		for _, o := range objs {
			found[strings.ToLower(o.ID)] = true
			if p, ok := c.principalOf(o); ok {
				st.principals.set(o.ID, p.GetResourceType())
			} else {
				st.principals.set(o.ID, notSynced)
			}
		}
		for _, id := range batch {
			if !found[id] {
				st.principals.set(id, principalGhost)
			}
		}
		missing = missing[n:]
	}
	return nil
}

// principalOfAssignment maps an assignment's principal to its resource: the type from the assignment's
// principalType (service principals split into enterprise applications and managed identities by the bulk
// lookup), deleted principals to deleted_principal. ok is false for principals that are not synced
// (skip-ad-groups, devices, foreign groups), which are logged once.
func (c *Connector) principalOfAssignment(ctx context.Context, st *azureState, a *rbacAssignment) (string, bool) {
	kind, _ := st.principals.get(a.principal)
	switch {
	case kind == principalGhost:
		st.warnOnce(ctx, "ghost|"+a.principal, "baton-azure: Azure role assignment to a principal that no longer exists (Identity not found); "+
			"reported as a deleted_principal", zap.String("principal_id", a.principal), zap.String("assignment_id", a.id))
		return typeDeletedPrincipal, true
	case kind == notSynced:
		st.warnOnce(ctx, "skip|"+a.principal, "baton-azure: Azure role assignment to a principal that is not synced (a device, foreign group, "+
			"or an AD-synced group with skip-ad-groups)", zap.String("principal_id", a.principal), zap.String("principal_type", a.principalType))
		return "", false
	}
	switch a.principalType {
	case "User":
		return typeUser, true
	case "Group":
		return typeGroup, true
	case "ServicePrincipal":
		if kind == typeManagedIdentity {
			return typeManagedIdentity, true
		}
		return typeEnterpriseApp, true
	}
	if kind != "" {
		return kind, true // no or an unexpected principalType: trust the directory
	}
	st.warnOnce(ctx, "skip|"+a.principal, "baton-azure: Azure role assignment to an unsupported principal type",
		zap.String("principal_id", a.principal), zap.String("principal_type", a.principalType))
	return "", false
}

func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func appendStrs(dst []string, src []*string) []string {
	for _, s := range src {
		if s != nil {
			dst = append(dst, *s)
		}
	}
	return dst
}
