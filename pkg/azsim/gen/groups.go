package gen

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// groupKind is the shape of a group.
type groupKind uint8

const (
	groupSecurity            groupKind = iota // security-enabled, assigned membership
	groupM365                                 // "Unified", mail-enabled, not security-enabled
	groupDistribution                         // mail-enabled, not security-enabled
	groupMailEnabledSecurity                  // mail-enabled and security-enabled
	groupDynamicSecurity                      // security group with a membership rule
	groupDynamicM365                          // Microsoft 365 group with a membership rule
	groupRoleAssignable                       // security group that can hold directory roles
)

// groupInfo is what later steps need to know about a group without inspecting it.
type groupInfo struct {
	kind   groupKind
	synced bool
	// level is the group's depth in the nesting hierarchy (0..maxNesting); nesting edges only go from
	// level L to level L+1, so apart from the deliberate cycle the nesting graph is a DAG of depth
	// maxNesting. It is -1 for groups that never nest.
	level int
	size  int // direct user members
}

// maxNesting is the depth of the deepest group-in-group chain.
const maxNesting = 5

// Group kinds repeat with period 20 so that the first minGroups groups hold every kind and eight nestable
// security groups (for the depth-5 chain and the two-group cycle):
//
//	security 0 5 8 10 11 18 (and 9 unless role-assignable)   m365 1 15 16 19
//	security, AD-synced 2 6 12    distribution 13, AD-synced 3    mail-enabled security 7 17
//	dynamic security 4            dynamic m365 14                 role-assignable i%100 == 9
//
// That is 20 % AD-synced groups, 20 % Microsoft 365 groups and 1 % role-assignable groups.
func groupSlot(i int) (groupKind, bool) {
	switch i % 20 {
	case 1, 15, 16, 19:
		return groupM365, false
	case 2, 6, 12:
		return groupSecurity, true
	case 3:
		return groupDistribution, true
	case 13:
		return groupDistribution, false
	case 4:
		return groupDynamicSecurity, false
	case 14:
		return groupDynamicM365, false
	case 7, 17:
		return groupMailEnabledSecurity, false
	case 9:
		if i%100 == 9 {
			return groupRoleAssignable, false
		}
	}
	return groupSecurity, false
}

// nestableKind reports whether groups of the kind may contain, or be members of, other groups.
func nestableKind(k groupKind) bool { return k == groupSecurity || k == groupMailEnabledSecurity }

// groups creates every group with its attributes; members and owners are added by memberships once
// service principals exist.
func (b *builder) groups() error {
	n := b.spec.Groups
	sizes := zipfSizes(n, b.spec.Users, b.spec.Memberships)
	b.groupInfo = make([]groupInfo, n)
	store := make([]world.Group, n)
	b.w.Groups = make([]*world.Group, n)
	for i := range n {
		kind, synced := groupSlot(i)
		info := groupInfo{kind: kind, synced: synced, level: -1, size: sizes[i]}
		g := &store[i]
		r := b.group(i, info, g)
		switch {
		case kind == groupRoleAssignable:
			info.size = min(info.size, 2+r.IntN(8)) // privileged groups stay small
			b.roleAssignable = append(b.roleAssignable, i)
		case nestableKind(kind):
			b.nestable = append(b.nestable, i)
			info.level = r.IntN(maxNesting + 1)
		}
		if g.SecurityEnabled {
			b.securityGroups = append(b.securityGroups, i)
		}
		b.groupInfo[i] = info
		b.w.Groups[i] = g
	}
	// The first six nestable groups form the depth-5 chain, the next two the cycle; see nestingEdges.
	if len(b.nestable) < maxNesting+3 {
		return errNotEnough("nestable groups", maxNesting+3, len(b.nestable))
	}
	b.chain = b.nestable[:maxNesting+1]
	for lvl, g := range b.chain {
		b.groupInfo[g].level = lvl
	}
	b.cycle = [2]int{b.nestable[maxNesting+1], b.nestable[maxNesting+2]}
	for _, g := range b.cycle {
		b.groupInfo[g].level = -1
	}
	return nil
}

// group fills in the attributes of group i and returns its random stream for further draws.
func (b *builder) group(i int, info groupInfo, g *world.Group) *rand.Rand {
	r := newRand(b.seed, "group", i)
	d := b.dict
	topic := pick(r, d.groupTopics)
	idx := strconv.Itoa(i)
	g.ID = guid(b.seed, "group", i)
	g.CreatedDateTime = between(r, -1500, dayRecentStart)
	switch info.kind {
	case groupSecurity:
		g.SecurityEnabled = true
		if info.synced {
			g.DisplayName = "GRP_" + topic + "_" + pick(r, []string{"Users", "Staff", "FileShare", "VPN"}) + "_" + idx
			g.Description = "Synchronized from on-premises Active Directory"
		} else {
			g.DisplayName = "SG-" + topic + "-" + pick(r, []string{"Readers", "Admins", "Users", "Contributors", "Team"}) + "-" + idx
			g.Description = topic + " security group"
		}
	case groupM365:
		g.DisplayName = topic + " " + pick(r, []string{"Team", "Project", "Community", "Leadership"}) + " " + idx
		g.Description = "Microsoft 365 group for " + topic
		g.GroupTypes = []string{"Unified"}
		g.MailEnabled = true
		g.Visibility = pick(r, []string{"Public", "Private", "Private"})
	case groupDistribution:
		g.DisplayName = "DL-" + topic + "-All-" + idx
		g.Description = "Distribution list for " + topic
		g.MailEnabled = true
	case groupMailEnabledSecurity:
		g.DisplayName = "MESG-" + topic + "-" + idx
		g.Description = "Mail-enabled security group for " + topic
		g.MailEnabled, g.SecurityEnabled = true, true
	case groupDynamicSecurity, groupDynamicM365:
		dept := pick(r, d.departments)
		g.DisplayName = "DYN-" + dept + "-" + idx
		g.Description = "All " + dept + " staff (dynamic)"
		g.GroupTypes = []string{"DynamicMembership"}
		g.MembershipRule = `(user.department -eq "` + dept + `") and (user.accountEnabled -eq true)`
		g.SecurityEnabled = true
		if info.kind == groupDynamicM365 {
			g.GroupTypes = []string{"Unified", "DynamicMembership"}
			g.SecurityEnabled, g.MailEnabled = false, true
			g.Visibility = "Private"
		}
	case groupRoleAssignable:
		g.DisplayName = "PRIV-" + topic + "-Admins-" + idx
		g.Description = "Role-assignable group for privileged access"
		g.SecurityEnabled, g.IsAssignableToRole = true, true
		g.Visibility = "Private"
	}
	g.MailNickname = slug(g.DisplayName)
	if g.MailEnabled {
		g.Mail = g.MailNickname + "@" + b.w.Tenant.DefaultDomain
	}
	if info.synced {
		g.OnPremisesSyncEnabled = boolPtr(true)
	}
	return r
}

// zipfSizes returns the direct user-member count of each of n groups over users users: group i (rank i+1)
// gets min(cap, round(A·(i+1)^-1)) members, with A chosen by bisection so the sizes add up to about target
// and cap = MaxGroupShare of the users.
func zipfSizes(n, users, target int) []int {
	sizes := make([]int, n)
	capSize := float64(max(1, int(MaxGroupShare*float64(users))))
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1 / float64(i+1)
	}
	total := func(a float64) int {
		t := 0
		for _, w := range weights {
			t += int(math.Min(capSize, math.Round(a*w)))
		}
		return t
	}
	lo, hi := 0.0, capSize*float64(n)+1
	if total(hi) <= target { // unreachable target: every group at the cap
		lo = hi
	}
	for range 64 {
		if hi-lo < 0.5 {
			break
		}
		mid := (lo + hi) / 2
		if total(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	for i, w := range weights {
		sizes[i] = int(math.Min(capSize, math.Round(lo*w)))
	}
	return sizes
}
