package world

import (
	"math"
	"sort"
	"sync/atomic"
	"time"
)

// ChangeOp is what happened to a directory object in one journal entry.
type ChangeOp uint8

// Journal operations.
const (
	// ChangeObject: the object was created (Props nil) or some of its properties changed (Props).
	ChangeObject ChangeOp = iota + 1
	// ChangeDeleted: the object was deleted; Permanent tells a hard delete from a soft one.
	ChangeDeleted
	// ChangeMemberAdded and ChangeMemberRemoved: Member joined or left the group Object.
	ChangeMemberAdded
	ChangeMemberRemoved
)

// Change is one entry of the world's change journal. Sequence numbers are strictly increasing from 1;
// a delta query's state is "every change up to sequence N".
type Change struct {
	Seq    uint64
	Op     ChangeOp
	Object Ref // the user, group or service principal that changed
	Member Ref // ChangeMemberAdded / ChangeMemberRemoved
	// Props names the Graph properties a ChangeObject update touched; nil means the object was created.
	Props []string
	// Permanent marks a hard delete (Graph's @removed reason "deleted"); soft deletes are "changed".
	Permanent bool
}

// journal records the changes of users, groups, service principals and group memberships, so the
// simulator can answer delta queries. It also tracks the next expiry of a time-bound assignment.
type journal struct {
	epoch   uint64
	seq     uint64
	changes []Change
	// nextExpiry is the earliest End (Unix nanoseconds) of any time-bound assignment, MaxInt64 if none.
	nextExpiry int64
}

var journalEpochs atomic.Uint64

// j returns the journal, creating it on first use (safe under a read lock: creation is guarded by a
// sync.Once and only reads the world).
func (w *World) j() *journal {
	w.jonce.Do(func() {
		w.jr = &journal{epoch: journalEpochs.Add(1), nextExpiry: w.scanNextExpiry()}
	})
	return w.jr
}

// Epoch identifies this World value within the process: state derived from another world (after a reset)
// is recognisably stale.
func (w *World) Epoch() uint64 { return w.j().epoch }

// Seq is the sequence number of the latest change; 0 for a world nobody has changed.
func (w *World) Seq() uint64 { return w.j().seq }

// ChangesAfter returns the journal entries with a sequence number above seq, oldest first. The slice is
// shared with the journal: read it under the same lock and do not modify it.
func (w *World) ChangesAfter(seq uint64) []Change {
	cs := w.j().changes
	i := sort.Search(len(cs), func(i int) bool { return cs[i].Seq > seq })
	return cs[i:]
}

func (w *World) record(c Change) {
	jr := w.j()
	jr.seq++
	c.Seq = jr.seq
	jr.changes = append(jr.changes, c)
}

// ExpiryDue reports whether some time-bound assignment has reached its end at now.
func (w *World) ExpiryDue(now time.Time) bool { return w.j().nextExpiry <= now.UnixNano() }

// noteExpiry lowers the cached next expiry to end.
func (w *World) noteExpiry(end *time.Time) {
	if end == nil {
		return
	}
	jr := w.j()
	if n := end.UnixNano(); n < jr.nextExpiry {
		jr.nextExpiry = n
	}
}

func (w *World) scanNextExpiry() int64 {
	next := int64(math.MaxInt64)
	consider := func(end *time.Time) {
		if end != nil && end.UnixNano() < next {
			next = end.UnixNano()
		}
	}
	for _, a := range w.DirectoryAssignments {
		consider(a.End)
	}
	for _, a := range w.GroupAccess {
		consider(a.End)
	}
	for _, a := range w.ARMAssignments {
		consider(a.End)
	}
	return next
}

// Position is the user's place in listing order: users keep their relative order when others are
// created (appended) or deleted, so "the users after position p" is a stable cursor.
func (u *User) Position() uint64 { return u.pos }

// Position is the group's place in listing order (see User.Position).
func (g *Group) Position() uint64 { return g.pos }

// Position is the service principal's place in listing order (see User.Position).
func (s *ServicePrincipal) Position() uint64 { return s.pos }

// FirstUserFrom returns the index in Users of the first user whose position is at least pos.
func (w *World) FirstUserFrom(pos uint64) int {
	return sort.Search(len(w.Users), func(i int) bool { return w.Users[i].pos >= pos })
}

// FirstGroupFrom returns the index in Groups of the first group whose position is at least pos.
func (w *World) FirstGroupFrom(pos uint64) int {
	return sort.Search(len(w.Groups), func(i int) bool { return w.Groups[i].pos >= pos })
}

// FirstServicePrincipalFrom returns the index in ServicePrincipals of the first one whose position is
// at least pos.
func (w *World) FirstServicePrincipalFrom(pos uint64) int {
	return sort.Search(len(w.ServicePrincipals), func(i int) bool { return w.ServicePrincipals[i].pos >= pos })
}
