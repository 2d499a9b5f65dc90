package azsim

import (
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Fast paths: the properties that dominate large list pages (users, groups, service principals and the
// directory objects of memberships) get an encoder that appends the value straight to the page instead of
// boxing it in an interface first. Each must produce exactly the bytes appendJSONValue produces for the
// property's get (TestGraphFastPaths_SameBytesAsTheGetters checks every object of generated tenants);
// a property whose getter changes must have its fast path changed or removed here.

type fastProp struct {
	name string
	app  func(c *gctx, o any, b []byte) []byte
}

func fastStr[T any](name string, get func(T) string) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte { return appendJSONString(b, get(o.(T))) }}
}

// fastNullStr is a string property rendered as null when empty (nonEmpty).
func fastNullStr[T any](name string, get func(T) string) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte {
		if s := get(o.(T)); s != "" {
			return appendJSONString(b, s)
		}
		return append(b, "null"...)
	}}
}

func fastBool[T any](name string, get func(T) bool) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte {
		if get(o.(T)) {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	}}
}

// fastNullBool is a *bool property (bptr).
func fastNullBool[T any](name string, get func(T) *bool) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte {
		switch v := get(o.(T)); {
		case v == nil:
			return append(b, "null"...)
		case *v:
			return append(b, "true"...)
		}
		return append(b, "false"...)
	}}
}

func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func fastTime[T any](name string, get func(T) time.Time) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte { return appendJSONTime(b, get(o.(T))) }}
}

// fastNullTime is a *time.Time property (tptr).
func fastNullTime[T any](name string, get func(T) *time.Time) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte {
		if t := get(o.(T)); t != nil {
			return appendJSONTime(b, *t)
		}
		return append(b, "null"...)
	}}
}

// fastStrs is a []string property rendered as [] when nil (strs).
func fastStrs[T any](name string, get func(T) []string) fastProp {
	return fastProp{name, func(_ *gctx, o any, b []byte) []byte {
		b = append(b, '[')
		for i, s := range get(o.(T)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	}}
}

// fastConst is a property with a constant rendering.
func fastConst(name, raw string) fastProp {
	return fastProp{name, func(_ *gctx, _ any, b []byte) []byte { return append(b, raw...) }}
}

func userFastProps() []fastProp {
	type U = *world.User
	return []fastProp{
		fastStr("id", func(u U) string { return u.ID }),
		fastStr("displayName", func(u U) string { return u.DisplayName }),
		fastNullStr("givenName", func(u U) string { return u.GivenName }),
		fastNullStr("surname", func(u U) string { return u.Surname }),
		fastStr("userPrincipalName", func(u U) string { return u.UserPrincipalName }),
		fastNullStr("mail", func(u U) string { return u.Mail }),
		fastStr("mailNickname", func(u U) string { nick, _, _ := strings.Cut(u.UserPrincipalName, "@"); return nick }),
		fastNullStr("jobTitle", func(u U) string { return u.JobTitle }),
		fastNullStr("department", func(u U) string { return u.Department }),
		fastNullStr("employeeId", func(u U) string { return u.EmployeeID }),
		fastNullStr("usageLocation", func(u U) string { return u.UsageLocation }),
		fastBool("accountEnabled", func(u U) bool { return u.AccountEnabled }),
		fastStr("userType", func(u U) string { return u.UserType }),
		fastNullBool("onPremisesSyncEnabled", func(u U) *bool { return u.OnPremisesSyncEnabled }),
		fastTime("createdDateTime", func(u U) time.Time { return u.CreatedDateTime }),
		fastNullTime("employeeLeaveDateTime", func(u U) *time.Time { return u.EmployeeLeaveDateTime }),
		fastConst("businessPhones", "[]"),
		fastConst("mobilePhone", "null"),
		fastConst("officeLocation", "null"),
		fastConst("preferredLanguage", `"en-US"`),
	}
}

func groupFastProps() []fastProp {
	type G = *world.Group
	return []fastProp{
		fastStr("id", func(g G) string { return g.ID }),
		fastStr("displayName", func(g G) string { return g.DisplayName }),
		fastNullStr("description", func(g G) string { return g.Description }),
		fastConst("classification", "null"),
		fastTime("createdDateTime", func(g G) time.Time { return g.CreatedDateTime }),
		fastStrs("groupTypes", func(g G) []string { return g.GroupTypes }),
		fastBool("isAssignableToRole", func(g G) bool { return g.IsAssignableToRole }),
		fastNullStr("mail", func(g G) string { return g.Mail }),
		fastBool("mailEnabled", func(g G) bool { return g.MailEnabled }),
		fastStr("mailNickname", func(g G) string { return g.MailNickname }),
		fastNullStr("membershipRule", func(g G) string { return g.MembershipRule }),
		fastNullBool("onPremisesSyncEnabled", func(g G) *bool { return g.OnPremisesSyncEnabled }),
		fastBool("securityEnabled", func(g G) bool { return g.SecurityEnabled }),
		fastNullStr("visibility", func(g G) string { return g.Visibility }),
	}
}

func servicePrincipalFastProps() []fastProp {
	type S = *world.ServicePrincipal
	return []fastProp{
		fastStr("id", func(s S) string { return s.ID }),
		fastStr("appId", func(s S) string { return s.AppID }),
		fastStr("displayName", func(s S) string { return s.DisplayName }),
		fastStr("appDisplayName", func(s S) string { return s.DisplayName }),
		fastStr("servicePrincipalType", func(s S) string { return s.ServicePrincipalType }),
		fastBool("accountEnabled", func(s S) bool { return s.AccountEnabled }),
		fastNullStr("appOwnerOrganizationId", func(s S) string { return s.AppOwnerOrganizationID }),
		fastBool("appRoleAssignmentRequired", func(s S) bool { return s.AppRoleAssignmentRequired }),
		fastStrs("alternativeNames", func(s S) []string { return s.AlternativeNames }),
		fastStrs("servicePrincipalNames", func(s S) []string { return s.ServicePrincipalNames }),
		fastStrs("tags", func(s S) []string { return s.Tags }),
		fastNullStr("signInAudience", func(s S) string { return s.SignInAudience }),
	}
}

// addFastPaths attaches the fast paths to the user, group and service principal sets (the directory
// object set resolves each item to one of them, so memberships use them too). A property that no longer
// exists is skipped.
func (gs *graphSets) addFastPaths() {
	for _, set := range []struct {
		es    *entitySet
		props []fastProp
	}{{gs.user, userFastProps()}, {gs.group, groupFastProps()}, {gs.servicePrincipal, servicePrincipalFastProps()}} {
		for _, fp := range set.props {
			if p := set.es.byLower[strings.ToLower(fp.name)]; p != nil {
				p.app = fp.app
			}
		}
	}
}
