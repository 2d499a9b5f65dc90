package azsim

import (
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/internal/odata"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// graphSets holds the entity-type descriptions Graph handlers list and project.
type graphSets struct {
	user, group, servicePrincipal, application, directoryObject             *entitySet
	roleDefinition, roleAssignment, eligibilityInstance, assignmentInstance *entitySet
	groupEligibility, groupAssignment, directoryRole, appRoleAssignment     *entitySet
	administrativeUnit, scopedRoleMember, riskyUser, organization, sku      *entitySet
	licenseDetails                                                          *entitySet
}

// Filter operator sets, as Graph documents them per property. They are constants in spirit; each
// entity set gets its own copy.
func ops(list string) []string { return strings.Fields(list) }

func p[T any](name string, get func(c *gctx, x T) any, ops []string, adv []string) prop {
	return prop{name: name, get: func(c *gctx, o any) any { return get(c, o.(T)) }, ops: ops, adv: adv}
}

func pc[T any](name string, get func(c *gctx, x T) any, ops []string) prop {
	pr := p(name, get, ops, nil)
	pr.coll = true
	return pr
}

func nav(pr prop) prop {
	pr.nav = true
	return pr
}

// navIn is a navigation property to objects of another set than directoryObject.
func navIn(set func(gs *graphSets) *entitySet, pr prop) prop {
	pr.nav, pr.navSet = true, set
	return pr
}

// expandRefs renders at most maxExpand related objects inline, as Graph does for $expand, with the
// nested $select if any.
func expandRefs(c *gctx, refs []world.Ref) []*jsonObject {
	n := min(len(refs), maxExpand)
	out := make([]*jsonObject, 0, n)
	pr := c.s.gs.directoryObject.projector(c.expandSel, nil)
	for _, r := range refs[:n] {
		out = append(out, pr.project(c, r))
	}
	return out
}

func tptr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func bptr(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func strs(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func newGraphSets() *graphSets {
	gs := &graphSets{}
	gs.user = newEntitySet("microsoft.graph.user", "User",
		[]string{"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation",
			"preferredLanguage", "surname", "userPrincipalName"},
		p("id", func(_ *gctx, u *world.User) any { return u.ID }, ops("eq in"), ops("ne not")),
		p("displayName", func(_ *gctx, u *world.User) any { return u.DisplayName }, ops("eq in startswith"), ops("ne not endswith")),
		p("givenName", func(_ *gctx, u *world.User) any { return nonEmpty(u.GivenName) }, ops("eq in startswith"), ops("ne not endswith")),
		p("surname", func(_ *gctx, u *world.User) any { return nonEmpty(u.Surname) }, ops("eq in startswith"), ops("ne not endswith")),
		p("userPrincipalName", func(_ *gctx, u *world.User) any { return u.UserPrincipalName }, ops("eq in startswith"), ops("ne not endswith")),
		p("mail", func(_ *gctx, u *world.User) any { return nonEmpty(u.Mail) }, ops("eq in startswith"), ops("ne not endswith")),
		p("mailNickname", func(_ *gctx, u *world.User) any { return strings.Split(u.UserPrincipalName, "@")[0] }, ops("eq in startswith"), ops("ne not endswith")),
		p("jobTitle", func(_ *gctx, u *world.User) any { return nonEmpty(u.JobTitle) }, ops("eq in startswith"), ops("ne not endswith")),
		p("department", func(_ *gctx, u *world.User) any { return nonEmpty(u.Department) }, ops("eq in startswith"), ops("ne not endswith")),
		p("employeeId", func(_ *gctx, u *world.User) any { return nonEmpty(u.EmployeeID) }, ops("eq in startswith"), ops("ne not")),
		p("usageLocation", func(_ *gctx, u *world.User) any { return nonEmpty(u.UsageLocation) }, ops("eq in"), ops("ne not")),
		p("accountEnabled", func(_ *gctx, u *world.User) any { return u.AccountEnabled }, ops("eq in"), ops("ne not")),
		p("userType", func(_ *gctx, u *world.User) any { return u.UserType }, ops("eq in"), ops("ne not")),
		p("onPremisesSyncEnabled", func(_ *gctx, u *world.User) any { return bptr(u.OnPremisesSyncEnabled) }, ops("eq in"), ops("ne not")),
		p("createdDateTime", func(_ *gctx, u *world.User) any { return u.CreatedDateTime.UTC() }, ops("eq ge le gt lt"), ops("ne not")),
		p("employeeLeaveDateTime", func(_ *gctx, u *world.User) any { return tptr(u.EmployeeLeaveDateTime) }, nil, ops("eq ge le gt lt")),
		p("signInActivity", func(_ *gctx, u *world.User) any { return signInActivity(u) }, nil, nil),
		pc("businessPhones", func(_ *gctx, _ *world.User) any { return []string{} }, nil),
		p("mobilePhone", func(_ *gctx, _ *world.User) any { return nil }, ops("eq in startswith"), ops("ne not")),
		p("officeLocation", func(_ *gctx, _ *world.User) any { return nil }, ops("eq in startswith"), ops("ne not")),
		p("preferredLanguage", func(_ *gctx, _ *world.User) any { return "en-US" }, ops("eq in"), ops("ne not")),
		// assignedLicenses is the effective set (direct and group-based), as in Graph.
		pc("assignedLicenses", func(c *gctx, u *world.User) any { return assignedLicenses(effectiveSKUs(c.w, u)) }, ops("any eq in startswith")),
		pc("licenseAssignmentStates", func(c *gctx, u *world.User) any { return licenseStates(c.w, u) }, nil),
	)
	for _, sub := range []string{"lastSignInDateTime", "lastNonInteractiveSignInDateTime", "lastSuccessfulSignInDateTime"} {
		gs.user.schema.Properties = append(gs.user.schema.Properties,
			odata.Property{Name: "signInActivity/" + sub, Ops: ops("eq ge le gt lt"), AdvancedOps: ops("ne not")})
	}
	gs.group = newEntitySet("microsoft.graph.group", "Group",
		[]string{"id", "classification", "createdDateTime", "description", "displayName", "groupTypes", "isAssignableToRole",
			"mail", "mailEnabled", "mailNickname", "membershipRule", "membershipRuleProcessingState", "onPremisesSyncEnabled",
			"proxyAddresses", "securityEnabled", "visibility"},
		p("id", func(_ *gctx, g *world.Group) any { return g.ID }, ops("eq in"), ops("ne not")),
		p("displayName", func(_ *gctx, g *world.Group) any { return g.DisplayName }, ops("eq in startswith"), ops("ne not endswith")),
		p("description", func(_ *gctx, g *world.Group) any { return nonEmpty(g.Description) }, ops("eq in startswith"), ops("ne not endswith")),
		p("classification", func(_ *gctx, _ *world.Group) any { return nil }, ops("eq in startswith"), ops("ne not")),
		p("createdDateTime", func(_ *gctx, g *world.Group) any { return g.CreatedDateTime.UTC() }, nil, ops("eq ge le gt lt")),
		pc("groupTypes", func(_ *gctx, g *world.Group) any { return strs(g.GroupTypes) }, ops("any eq in startswith")),
		p("isAssignableToRole", func(_ *gctx, g *world.Group) any { return g.IsAssignableToRole }, ops("eq in"), ops("ne not")),
		p("mail", func(_ *gctx, g *world.Group) any { return nonEmpty(g.Mail) }, ops("eq in startswith"), ops("ne not endswith")),
		p("mailEnabled", func(_ *gctx, g *world.Group) any { return g.MailEnabled }, ops("eq in"), ops("ne not")),
		p("mailNickname", func(_ *gctx, g *world.Group) any { return g.MailNickname }, ops("eq in startswith"), ops("ne not endswith")),
		p("membershipRule", func(_ *gctx, g *world.Group) any { return nonEmpty(g.MembershipRule) }, nil, nil),
		p("membershipRuleProcessingState", func(_ *gctx, g *world.Group) any {
			if g.IsDynamic() {
				return "On"
			}
			return nil
		}, ops("eq in"), ops("ne not")),
		p("onPremisesSyncEnabled", func(_ *gctx, g *world.Group) any { return bptr(g.OnPremisesSyncEnabled) }, ops("eq in"), ops("ne not")),
		pc("proxyAddresses", func(_ *gctx, g *world.Group) any {
			if g.Mail == "" {
				return []string{}
			}
			return []string{"SMTP:" + g.Mail}
		}, ops("any eq in startswith")),
		p("securityEnabled", func(_ *gctx, g *world.Group) any { return g.SecurityEnabled }, ops("eq in"), ops("ne not")),
		p("visibility", func(_ *gctx, g *world.Group) any { return nonEmpty(g.Visibility) }, ops("eq in"), ops("ne not")),
		pc("assignedLicenses", func(_ *gctx, g *world.Group) any { return assignedLicenses(g.Licenses) }, ops("any eq in startswith")),
		nav(p("members", func(c *gctx, g *world.Group) any { return expandRefs(c, g.Members) }, nil, nil)),
		nav(p("owners", func(c *gctx, g *world.Group) any { return expandRefs(c, g.Owners) }, nil, nil)),
	)
	gs.servicePrincipal = newEntitySet("microsoft.graph.servicePrincipal", "ServicePrincipal", nil,
		p("id", func(_ *gctx, s *world.ServicePrincipal) any { return s.ID }, ops("eq in"), ops("ne not")),
		p("appId", func(_ *gctx, s *world.ServicePrincipal) any { return s.AppID }, ops("eq in"), ops("ne not")),
		p("displayName", func(_ *gctx, s *world.ServicePrincipal) any { return s.DisplayName }, ops("eq in startswith"), ops("ne not endswith")),
		p("appDisplayName", func(_ *gctx, s *world.ServicePrincipal) any { return s.DisplayName }, ops("eq in startswith"), ops("ne not endswith")),
		p("servicePrincipalType", func(_ *gctx, s *world.ServicePrincipal) any { return s.ServicePrincipalType }, ops("eq in"), ops("ne not")),
		p("accountEnabled", func(_ *gctx, s *world.ServicePrincipal) any { return s.AccountEnabled }, ops("eq in"), ops("ne not")),
		p("appOwnerOrganizationId", func(_ *gctx, s *world.ServicePrincipal) any { return nonEmpty(s.AppOwnerOrganizationID) }, ops("eq in"), ops("ne not")),
		p("appRoleAssignmentRequired", func(_ *gctx, s *world.ServicePrincipal) any { return s.AppRoleAssignmentRequired }, ops("eq in"), ops("ne not")),
		pc("appRoles", func(_ *gctx, s *world.ServicePrincipal) any { return appRoles(s.AppRoles) }, nil),
		pc("alternativeNames", func(_ *gctx, s *world.ServicePrincipal) any { return strs(s.AlternativeNames) }, ops("any eq in startswith")),
		pc("servicePrincipalNames", func(_ *gctx, s *world.ServicePrincipal) any { return strs(s.ServicePrincipalNames) }, ops("any eq in startswith")),
		pc("tags", func(_ *gctx, s *world.ServicePrincipal) any { return strs(s.Tags) }, ops("any eq in startswith")),
		p("signInAudience", func(_ *gctx, s *world.ServicePrincipal) any { return nonEmpty(s.SignInAudience) }, ops("eq in"), ops("ne not")),
		pc("keyCredentials", func(_ *gctx, _ *world.ServicePrincipal) any { return []any{} }, nil),
		pc("passwordCredentials", func(_ *gctx, _ *world.ServicePrincipal) any { return []any{} }, nil),
	)
	gs.servicePrincipal.defaults = gs.servicePrincipal.names()
	gs.application = newEntitySet("microsoft.graph.application", "Application", nil,
		p("id", func(_ *gctx, a *world.Application) any { return a.ID }, ops("eq in"), ops("ne not")),
		p("appId", func(_ *gctx, a *world.Application) any { return a.AppID }, ops("eq in"), ops("ne not")),
		p("displayName", func(_ *gctx, a *world.Application) any { return a.DisplayName }, ops("eq in startswith"), ops("ne not endswith")),
		p("signInAudience", func(_ *gctx, a *world.Application) any { return a.SignInAudience }, ops("eq in"), ops("ne not")),
		pc("appRoles", func(_ *gctx, a *world.Application) any { return appRoles(a.AppRoles) }, nil),
		p("createdDateTime", func(_ *gctx, a *world.Application) any { return a.CreatedDateTime.UTC() }, nil, ops("eq ge le gt lt")),
		pc("keyCredentials", func(_ *gctx, _ *world.Application) any { return []any{} }, nil),
		pc("passwordCredentials", func(_ *gctx, _ *world.Application) any { return []any{} }, nil),
	)
	gs.application.defaults = gs.application.names()
	gs.directoryObject = newDirectoryObjectSet(gs)
	for _, es := range []*entitySet{gs.user, gs.group, gs.servicePrincipal, gs.application, gs.directoryObject} {
		es.directory = true
	}
	gs.addRoleSets()
	gs.addMiscSets()
	gs.addFastPaths() // graph_fast.go
	return gs
}

// newDirectoryObjectSet describes polymorphic collections (members, owners, getByIds): every property of
// users, groups and service principals, each resolved on the object's own type.
func newDirectoryObjectSet(gs *graphSets) *entitySet {
	setOf := func(c *gctx, r world.Ref) (*entitySet, any) {
		switch r.Kind {
		case world.KindUser:
			if u := c.w.User(r.ID); u != nil {
				return gs.user, u
			}
		case world.KindGroup:
			if g := c.w.Group(r.ID); g != nil {
				return gs.group, g
			}
		case world.KindServicePrincipal:
			if s := c.w.ServicePrincipal(r.ID); s != nil {
				return gs.servicePrincipal, s
			}
		}
		return nil, nil
	}
	seen := map[string]bool{}
	var props []prop
	for _, es := range []*entitySet{gs.user, gs.group, gs.servicePrincipal} {
		for _, pr := range es.props {
			if pr.nav || seen[strings.ToLower(pr.name)] {
				continue
			}
			seen[strings.ToLower(pr.name)] = true
			name := pr.name
			props = append(props, prop{name: name, ops: pr.ops, adv: pr.adv, coll: pr.coll, get: func(c *gctx, o any) any {
				es, obj := setOf(c, o.(world.Ref))
				if es == nil {
					if strings.EqualFold(name, "id") {
						return o.(world.Ref).ID
					}
					return absent{}
				}
				q := es.byLower[strings.ToLower(name)]
				if q == nil {
					return absent{}
				}
				return q.get(c, obj)
			}})
		}
	}
	es := newEntitySet("microsoft.graph.directoryObject", "DirectoryObject", nil, props...)
	es.polymorphic = true
	es.resolve = func(c *gctx, o any) (*entitySet, any) { return setOf(c, o.(world.Ref)) }
	es.typeOf = func(o any) string { return o.(world.Ref).Kind.ODataType() }
	return es
}

func signInActivity(u *world.User) any {
	if u.SignIn == nil {
		return nil
	}
	reqID := func(t time.Time) string { return "00000000-0000-0000-0000-" + t.UTC().Format("060102150405") }
	return map[string]any{
		"lastSignInDateTime":                u.SignIn.LastSignIn.UTC(),
		"lastSignInRequestId":               reqID(u.SignIn.LastSignIn),
		"lastNonInteractiveSignInDateTime":  u.SignIn.LastNonInteractiveSignIn.UTC(),
		"lastNonInteractiveSignInRequestId": reqID(u.SignIn.LastNonInteractiveSignIn),
		"lastSuccessfulSignInDateTime":      u.SignIn.LastSuccessfulSignIn.UTC(),
		"lastSuccessfulSignInRequestId":     reqID(u.SignIn.LastSuccessfulSignIn),
	}
}

func assignedLicenses(skus []string) []map[string]any {
	out := make([]map[string]any, 0, len(skus))
	for _, s := range skus {
		out = append(out, map[string]any{"disabledPlans": []string{}, "skuId": s})
	}
	return out
}

func effectiveSKUs(w *world.World, u *world.User) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range w.UserLicenses(u) {
		if !seen[l.SkuID] {
			seen[l.SkuID] = true
			out = append(out, l.SkuID)
		}
	}
	return out
}

func licenseStates(w *world.World, u *world.User) []map[string]any {
	ls := w.UserLicenses(u)
	out := make([]map[string]any, 0, len(ls))
	for _, l := range ls {
		out = append(out, map[string]any{"assignedByGroup": nonEmpty(l.AssignedByGroup), "disabledPlans": []string{},
			"error": "None", "skuId": l.SkuID, "state": "Active"})
	}
	return out
}

func appRoles(rs []world.AppRole) []map[string]any {
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, map[string]any{"allowedMemberTypes": strs(r.AllowedMemberTypes), "description": r.Description,
			"displayName": r.DisplayName, "id": r.ID, "isEnabled": r.IsEnabled, "origin": "Application", "value": nonEmpty(r.Value)})
	}
	return out
}
