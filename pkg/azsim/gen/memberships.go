package gen

import (
	"math/rand/v2"
	"slices"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// nestingEdges returns, for every group, the indexes of the groups it directly contains:
//   - the chain: chain[k] contains chain[k+1], five levels deep;
//   - the cycle: cycle[0] and cycle[1] contain each other, the only cycle in the world;
//   - a few random edges from nestable groups of level L to groups of level L+1 (stream "nesting"), which
//     can neither deepen the hierarchy nor close another cycle.
func (b *builder) nestingEdges() [][]int {
	children := make([][]int, len(b.w.Groups))
	for k := 0; k+1 < len(b.chain); k++ {
		children[b.chain[k]] = append(children[b.chain[k]], b.chain[k+1])
	}
	children[b.cycle[0]] = append(children[b.cycle[0]], b.cycle[1])
	children[b.cycle[1]] = append(children[b.cycle[1]], b.cycle[0])

	var byLevel [maxNesting + 1][]int
	for _, g := range b.nestable {
		if lvl := b.groupInfo[g].level; lvl >= 0 {
			byLevel[lvl] = append(byLevel[lvl], g)
		}
	}
	for _, p := range b.nestable {
		lvl := b.groupInfo[p].level
		if lvl < 0 || lvl == maxNesting {
			continue
		}
		r := newRand(b.seed, "nesting", p)
		if !chance(r, 0.06) {
			continue
		}
		for range 1 + r.IntN(3) {
			if c := pick(r, byLevel[lvl+1]); !slices.Contains(children[p], c) {
				children[p] = append(children[p], c)
			}
		}
	}
	return children
}

// memberships fills in every group's members and owners, in parallel batches.
func (b *builder) memberships() error {
	children := b.nestingEdges()
	spPool := make([]*world.ServicePrincipal, 0, len(b.appSPs)+len(b.miSPs))
	spPool = append(append(spPool, b.appSPs...), b.miSPs...)
	parallel(len(b.w.Groups), func(lo, hi int) {
		for g := lo; g < hi; g++ {
			b.groupMembers(g, children[g], spPool)
			b.groupOwners(g)
		}
	})
	return nil
}

// groupMembers draws group g's direct members from stream (seed, "members", g). Users are chosen
// distinctly in O(size) by walking the user index space from a random offset with a random stride coprime
// to its length. Role-assignable groups draw from members only (no guests).
func (b *builder) groupMembers(g int, children []int, spPool []*world.ServicePrincipal) {
	r := newRand(b.seed, "members", g)
	info := b.groupInfo[g]
	users := b.w.Users
	space := len(users)
	at := func(j int) *world.User { return users[j] }
	if info.kind == groupRoleAssignable {
		space = len(b.memberUsers)
		at = func(j int) *world.User { return users[b.memberUsers[j]] }
	}
	k := min(info.size, space)
	spMembers := 0
	if g%20 == 8 && len(spPool) > 0 {
		spMembers = 1 + r.IntN(2)
	}
	members := make([]world.Ref, 0, k+len(children)+spMembers)
	for _, j := range distinctIndexes(r, space, k) {
		members = append(members, world.Ref{Kind: world.KindUser, ID: at(j).ID})
	}
	for _, c := range children {
		members = append(members, world.Ref{Kind: world.KindGroup, ID: b.w.Groups[c].ID})
	}
	start := r.IntN(len(spPool) + 1)
	for j := range min(spMembers, len(spPool)) {
		sp := spPool[(start+j)%len(spPool)]
		members = append(members, world.Ref{Kind: world.KindServicePrincipal, ID: sp.ID})
	}
	b.w.Groups[g].Members = members
}

// groupOwners gives cloud groups one or two owners among the members, and every 50th group the
// provisioning app as an extra owner. Groups synchronized from AD have no cloud owners.
func (b *builder) groupOwners(g int) {
	if b.groupInfo[g].synced {
		return
	}
	r := newRand(b.seed, "owners", g)
	var owners []world.Ref
	for _, j := range distinctIndexes(r, len(b.memberUsers), 1+r.IntN(2)) {
		owners = append(owners, world.Ref{Kind: world.KindUser, ID: b.w.Users[b.memberUsers[j]].ID})
	}
	if g%50 == 10 && len(b.registered) > 1 {
		owners = append(owners, world.Ref{Kind: world.KindServicePrincipal, ID: b.registered[1].ID})
	}
	b.w.Groups[g].Owners = owners
}

// distinctIndexes returns k distinct indexes in [0, n) in O(k): a random offset plus multiples of a random
// stride coprime with n.
func distinctIndexes(r *rand.Rand, n, k int) []int {
	k = min(k, n)
	if k <= 0 {
		return nil
	}
	out := make([]int, k)
	idx, stride := r.IntN(n), coprimeStride(r, n)
	for j := range out {
		out[j] = idx
		idx += stride
		if idx >= n {
			idx -= n
		}
	}
	return out
}

// coprimeStride returns a random stride in [1, n) coprime with n (1 when n <= 2).
func coprimeStride(r *rand.Rand, n int) int {
	if n <= 2 {
		return 1
	}
	s := 1 + r.IntN(n-1)
	for gcd(s, n) != 1 {
		if s++; s == n {
			s = 1
		}
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
