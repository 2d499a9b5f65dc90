package azsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// actx is the context of one ARM request.
type actx struct {
	s      *Server
	r      *http.Request
	w      *world.World
	caller *caller
	vars   map[string]string
	now    time.Time
	grants []*world.ARMRoleAssignment // the caller's active role assignments
}

type armHandler func(c *actx) reply

// armRoute is one ARM route: method, a path pattern of literal segments (matched case-insensitively)
// and {variables}, the api-versions it accepts, and its handler.
type armRoute struct {
	method   string
	pattern  []string
	label    string
	versions []string
	h        armHandler
	write    bool // takes the world's write lock
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (rt *armRoute) match(method string, segs []string) (map[string]string, bool) {
	if method != rt.method || len(segs) != len(rt.pattern) {
		return nil, false
	}
	vars := map[string]string{}
	for i, p := range rt.pattern {
		if strings.HasPrefix(p, "{") {
			vars[strings.Trim(p, "{}")] = segs[i]
		} else if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return vars, true
}

// armRoutes builds ARM's route table. Role-based access routes are scope-relative and matched separately.
func (s *Server) armRoutes() http.Handler {
	routes := append(s.armRouteTable(), s.armWriteRoutes()...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := s.clock()
		segs := splitPath(r.URL.Path)
		rt, vars := findARMRoute(routes, r.Method, segs)
		if rt == nil {
			setRoute(r, "unmatched")
			renderARM(w, r, errorf(http.StatusNotFound, "InvalidResourceType", "The resource type could not be found in the namespace for api version "+r.URL.Query().Get("api-version")+": "+r.URL.Path))
			return
		}
		setRoute(r, rt.label)
		if rp, bad := checkAPIVersion(r, rt.versions); bad {
			renderARM(w, r, rp)
			return
		}
		c, aerr := s.authenticate(r, "arm")
		if aerr != nil {
			renderARM(w, r, fail(aerr))
			return
		}
		if rp, stop := s.armGate(w, r, c); stop { // throttling and faults (realism.go)
			renderARM(w, r, rp)
			return
		}
		s.lockWorld(rt.write, now)
		defer s.unlockWorld(rt.write)
		ac := &actx{s: s, r: r, w: s.world, caller: c, vars: vars, now: now}
		ac.grants = callerGrants(s.world, c.objectID)
		renderARM(w, r, rt.h(ac))
	})
}

// findARMRoute matches the fixed routes, then the Microsoft.Authorization routes at any scope.
func findARMRoute(routes []*armRoute, method string, segs []string) (*armRoute, map[string]string) {
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "providers") && strings.EqualFold(segs[i+1], "Microsoft.Authorization") {
			scope := "/" + strings.Join(segs[:i], "/")
			for _, rt := range routes {
				if rt.pattern[0] != "{scope}" {
					continue
				}
				if vars, matched := rt.match(method, append([]string{"{scope}"}, segs[i:]...)); matched {
					vars["scope"] = scope
					return rt, vars
				}
			}
			return nil, nil
		}
	}
	for _, rt := range routes {
		if rt.pattern[0] == "{scope}" {
			continue
		}
		if vars, matched := rt.match(method, segs); matched {
			return rt, vars
		}
	}
	return nil, nil
}

// checkAPIVersion enforces ARM's api-version rules.
func checkAPIVersion(r *http.Request, versions []string) (reply, bool) {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		return errorf(http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests."), true
	}
	for _, ok := range versions {
		if v == ok {
			return reply{}, false
		}
	}
	return errorf(http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf(
		"The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(versions, ","))), true
}

// callerGrants lists the active role assignments held directly by the caller's service principal.
func callerGrants(w *world.World, principalID string) []*world.ARMRoleAssignment {
	var out []*world.ARMRoleAssignment
	for _, a := range w.ARMAssignments {
		if !a.Eligible && strings.EqualFold(a.PrincipalID, principalID) {
			out = append(out, a)
		}
	}
	return out
}

// ancestors returns the normalized scope chain from s up to "/" (s included).
func ancestors(w *world.World, s string) []string {
	var out []string
	for cur := s; cur != ""; cur = w.ParentScope(cur) {
		out = append(out, world.NormalizeScope(cur))
		if cur == "/" {
			break
		}
	}
	return out
}

// allowed reports whether the caller may perform action at scope through an assignment at or above it.
func (c *actx) allowed(action, scope string) bool {
	if len(c.grants) == 0 {
		return false
	}
	chain := map[string]bool{}
	for _, a := range ancestors(c.w, scope) {
		chain[a] = true
	}
	for _, g := range c.grants {
		if !chain[world.NormalizeScope(g.Scope)] {
			continue
		}
		if role := c.w.ARMRole(g.RoleDefinition); role != nil && rolePermits(role, action) {
			return true
		}
	}
	return false
}

// authorize returns ARM's 403 unless the caller may perform action at scope.
func (c *actx) authorize(action, scope string) *apiError {
	if c.allowed(action, scope) {
		return nil
	}
	return &apiError{status: http.StatusForbidden, code: "AuthorizationFailed", message: fmt.Sprintf(
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. "+
			"If access was recently granted, please refresh your credentials.", c.caller.appID, c.caller.objectID, action, scope)}
}

func rolePermits(r *world.ARMRoleDefinition, action string) bool {
	for _, p := range r.Permissions {
		if anyMatch(p.Actions, action) && !anyMatch(p.NotActions, action) {
			return true
		}
	}
	return false
}

func anyMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if globMatch(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// globMatch matches an action against a pattern where * stands for any run of characters.
func globMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	rest := pattern[star+1:]
	for i := star; i <= len(s); i++ {
		if globMatch(rest, s[i:]) {
			return true
		}
	}
	return false
}

// page slices a list for ARM paging: value + absolute nextLink with an opaque $skipToken.
func (c *actx) page(items []any) reply {
	size := c.s.opts.ARMPageSize
	q := c.r.URL.Query()
	for _, k := range []string{"$top", "$maxpagesize"} {
		if v := q.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return errorf(http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("The value '%s' of query parameter '%s' is invalid.", v, k))
			}
			size = min(size, n)
		}
	}
	off := 0
	if tok := firstNonEmpty(q.Get("$skipToken"), q.Get("$skiptoken")); tok != "" {
		var valid bool
		if off, valid = decodeARMSkipToken(tok); !valid {
			return errorf(http.StatusBadRequest, "InvalidSkipToken", "The provided skip token '"+tok+"' is invalid.")
		}
	}
	if items == nil {
		items = []any{}
	}
	off = min(off, len(items))
	end := min(off+size, len(items))
	reportItems(c.r, end-off)
	body := map[string]any{"value": items[off:end]}
	if end < len(items) {
		body["nextLink"] = c.nextLink(end)
	}
	return ok(body)
}

func (c *actx) nextLink(offset int) string {
	return withSkipToken(c.r, "$skipToken", encodeARMSkipToken(offset))
}

func encodeARMSkipToken(off int) string {
	b, _ := json.Marshal(map[string]int{"nextPartitionKey": off})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeARMSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	var m map[string]int
	if json.Unmarshal(b, &m) != nil {
		return 0, false
	}
	off, found := m["nextPartitionKey"]
	return off, found && off >= 0
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// armNotFound is ARM's 404 for a missing resource of the given kind.
func armNotFound(code, msg string) reply { return errorf(http.StatusNotFound, code, msg) }

func toAny[T any](xs []T, f func(T) any) []any {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
