package azsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// ChurnSpec says how much of the world one churn round changes. Each field is a percentage (0–100) of the
// current population of its kind; a positive percentage of a non-empty population changes at least one
// object. The same world, spec and seed always make the same changes.
type ChurnSpec struct {
	// Seed of the round's random choices; 0 derives one from the server's seed and a round counter.
	Seed uint64 `json:"seed,omitempty"`
	// AddUsers, RemoveUsers and DisableUsers are percentages of the current users created, deleted
	// (soft: Graph delta reports @removed reason "changed") and disabled (of the enabled ones).
	AddUsers     float64 `json:"addUsers,omitempty"`
	RemoveUsers  float64 `json:"removeUsers,omitempty"`
	DisableUsers float64 `json:"disableUsers,omitempty"`
	// Memberships is a percentage of the current direct group memberships changed: half removed, half
	// added (users joining groups of any kind — churn stands for what happens outside Graph too, e.g.
	// dynamic rules and on-premises sync).
	Memberships float64 `json:"memberships,omitempty"`
	// RoleAssignments is a percentage of the active directory role assignments changed: half removed, half
	// added (built-in roles to users, tenant-wide).
	RoleAssignments float64 `json:"roleAssignments,omitempty"`
	// RBACAssignments is a percentage of the active Azure role assignments changed: half removed, half added
	// (built-in roles to users at subscription or resource-group scope). The registered apps' own
	// assignments are never touched.
	RBACAssignments float64 `json:"rbacAssignments,omitempty"`
}

// ChurnMembership is one membership a churn round added or removed.
type ChurnMembership struct {
	Group  string `json:"group"`
	Member string `json:"member"`
}

// ChurnSummary lists what a churn round changed (ids; RBAC assignments by name).
type ChurnSummary struct {
	Seed                   uint64            `json:"seed"`
	UsersAdded             []string          `json:"usersAdded"`
	UsersRemoved           []string          `json:"usersRemoved"`
	UsersDisabled          []string          `json:"usersDisabled"`
	MembershipsAdded       []ChurnMembership `json:"membershipsAdded"`
	MembershipsRemoved     []ChurnMembership `json:"membershipsRemoved"`
	RoleAssignmentsAdded   []string          `json:"roleAssignmentsAdded"`
	RoleAssignmentsRemoved []string          `json:"roleAssignmentsRemoved"`
	RBACAssignmentsAdded   []string          `json:"rbacAssignmentsAdded"`
	RBACAssignmentsRemoved []string          `json:"rbacAssignmentsRemoved"`
	// Seq is the journal sequence after the round (delta tokens issued before cover everything up to it).
	Seq uint64 `json:"seq"`
}

func (cs ChurnSpec) validate() error {
	for name, v := range map[string]float64{"addUsers": cs.AddUsers, "removeUsers": cs.RemoveUsers, "disableUsers": cs.DisableUsers,
		"memberships": cs.Memberships, "roleAssignments": cs.RoleAssignments, "rbacAssignments": cs.RBACAssignments} {
		if v < 0 || v > 100 || math.IsNaN(v) {
			return fmt.Errorf("azsim: churn %s must be a percentage between 0 and 100, got %v", name, v)
		}
	}
	return nil
}

// share turns a percentage of n into a count: rounded, at least 1 when both are positive, at most n.
func share(pct float64, n int) int {
	if pct <= 0 || n <= 0 {
		return 0
	}
	k := int(math.Round(pct / 100 * float64(n)))
	return min(max(k, 1), n)
}

// Churn mutates the world deterministically from spec (see ChurnSpec) and returns what changed. The
// changes are visible at once in every read, in delta queries and in the truth export.
func (s *Server) Churn(spec ChurnSpec) (ChurnSummary, error) {
	if err := spec.validate(); err != nil {
		return ChurnSummary{}, err
	}
	now := s.clock()
	s.lockWorld(true, now)
	defer s.unlockWorld(true)
	if spec.Seed == 0 {
		spec.Seed = s.opts.Seed*1_000_003 + s.writes.churns.Add(1)
	}
	c := &churner{w: s.world, r: rand.New(rand.NewPCG(spec.Seed, 0x9e3779b97f4a7c15)), now: now.UTC().Truncate(time.Second),
		sum: ChurnSummary{Seed: spec.Seed}, protected: map[string]bool{}}
	for _, a := range s.world.Apps {
		c.protected[a.ServicePrincipalID] = true
	}
	c.users(spec)
	c.memberships(spec.Memberships)
	c.roles(spec.RoleAssignments)
	c.rbac(spec.RBACAssignments)
	c.sum.Seq = s.world.Seq()
	return c.sum, nil
}

type churner struct {
	w         *world.World
	r         *rand.Rand
	now       time.Time
	sum       ChurnSummary
	protected map[string]bool // registered apps' service principals
	n         int
}

// id returns a deterministic id for the round's n-th new object.
func (c *churner) id() string {
	c.n++
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("azsim/churn/"+strconv.FormatUint(c.sum.Seed, 10)+"/"+strconv.Itoa(c.n))).String()
}

// sample picks k distinct indexes of [0, n) in random order.
func (c *churner) sample(n, k int) []int {
	if k <= 0 || n <= 0 {
		return nil
	}
	return c.r.Perm(n)[:min(k, n)]
}

func (c *churner) users(spec ChurnSpec) {
	w := c.w
	n := len(w.Users)
	// Deletions and disables are chosen among the users that existed before the round.
	var remove, disable []string
	for _, i := range c.sample(n, share(spec.RemoveUsers, n)) {
		remove = append(remove, w.Users[i].ID)
	}
	var enabled []*world.User
	for _, u := range w.Users {
		if u.AccountEnabled && !slices.Contains(remove, u.ID) {
			enabled = append(enabled, u)
		}
	}
	for _, i := range c.sample(len(enabled), share(spec.DisableUsers, len(enabled))) {
		disable = append(disable, enabled[i].ID)
	}
	for range share(spec.AddUsers, n) {
		id := c.id()
		nick := "churn." + strings.ReplaceAll(id[:13], "-", "")
		u := &world.User{ID: id, DisplayName: "Churn User " + strings.ToUpper(id[:8]), GivenName: "Churn", Surname: strings.ToUpper(id[:8]),
			UserPrincipalName: nick + "@" + w.Tenant.DefaultDomain, Mail: nick + "@" + w.Tenant.DefaultDomain, AccountEnabled: true,
			UserType: "Member", UsageLocation: "US", CreatedDateTime: c.now, MailboxPurpose: "user"}
		if w.AddUser(u) == nil {
			c.sum.UsersAdded = append(c.sum.UsersAdded, id)
		}
	}
	for _, id := range disable {
		if _, err := w.UpdateUser(id, func(u *world.User) { u.AccountEnabled = false }); err == nil {
			c.sum.UsersDisabled = append(c.sum.UsersDisabled, id)
		}
	}
	w.DeleteUsers(remove, false)
	c.sum.UsersRemoved = append(c.sum.UsersRemoved, remove...)
}

func (c *churner) memberships(pct float64) {
	w := c.w
	total := 0
	for _, g := range w.Groups {
		total += len(g.Members)
	}
	k := share(pct, total)
	if k == 0 {
		return
	}
	// Memberships an active PIM for Groups assignment grants stay (PIM owns them).
	pim := map[string]bool{}
	for _, a := range w.GroupAccess {
		if !a.Eligible {
			pim[a.GroupID+"|"+a.Principal.ID] = true
		}
	}
	removals, additions := k/2, k-k/2
	if total == 0 {
		removals, additions = 0, k
	}
	for range removals {
		at := c.r.IntN(total)
		for _, g := range w.Groups {
			if at >= len(g.Members) {
				at -= len(g.Members)
				continue
			}
			m := g.Members[at]
			if !pim[g.ID+"|"+m.ID] && w.RemoveGroupMember(g.ID, m.ID) == nil {
				c.sum.MembershipsRemoved = append(c.sum.MembershipsRemoved, ChurnMembership{Group: g.ID, Member: m.ID})
				total--
			}
			break
		}
		if total == 0 {
			break
		}
	}
	if len(w.Groups) == 0 || len(w.Users) == 0 {
		return
	}
	for range additions {
		for attempt := 0; attempt < 8; attempt++ {
			g := w.Groups[c.r.IntN(len(w.Groups))]
			u := w.Users[c.r.IntN(len(w.Users))]
			if w.AddGroupMember(g.ID, world.Ref{Kind: world.KindUser, ID: u.ID}) == nil {
				c.sum.MembershipsAdded = append(c.sum.MembershipsAdded, ChurnMembership{Group: g.ID, Member: u.ID})
				break
			}
		}
	}
}

func (c *churner) roles(pct float64) {
	w := c.w
	var active []*world.DirectoryRoleAssignment
	for _, a := range w.DirectoryAssignments {
		if !a.Eligible && !c.protected[a.Principal.ID] {
			active = append(active, a)
		}
	}
	k := share(pct, len(active))
	if k == 0 {
		return
	}
	removals := k / 2
	for _, i := range c.sample(len(active), removals) {
		if w.RemoveDirectoryAssignment(active[i].ID) != nil {
			c.sum.RoleAssignmentsRemoved = append(c.sum.RoleAssignmentsRemoved, active[i].ID)
		}
	}
	var builtIn []*world.DirectoryRoleDefinition
	for _, r := range w.DirectoryRoles {
		if r.IsBuiltIn {
			builtIn = append(builtIn, r)
		}
	}
	if len(builtIn) == 0 || len(w.Users) == 0 {
		return
	}
	for range k - removals {
		for attempt := 0; attempt < 8; attempt++ {
			role := builtIn[c.r.IntN(len(builtIn))]
			u := w.Users[c.r.IntN(len(w.Users))]
			dup := false
			for _, a := range w.DirectoryAssignments {
				if !a.Eligible && a.RoleDefinitionID == role.ID && a.Principal.ID == u.ID && a.DirectoryScopeID == "/" {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			start := c.now
			a := &world.DirectoryRoleAssignment{ID: roleAssignmentID(role.ID, u.ID, "/"), RoleDefinitionID: role.ID,
				Principal: world.Ref{Kind: world.KindUser, ID: u.ID}, DirectoryScopeID: "/", Start: &start}
			if w.Tenant.HasP2 {
				a.ScheduleID = c.id()
			}
			w.AddDirectoryAssignment(a)
			c.sum.RoleAssignmentsAdded = append(c.sum.RoleAssignmentsAdded, a.ID)
			break
		}
	}
}

func (c *churner) rbac(pct float64) {
	w := c.w
	var active []*world.ARMRoleAssignment
	for _, a := range w.ARMAssignments {
		if !a.Eligible && !c.protected[strings.ToLower(a.PrincipalID)] {
			active = append(active, a)
		}
	}
	k := share(pct, len(active))
	if k == 0 {
		return
	}
	removals := k / 2
	for _, i := range c.sample(len(active), removals) {
		if a := w.RemoveARMAssignment(active[i].Scope, active[i].Name, false); a != nil {
			c.sum.RBACAssignmentsRemoved = append(c.sum.RBACAssignmentsRemoved, a.Name)
		}
	}
	var scopes []string
	for _, s := range w.Subscriptions {
		scopes = append(scopes, s.Scope())
	}
	for _, rg := range w.ResourceGroups {
		scopes = append(scopes, rg.Scope())
	}
	var roles []*world.ARMRoleDefinition
	for _, r := range w.ARMRoles {
		if r.Type == "BuiltInRole" {
			roles = append(roles, r)
		}
	}
	if len(scopes) == 0 || len(roles) == 0 || len(w.Users) == 0 {
		return
	}
	for range k - removals {
		for attempt := 0; attempt < 8; attempt++ {
			scope := scopes[c.r.IntN(len(scopes))]
			role := roles[c.r.IntN(len(roles))]
			u := w.Users[c.r.IntN(len(w.Users))]
			dup := false
			for _, a := range w.ARMAssignments {
				if !a.Eligible && a.RoleDefinition == role.Name && strings.EqualFold(a.PrincipalID, u.ID) &&
					world.NormalizeScope(a.Scope) == world.NormalizeScope(scope) {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			a := &world.ARMRoleAssignment{Name: c.id(), Scope: scope, RoleDefinition: role.Name, PrincipalID: u.ID,
				PrincipalType: "User", CreatedOn: c.now}
			w.AddARMAssignment(a)
			c.sum.RBACAssignmentsAdded = append(c.sum.RBACAssignmentsAdded, a.Name)
			break
		}
	}
}

// churnSpecFromRequest reads a ChurnSpec from a JSON body or query parameters (add_users, remove_users,
// disable_users, users — all three user kinds —, memberships, roles, rbac, seed).
func churnSpecFromRequest(r *http.Request) (ChurnSpec, error) {
	var spec ChurnSpec
	if r.Body != nil && r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil && !errors.Is(err, io.EOF) {
			return spec, fmt.Errorf("azsim: churn body: %w", err)
		}
	}
	q := r.URL.Query()
	for k := range q {
		v := q.Get(k)
		if k == "seed" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return spec, fmt.Errorf("azsim: churn seed must be an unsigned integer")
			}
			spec.Seed = n
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return spec, fmt.Errorf("azsim: churn %s must be a number, got %q", k, v)
		}
		switch k {
		case "users":
			spec.AddUsers, spec.RemoveUsers, spec.DisableUsers = f, f, f
		case "add_users":
			spec.AddUsers = f
		case "remove_users":
			spec.RemoveUsers = f
		case "disable_users":
			spec.DisableUsers = f
		case "memberships":
			spec.Memberships = f
		case "roles":
			spec.RoleAssignments = f
		case "rbac":
			spec.RBACAssignments = f
		default:
			return spec, fmt.Errorf("azsim: unknown churn parameter %q (known: users, add_users, remove_users, disable_users, memberships, roles, rbac, seed)", k)
		}
	}
	return spec, spec.validate()
}

// registerChurnAdmin serves POST /_azsim/churn.
func (s *Server) registerChurnAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /_azsim/churn", func(w http.ResponseWriter, r *http.Request) {
		spec, err := churnSpecFromRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum, err := s.Churn(spec)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, sum, "application/json")
	})
}
