package azsim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/internal/odata"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func versionsAuthorization() []string {
	return []string{"2015-07-01", "2018-01-01-preview", "2018-09-01-preview", "2020-04-01-preview", "2020-08-01-preview",
		"2022-04-01", "2022-05-01-preview"}
}
func versionsPIM() []string {
	return []string{"2020-10-01", "2020-10-01-preview", "2024-02-01-preview", "2024-09-01-preview"}
}

// scope validates {scope}: "/", a management group, a subscription, a resource group, or a resource in
// an existing resource group (storage accounts and containers must exist).
func (c *actx) scope() (string, *apiError) {
	sc := c.vars["scope"]
	if sc == "" {
		sc = "/"
	}
	segs := splitPath(sc)
	bad := func() (string, *apiError) {
		return "", &apiError{status: http.StatusBadRequest, code: "InvalidScope", message: fmt.Sprintf("The scope '%s' is not a valid scope.", sc)}
	}
	missing := func(code, what string) (string, *apiError) {
		return "", &apiError{status: http.StatusNotFound, code: code, message: what + " could not be found."}
	}
	switch {
	case len(segs) == 0:
		return "/", nil
	case len(segs) == 4 && strings.EqualFold(segs[0], "providers") && strings.EqualFold(segs[1], "Microsoft.Management") &&
		strings.EqualFold(segs[2], "managementGroups"):
		mg := c.w.ManagementGroup(segs[3])
		if mg == nil {
			return missing("ManagementGroupNotFound", "Management group '"+segs[3]+"'")
		}
		return mg.Scope(), nil
	case strings.EqualFold(segs[0], "subscriptions") && len(segs) >= 2:
		sub := c.w.Subscription(segs[1])
		if sub == nil {
			return missing("SubscriptionNotFound", "The subscription '"+segs[1]+"'")
		}
		if len(segs) == 2 {
			return sub.Scope(), nil
		}
		if len(segs) < 4 || !strings.EqualFold(segs[2], "resourceGroups") {
			return bad()
		}
		rg := c.w.ResourceGroup(sub.ID, segs[3])
		if rg == nil {
			return missing("ResourceGroupNotFound", "Resource group '"+segs[3]+"'")
		}
		if len(segs) == 4 {
			return rg.Scope(), nil
		}
		if len(segs) < 8 || !strings.EqualFold(segs[4], "providers") {
			return bad()
		}
		if strings.EqualFold(segs[5], "Microsoft.Storage") && strings.EqualFold(segs[6], "storageAccounts") {
			a := c.w.StorageAccount(sub.ID, rg.Name, segs[7])
			if a == nil {
				return missing("ResourceNotFound", "The Resource 'Microsoft.Storage/storageAccounts/"+segs[7]+"'")
			}
			if len(segs) == 8 {
				return a.Scope(), nil
			}
			if len(segs) == 12 {
				for _, ct := range c.w.Containers {
					if ct.Account == a && strings.EqualFold(ct.Name, segs[11]) {
						return ct.Scope(), nil
					}
				}
				return missing("ContainerNotFound", "The container '"+segs[11]+"'")
			}
			return bad()
		}
		return "/" + strings.Join(segs, "/"), nil
	}
	return bad()
}

// subscriptionOf returns the subscription id a scope lies in, or "".
func subscriptionOf(scope string) string {
	segs := splitPath(scope)
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		return segs[1]
	}
	return ""
}

// roleDefinitionID renders a role definition id as ARM does at a scope: subscription-qualified inside a
// subscription, provider-level above.
func roleDefinitionID(scope, name string) string {
	if sub := subscriptionOf(scope); sub != "" {
		return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + name
	}
	return "/providers/Microsoft.Authorization/roleDefinitions/" + name
}

func providerID(scope, kind, name string) string {
	return strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/" + kind + "/" + name
}

func roleDefinitionJSON(scope string, r *world.ARMRoleDefinition, createdOn string) map[string]any {
	var perms []any
	for _, p := range r.Permissions {
		perms = append(perms, map[string]any{"actions": strs(p.Actions), "notActions": strs(p.NotActions),
			"dataActions": strs(p.DataActions), "notDataActions": strs(p.NotDataActions)})
	}
	return map[string]any{"id": roleDefinitionID(scope, r.Name), "type": "Microsoft.Authorization/roleDefinitions", "name": r.Name,
		"properties": map[string]any{"roleName": r.RoleName, "type": r.Type, "description": r.Description,
			"assignableScopes": strs(r.AssignableScopes), "permissions": perms, "createdOn": createdOn, "updatedOn": createdOn,
			"createdBy": nil, "updatedBy": nil}}
}

// roleVisibleAt reports whether a role definition can be assigned at scope (or, with below, under it).
func (c *actx) roleVisibleAt(r *world.ARMRoleDefinition, scope string, below bool) bool {
	chain := map[string]bool{}
	for _, a := range ancestors(c.w, scope) {
		chain[a] = true
	}
	for _, as := range r.AssignableScopes {
		n := world.NormalizeScope(as)
		if n == "" || chain[n] || (below && isUnder(c.w, as, scope)) {
			return true
		}
	}
	return false
}

// isUnder reports whether scope x lies strictly below scope s.
func isUnder(w *world.World, x, s string) bool {
	ns := world.NormalizeScope(s)
	for i, a := range ancestors(w, x) {
		if i > 0 && a == ns {
			return true
		}
	}
	return ns == "" && world.NormalizeScope(x) != ""
}

func handleListRoleDefinitions(c *actx) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/roleDefinitions/read", scope); aerr != nil {
		return fail(aerr)
	}
	var roleName, roleType string
	below := false
	if raw := c.r.URL.Query().Get("$filter"); raw != "" {
		e, err := odata.ParseFilter(raw)
		if err != nil {
			return fail(armFilterError(raw))
		}
		unsupported := false
		walkAnd(e, func(t odata.Expr) {
			switch {
			case isCall(t, "atScopeAndBelow"):
				below = true
			case propEq(t, "roleName") != nil:
				roleName = *propEq(t, "roleName")
			case propEq(t, "type") != nil:
				roleType = *propEq(t, "type")
			default:
				unsupported = true
			}
		})
		if unsupported {
			return fail(armFilterError(raw))
		}
	}
	var out []any
	created := isoTime(c.w.Tenant.CreatedAt)
	for _, r := range c.w.ARMRoles {
		if roleName != "" && !strings.EqualFold(r.RoleName, roleName) || roleType != "" && !strings.EqualFold(r.Type, roleType) {
			continue
		}
		if c.roleVisibleAt(r, scope, below) {
			out = append(out, roleDefinitionJSON(scope, r, created))
		}
	}
	return c.page(out)
}

func handleGetRoleDefinition(c *actx) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/roleDefinitions/read", scope); aerr != nil {
		return fail(aerr)
	}
	r := c.w.ARMRole(c.vars["name"])
	if r == nil || !c.roleVisibleAt(r, scope, false) {
		return armNotFound("RoleDefinitionDoesNotExist", "The specified role definition with ID '"+c.vars["name"]+"' does not exist.")
	}
	return ok(roleDefinitionJSON(scope, r, isoTime(c.w.Tenant.CreatedAt)))
}

// assignmentFilter is the parsed $filter of a role assignment or PIM instance list.
type assignmentFilter struct {
	atScope    bool
	principals map[string]bool // nil: any principal
}

func (c *actx) parseAssignmentFilter() (*assignmentFilter, *apiError) {
	f := &assignmentFilter{}
	raw := c.r.URL.Query().Get("$filter")
	if raw == "" {
		return f, nil
	}
	e, err := odata.ParseFilter(raw)
	if err != nil {
		return nil, armFilterError(raw)
	}
	unsupported := false
	walkAnd(e, func(t odata.Expr) {
		switch {
		case isCall(t, "atScope"):
			f.atScope = true
		case propEq(t, "principalId") != nil:
			f.principals = map[string]bool{strings.ToLower(*propEq(t, "principalId")): true}
		case callArg(t, "assignedTo") != "":
			f.principals = principalAndGroups(c.w, callArg(t, "assignedTo"))
		default:
			unsupported = true
		}
	})
	if unsupported {
		return nil, armFilterError(raw)
	}
	return f, nil
}

func armFilterError(raw string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "UnsupportedFilter", message: fmt.Sprintf("The filter '%s' is not supported. "+
		"Supported filters are either 'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.", raw)}
}

// principalAndGroups returns id plus every group it is a member of, directly or through nesting.
func principalAndGroups(w *world.World, id string) map[string]bool {
	set := map[string]bool{strings.ToLower(id): true}
	for changed := true; changed; {
		changed = false
		for _, g := range w.Groups {
			if set[g.ID] {
				continue
			}
			for _, m := range g.Members {
				if set[m.ID] {
					set[g.ID] = true
					changed = true
					break
				}
			}
		}
	}
	return set
}

// selectAssignments applies ARM's scope semantics: assignments at, above and below scope; with atScope()
// only at and above.
func (c *actx) selectAssignments(scope string, eligible bool, f *assignmentFilter) []*world.ARMRoleAssignment {
	chain := map[string]bool{}
	for _, a := range ancestors(c.w, scope) {
		chain[a] = true
	}
	ns := world.NormalizeScope(scope)
	inSubscription := subscriptionOf(scope) != ""
	var out []*world.ARMRoleAssignment
	for _, a := range c.w.ARMAssignments {
		if a.Eligible != eligible || (f.principals != nil && !f.principals[strings.ToLower(a.PrincipalID)]) {
			continue
		}
		na := world.NormalizeScope(a.Scope)
		atOrAbove := chain[na]
		below := false
		if !atOrAbove && !f.atScope {
			if inSubscription {
				below = strings.HasPrefix(na, ns+"/")
			} else {
				below = isUnder(c.w, a.Scope, scope)
			}
		}
		if atOrAbove || below {
			out = append(out, a)
		}
	}
	return out
}

func roleAssignmentJSON(a *world.ARMRoleAssignment) map[string]any {
	created := isoTime(a.CreatedOn)
	props := map[string]any{"roleDefinitionId": roleDefinitionID(a.Scope, a.RoleDefinition), "principalId": a.PrincipalID,
		"principalType": a.PrincipalType, "scope": a.Scope, "condition": nonEmpty(a.Condition), "conditionVersion": nonEmpty(a.ConditionVersion),
		"createdOn": created, "updatedOn": created, "createdBy": nil, "updatedBy": nil,
		"delegatedManagedIdentityResourceId": nil, "description": nonEmpty(a.Description)}
	return map[string]any{"id": providerID(a.Scope, "roleAssignments", a.Name), "type": "Microsoft.Authorization/roleAssignments",
		"name": a.Name, "properties": props}
}

func handleListRoleAssignments(c *actx) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/roleAssignments/read", scope); aerr != nil {
		return fail(aerr)
	}
	f, aerr := c.parseAssignmentFilter()
	if aerr != nil {
		return fail(aerr)
	}
	return c.page(toAny(c.selectAssignments(scope, false, f), func(a *world.ARMRoleAssignment) any { return roleAssignmentJSON(a) }))
}

func handleGetRoleAssignment(c *actx) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize("Microsoft.Authorization/roleAssignments/read", scope); aerr != nil {
		return fail(aerr)
	}
	for _, a := range c.w.ARMAssignments {
		if !a.Eligible && strings.EqualFold(a.Name, c.vars["name"]) && world.NormalizeScope(a.Scope) == world.NormalizeScope(scope) {
			return ok(roleAssignmentJSON(a))
		}
	}
	return armNotFound("RoleAssignmentNotFound", "The role assignment '"+c.vars["name"]+"' is not found.")
}

// pimGate refuses ARM PIM reads in a tenant without Entra ID P2, with ARM's wording.
func (c *actx) pimGate() *apiError {
	if c.w.Tenant.HasP2 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: "AadPremiumLicenseRequired", message: "The tenant needs an AAD Premium 2 license."}
}

func (c *actx) listInstances(eligible bool) reply {
	scope, aerr := c.scope()
	if aerr != nil {
		return fail(aerr)
	}
	kind := "roleAssignmentScheduleInstances"
	if eligible {
		kind = "roleEligibilityScheduleInstances"
	}
	if aerr := c.authorize("Microsoft.Authorization/"+kind+"/read", scope); aerr != nil {
		return fail(aerr)
	}
	if aerr := c.pimGate(); aerr != nil {
		return fail(aerr)
	}
	f, aerr := c.parseAssignmentFilter()
	if aerr != nil {
		return fail(aerr)
	}
	return c.page(toAny(c.selectAssignments(scope, eligible, f), func(a *world.ARMRoleAssignment) any {
		return c.instanceJSON(a, kind)
	}))
}

func handleListEligibilityInstances(c *actx) reply { return c.listInstances(true) }
func handleListAssignmentInstances(c *actx) reply  { return c.listInstances(false) }

// instanceJSON renders a PIM schedule instance with expandedProperties, as ARM returns it.
func (c *actx) instanceJSON(a *world.ARMRoleAssignment, kind string) map[string]any {
	roleName := ""
	if r := c.w.ARMRole(a.RoleDefinition); r != nil {
		roleName = r.RoleName
	}
	principal := map[string]any{"id": a.PrincipalID, "displayName": nonEmpty(c.w.DisplayName(a.PrincipalID)), "type": a.PrincipalType}
	if u := c.w.User(a.PrincipalID); u != nil && u.Mail != "" {
		principal["email"] = u.Mail
	}
	scopeType := "resourcegroup"
	switch {
	case strings.Contains(strings.ToLower(a.Scope), "/providers/microsoft.storage"):
		scopeType = "resource"
	case len(splitPath(a.Scope)) == 2 && subscriptionOf(a.Scope) != "":
		scopeType = "subscription"
	case subscriptionOf(a.Scope) == "":
		scopeType = "managementgroup"
	}
	props := map[string]any{
		"scope": a.Scope, "roleDefinitionId": roleDefinitionID(a.Scope, a.RoleDefinition), "principalId": a.PrincipalID,
		"principalType": a.PrincipalType, "status": "Provisioned", "memberType": "Direct",
		"startDateTime": tptr(a.Start), "endDateTime": tptr(a.End), "createdOn": isoTime(a.CreatedOn),
		"condition": nonEmpty(a.Condition), "conditionVersion": nonEmpty(a.ConditionVersion),
		"expandedProperties": map[string]any{
			"scope":          map[string]any{"id": a.Scope, "displayName": lastSegment(a.Scope), "type": scopeType},
			"roleDefinition": map[string]any{"id": roleDefinitionID(a.Scope, a.RoleDefinition), "displayName": roleName, "type": "BuiltInRole"},
			"principal":      principal,
		},
	}
	if kind == "roleEligibilityScheduleInstances" {
		props["roleEligibilityScheduleId"] = providerID(a.Scope, "roleEligibilitySchedules", a.Name)
	} else {
		props["roleAssignmentScheduleId"] = providerID(a.Scope, "roleAssignmentSchedules", a.Name)
		props["originRoleAssignmentId"] = providerID(a.Scope, "roleAssignments", a.Name)
		props["assignmentType"] = "Assigned"
	}
	typ := "Microsoft.Authorization/RoleAssignmentScheduleInstances"
	if kind == "roleEligibilityScheduleInstances" {
		typ = "Microsoft.Authorization/RoleEligibilityScheduleInstances"
	}
	return map[string]any{"id": providerID(a.Scope, kind, a.Name), "type": typ, "name": a.Name, "properties": props}
}

// walkAnd calls f on each operand of a conjunction.
func walkAnd(e odata.Expr, f func(odata.Expr)) {
	if b, isBin := e.(odata.Binary); isBin && strings.EqualFold(b.Op, "and") {
		walkAnd(b.Left, f)
		walkAnd(b.Right, f)
		return
	}
	f(e)
}

func isCall(e odata.Expr, name string) bool {
	call, isC := e.(odata.Call)
	return isC && strings.EqualFold(call.Name, name) && len(call.Args) == 0
}

// callArg returns the string argument of name('x'), or "".
func callArg(e odata.Expr, name string) string {
	call, isC := e.(odata.Call)
	if !isC || !strings.EqualFold(call.Name, name) || len(call.Args) != 1 {
		return ""
	}
	if lit, isLit := call.Args[0].(odata.Literal); isLit {
		if s, isStr := lit.Value.(string); isStr {
			return s
		}
	}
	return ""
}

// propEq returns the literal of "prop eq 'x'", or nil.
func propEq(e odata.Expr, prop string) *string {
	cmp, isCmp := e.(odata.Compare)
	if !isCmp || !strings.EqualFold(cmp.Op, "eq") {
		return nil
	}
	pr, isProp := cmp.Left.(odata.PropertyRef)
	lit, isLit := cmp.Right.(odata.Literal)
	if !isProp || !isLit || !strings.EqualFold(pr.Path, prop) {
		return nil
	}
	s, isStr := lit.Value.(string)
	if !isStr {
		return nil
	}
	return &s
}
