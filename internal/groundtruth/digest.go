package groundtruth

import (
	"hash/maphash"
	"slices"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
)

// Kind is what a key names.
type Kind int

// The kinds of keys, in report order.
const (
	Resources Kind = iota
	Entitlements
	Grants
)

func (k Kind) String() string { return [...]string{"resources", "entitlements", "grants"}[k] }

// seed is shared by every Digest of the process, so their hashes compare.
var seed = maphash.MakeSeed()

func hashResource(h *maphash.Hash, typ, id string) uint64 {
	h.Reset()
	_, _ = h.WriteString(typ)
	_ = h.WriteByte('/')
	_, _ = h.WriteString(id)
	return h.Sum64()
}

func hashEntitlement(h *maphash.Hash, id string) uint64 {
	h.Reset()
	_, _ = h.WriteString(id)
	return h.Sum64()
}

func hashGrant(h *maphash.Hash, eid, ptype, pid string) uint64 {
	h.Reset()
	_, _ = h.WriteString(eid)
	_, _ = h.WriteString(" -> ")
	_, _ = h.WriteString(ptype)
	_ = h.WriteByte('/')
	_, _ = h.WriteString(pid)
	return h.Sum64()
}

// Digest is a Sink that keeps the 64-bit hashes of the keys it receives: 8 bytes a key, so that a
// whole tenant's grants fit in memory. Seal sorts and deduplicates them. Not safe for concurrent use.
type Digest struct {
	h    maphash.Hash
	sets [3][]uint64
}

// NewDigest returns an empty digest.
func NewDigest() *Digest {
	d := &Digest{}
	d.h.SetSeed(seed)
	return d
}

// Resource implements Sink.
func (d *Digest) Resource(typ, id string) {
	d.sets[Resources] = append(d.sets[Resources], hashResource(&d.h, typ, id))
}

// Entitlement implements Sink.
func (d *Digest) Entitlement(id string) {
	d.sets[Entitlements] = append(d.sets[Entitlements], hashEntitlement(&d.h, id))
}

// Grant implements Sink.
func (d *Digest) Grant(eid, ptype, pid string) {
	d.sets[Grants] = append(d.sets[Grants], hashGrant(&d.h, eid, ptype, pid))
}

// FromResource, FromEntitlement and FromGrant give a sink what a c1z holds.
func FromResource(s Sink, r *v2.Resource) {
	s.Resource(r.GetId().GetResourceType(), r.GetId().GetResource())
}

// FromEntitlement gives a sink an entitlement of a c1z.
func FromEntitlement(s Sink, e *v2.Entitlement) { s.Entitlement(e.GetId()) }

// FromGrant gives a sink a grant of a c1z.
func FromGrant(s Sink, g *v2.Grant) {
	p := g.GetPrincipal().GetId()
	s.Grant(g.GetEntitlement().GetId(), p.GetResourceType(), p.GetResource())
}

// Seal sorts and deduplicates the hashes; call it before Len, Compare or Contains.
func (d *Digest) Seal() {
	for k := range d.sets {
		slices.Sort(d.sets[k])
		d.sets[k] = slices.Clip(slices.Compact(d.sets[k]))
	}
}

// Len is the number of distinct keys of a kind (after Seal).
func (d *Digest) Len(k Kind) int { return len(d.sets[k]) }

// Contains reports whether a sealed digest holds a hash.
func (d *Digest) Contains(k Kind, h uint64) bool {
	_, ok := slices.BinarySearch(d.sets[k], h)
	return ok
}

// Diff is the comparison of one kind of key.
type Diff struct {
	Kind      string `json:"kind"`
	Want      int    `json:"want"`
	Got       int    `json:"got"`
	Missing   int    `json:"missing"`
	Extra     int    `json:"extra"`
	Tolerated int    `json:"tolerated"` // missing, but in the tolerated set (grants inside a group nesting cycle)
	// MissingExamples and ExtraExamples name a few of them (filled by Name).
	MissingExamples []string `json:"missing_examples,omitempty"`
	ExtraExamples   []string `json:"extra_examples,omitempty"`

	missing, extra []uint64 // up to maxExamples hashes, to name
}

// Equal reports whether nothing is missing (beyond the tolerated) and nothing is extra.
func (d Diff) Equal() bool { return d.Missing == 0 && d.Extra == 0 }

const maxExamples = 5

// Compare compares a sealed expectation with a sealed synced digest; keys of tolerated (sealed, may be
// nil) may be missing.
func Compare(want, got, tolerated *Digest) []Diff {
	var out []Diff
	for k := Resources; k <= Grants; k++ {
		d := Diff{Kind: k.String(), Want: want.Len(k), Got: got.Len(k)}
		a, b := want.sets[k], got.sets[k]
		i, j := 0, 0
		for i < len(a) || j < len(b) {
			switch {
			case j == len(b) || (i < len(a) && a[i] < b[j]):
				if tolerated != nil && tolerated.Contains(k, a[i]) {
					d.Tolerated++
				} else {
					d.Missing++
					if len(d.missing) < maxExamples {
						d.missing = append(d.missing, a[i])
					}
				}
				i++
			case i == len(a) || b[j] < a[i]:
				d.Extra++
				if len(d.extra) < maxExamples {
					d.extra = append(d.extra, b[j])
				}
				j++
			default:
				i++
				j++
			}
		}
		out = append(out, d)
	}
	return out
}

// Namer is a Sink that records the printable keys of chosen hashes: pass it to Expect (for missing keys)
// or feed it a c1z (for extra ones) to name what Compare found.
type Namer struct {
	h     maphash.Hash
	want  [3]map[uint64]bool
	Names [3]map[uint64]string
}

// NewNamer returns a Namer for the missing (or, with extra, the extra) examples of diffs.
func NewNamer(diffs []Diff, extra bool) *Namer {
	n := &Namer{}
	n.h.SetSeed(seed)
	for k, d := range diffs {
		n.want[k], n.Names[k] = map[uint64]bool{}, map[uint64]string{}
		hs := d.missing
		if extra {
			hs = d.extra
		}
		for _, h := range hs {
			n.want[k][h] = true
		}
	}
	return n
}

// Empty reports whether there is nothing to name.
func (n *Namer) Empty() bool {
	for _, m := range n.want {
		if len(m) > 0 {
			return false
		}
	}
	return true
}

// Resource implements Sink.
func (n *Namer) Resource(typ, id string) {
	if h := hashResource(&n.h, typ, id); n.want[Resources][h] {
		n.Names[Resources][h] = ResourceKey(typ, id)
	}
}

// Entitlement implements Sink.
func (n *Namer) Entitlement(id string) {
	if h := hashEntitlement(&n.h, id); n.want[Entitlements][h] {
		n.Names[Entitlements][h] = id
	}
}

// Grant implements Sink.
func (n *Namer) Grant(eid, ptype, pid string) {
	if h := hashGrant(&n.h, eid, ptype, pid); n.want[Grants][h] {
		n.Names[Grants][h] = GrantKey(eid, ptype, pid)
	}
}

// Name fills the examples of diffs from the names n found.
func (n *Namer) Name(diffs []Diff, extra bool) {
	for k := range diffs {
		d := &diffs[k]
		hs := d.missing
		if extra {
			hs = d.extra
		}
		var names []string
		for _, h := range hs {
			if s, ok := n.Names[k][h]; ok {
				names = append(names, s)
			}
		}
		slices.Sort(names)
		if extra {
			d.ExtraExamples = names
		} else {
			d.MissingExamples = names
		}
	}
}
