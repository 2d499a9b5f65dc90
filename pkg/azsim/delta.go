package azsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/internal/odata"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Delta queries (/users/delta, /groups/delta, /servicePrincipals/delta) are served from the world's change
// journal (world/journal.go). A round starts with a full pass over the current objects — keyset-paged by
// listing position, so creations and deletions during the pass do not shift it — and ends with a deltaLink
// meaning "every change after sequence N", N being the journal's sequence when the round started. A
// deltaLink replays the changes after N (coalesced per object, current state) and ends with the next one.
// Links carry their query options and expire DeltaLinkLifetime after they were issued (410 Gone, resync).

const (
	deltaTokenPrefix      = "azsimDelta."
	defaultDeltaPageSize  = 100
	defaultDeltaLifetime  = 7 * 24 * time.Hour
	maxDeltaPreferredSize = 999
)

// deltaToken is the state a delta nextLink ($skiptoken) or deltaLink ($deltatoken) carries.
type deltaToken struct {
	Kind    string   `json:"k"`           // users, groups, servicePrincipals
	Sel     []string `json:"s,omitempty"` // $select (without members)
	Members bool     `json:"m,omitempty"` // members@delta requested
	IDs     []string `json:"f,omitempty"` // $filter=id eq … or …
	Phase   string   `json:"p"`           // "i": initial full pass, "c": changes
	From    uint64   `json:"n"`           // initial: journal sequence at the start; changes: after this sequence
	To      uint64   `json:"t,omitempty"` // changes: up to this sequence (0 until the first page fixes it)
	Pos     uint64   `json:"o,omitempty"` // initial: next listing position; changes: next item index
	MOff    int      `json:"mo,omitempty"`
	Epoch   uint64   `json:"e"`
	Issued  int64    `json:"at"` // Unix seconds on azsim's clock
}

func (t *deltaToken) encode() string {
	b, _ := json.Marshal(t)
	return deltaTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func decodeDeltaToken(s string) (*deltaToken, bool) {
	rest, found := strings.CutPrefix(s, deltaTokenPrefix)
	if !found {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, false
	}
	var t deltaToken
	if json.Unmarshal(b, &t) != nil || (t.Phase != "i" && t.Phase != "c") {
		return nil, false
	}
	return &t, true
}

func (s *Server) deltaLifetime() time.Duration {
	if s.opts.DeltaLinkLifetime > 0 {
		return s.opts.DeltaLinkLifetime
	}
	return defaultDeltaLifetime
}

// registerDelta registers the delta functions, with the short and the fully qualified names.
func (s *Server) registerDelta(reg func(pattern string, perms []string, h graphHandler)) {
	for _, k := range []struct {
		kind  string
		perms []string
	}{{"users", permsUsers()}, {"groups", permsGroups()}, {"servicePrincipals", permsApps()}} {
		kind := k.kind
		for _, fn := range []string{"delta", "delta()", "microsoft.graph.delta", "microsoft.graph.delta()"} {
			reg("GET /{ver}/"+kind+"/"+fn, k.perms, func(c *gctx) reply { return c.delta(kind) })
		}
	}
}

func (c *gctx) deltaSet(kind string) *entitySet {
	switch kind {
	case "users":
		return c.s.gs.user
	case "groups":
		return c.s.gs.group
	}
	return c.s.gs.servicePrincipal
}

// deltaOptions parses the query options of a delta round's first request.
func (c *gctx) deltaOptions(kind string) (*deltaToken, *apiError) {
	t := &deltaToken{Kind: kind}
	vals := c.r.URL.Query()
	for k := range vals {
		switch strings.ToLower(k) {
		case "$select", "$expand", "$filter", "$deltatoken", "$skiptoken":
		default:
			if strings.HasPrefix(k, "$") {
				return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "The query option '" + k + "' is not supported with delta queries."}
			}
		}
	}
	es := c.deltaSet(kind)
	if raw := vals.Get("$select"); raw != "" {
		var rest []string
		for _, item := range strings.Split(raw, ",") {
			if kind == "groups" && strings.EqualFold(strings.TrimSpace(item), "members") {
				t.Members = true
				continue
			}
			rest = append(rest, item)
		}
		if len(rest) > 0 {
			sel, err := odata.Select(strings.Join(rest, ","), es.names(), es.typeName)
			if err != nil {
				return nil, odataErr(err)
			}
			t.Sel = sel
		}
	}
	if raw := vals.Get("$expand"); raw != "" {
		if kind != "groups" || !strings.EqualFold(strings.TrimSpace(raw), "members") {
			return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "Only $expand=members is supported with groups delta queries."}
		}
		t.Members = true
	}
	if raw := vals.Get("$filter"); raw != "" {
		e, err := odata.ParseFilter(raw)
		if err != nil {
			return nil, odataErr(err)
		}
		ids, valid := idDisjunction(e)
		if !valid {
			return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "Delta queries support only $filter=id eq '{id}' [or id eq '{id}' …]."}
		}
		t.IDs = ids
	}
	return t, nil
}

// idDisjunction accepts "id eq 'a' or id eq 'b' …" and returns the ids.
func idDisjunction(e odata.Expr) ([]string, bool) {
	switch x := e.(type) {
	case odata.Binary:
		if !strings.EqualFold(x.Op, "or") {
			return nil, false
		}
		l, okL := idDisjunction(x.Left)
		r, okR := idDisjunction(x.Right)
		return append(l, r...), okL && okR
	case odata.Compare:
		pr, isProp := x.Left.(odata.PropertyRef)
		lit, isLit := x.Right.(odata.Literal)
		s, isStr := lit.Value.(string)
		if isProp && isLit && isStr && strings.EqualFold(pr.Path, "id") && strings.EqualFold(x.Op, "eq") {
			return []string{strings.ToLower(s)}, true
		}
	}
	return nil, false
}

// delta serves one delta page.
func (c *gctx) delta(kind string) reply {
	vals := c.r.URL.Query()
	var t *deltaToken
	raw := vals.Get("$skiptoken")
	if raw == "" {
		raw = vals.Get("$deltatoken")
	}
	switch {
	case raw == "" || raw == "latest":
		var aerr *apiError
		if t, aerr = c.deltaOptions(kind); aerr != nil {
			return fail(aerr)
		}
		t.Phase, t.From, t.Epoch = "i", c.w.Seq(), c.w.Epoch()
		if raw == "latest" {
			t.Phase = "c"
			return c.deltaPage(t, 0, false, true)
		}
	default:
		var valid bool
		if t, valid = decodeDeltaToken(raw); !valid || t.Kind != kind {
			return errorf(http.StatusBadRequest, "Request_BadRequest", "The delta token or skip token is invalid.")
		}
		if t.Epoch != c.w.Epoch() || c.now.Sub(time.Unix(t.Issued, 0)) > c.s.deltaLifetime() || t.From > c.w.Seq() {
			return c.deltaGone(t)
		}
	}
	if t.Phase == "c" && t.To == 0 {
		t.To, t.Pos, t.MOff = c.w.Seq(), 0, 0
	}
	n, preferred := c.deltaPageSize()
	return c.deltaPage(t, n, preferred, false)
}

// deltaGone is the answer to an expired (or foreign) token: 410 with a Location that starts a new round
// with the same query options (an empty $deltatoken), which is Graph's "full resync required".
func (c *gctx) deltaGone(t *deltaToken) reply {
	q := url.Values{}
	sel := slices.Clone(t.Sel)
	if t.Members {
		sel = append(sel, "members")
	}
	if len(sel) > 0 {
		q.Set("$select", strings.Join(sel, ","))
	}
	if len(t.IDs) > 0 {
		var parts []string
		for _, id := range t.IDs {
			parts = append(parts, "id eq '"+id+"'")
		}
		q.Set("$filter", strings.Join(parts, " or "))
	}
	loc := "https://" + c.r.Host + "/" + c.ver + "/" + t.Kind + "/delta?"
	if enc := q.Encode(); enc != "" {
		loc += enc + "&"
	}
	loc += "$deltatoken="
	return reply{err: &apiError{status: http.StatusGone, code: "syncStateNotFound",
		message: "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
		header:  http.Header{"Location": {loc}}}}
}

// deltaPageSize is the entry budget of a page: Prefer: odata.maxpagesize, else Options.DeltaPageSize.
// preferred reports that the Prefer header chose it (Graph then answers Preference-Applied).
func (c *gctx) deltaPageSize() (n int, preferred bool) {
	n = c.s.opts.DeltaPageSize
	if n <= 0 {
		n = defaultDeltaPageSize
	}
	for _, pref := range c.r.Header.Values("Prefer") {
		for _, p := range strings.Split(pref, ",") {
			if v, found := strings.CutPrefix(strings.TrimSpace(strings.ToLower(p)), "odata.maxpagesize="); found {
				if m, err := strconv.Atoi(v); err == nil && m >= 1 {
					n, preferred = min(m, maxDeltaPreferredSize), true
				}
			}
		}
	}
	return max(n, 2), preferred // an object and at least one member
}

// deltaEntry is one object of a delta page: present (with members@delta entries) or removed.
type deltaEntry struct {
	obj       any // *world.User, *world.Group, *world.ServicePrincipal; nil when removed
	ref       world.Ref
	removed   string // @removed reason
	members   []world.Ref
	memberOut []bool // per member: true when it left the group
	all       bool   // members are the complete current list (initial pass, created group)
}

// deltaPage renders the page that starts at t and the link that follows it.
func (c *gctx) deltaPage(t *deltaToken, budget int, preferred, latest bool) reply {
	next := *t
	next.Issued = c.now.Unix()
	var entries []deltaEntry
	var memberSlices [][2]int
	done := true
	if !latest {
		used := 0
		// place puts e on the page with its members from moff on, as many as fit; it reports whether e was
		// placed and where its member slice ends.
		place := func(e deltaEntry, moff int) (bool, int) {
			if used >= budget {
				return false, moff
			}
			rest := len(e.members) - moff
			room := budget - used - 1
			if used == 0 {
				room = max(room, 1)
			}
			if rest > 0 && room < 1 {
				return false, moff
			}
			take := max(min(rest, room), 0)
			entries = append(entries, e)
			memberSlices = append(memberSlices, [2]int{moff, moff + take})
			used += 1 + take
			return true, moff + take
		}
		if t.Phase == "i" {
			done = c.initialEntries(t, &next, place)
		} else {
			done = c.changeEntries(t, &next, place)
		}
	}
	reportItems(c.r, len(entries))
	es := c.deltaSet(t.Kind)
	proj := es.projector(t.Sel, nil)
	buf := make([]byte, 0, 256*len(entries)+512)
	buf = append(buf, `{"@odata.context":`...)
	buf = appendJSONString(buf, c.contextURL(t.Kind, t.Sel))
	link := "https://" + c.r.Host + "/" + c.ver + "/" + t.Kind + "/delta?"
	if done {
		dl := deltaToken{Kind: t.Kind, Sel: t.Sel, Members: t.Members, IDs: t.IDs, Phase: "c", From: t.From, Epoch: c.w.Epoch(), Issued: c.now.Unix()}
		if t.Phase == "c" && !latest {
			dl.From = t.To
		}
		buf = append(buf, `,"@odata.deltaLink":`...)
		buf = appendJSONString(buf, link+"$deltatoken="+dl.encode())
	} else {
		buf = append(buf, `,"@odata.nextLink":`...)
		buf = appendJSONString(buf, link+"$skiptoken="+next.encode())
	}
	buf = append(buf, `,"value":[`...)
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		var m *jsonObject
		if e.obj == nil {
			m = newJSONObject(2)
			m.set("id", e.ref.ID)
			m.set("@removed", map[string]any{"reason": e.removed})
		} else {
			m = proj.project(c, e.obj)
			if t.Members && (len(e.members) > 0 || e.all) {
				sl := memberSlices[i]
				list := make([]*jsonObject, 0, sl[1]-sl[0])
				for k := sl[0]; k < sl[1]; k++ {
					mo := newJSONObject(3)
					mo.set("@odata.type", e.members[k].Kind.ODataType())
					mo.set("id", e.members[k].ID)
					if e.memberOut != nil && e.memberOut[k] {
						mo.set("@removed", map[string]any{"reason": "deleted"})
					}
					list = append(list, mo)
				}
				m.set("members@delta", list)
			}
		}
		var err error
		if buf, err = m.appendJSON(buf); err != nil {
			return errorf(http.StatusInternalServerError, "UnknownError", "azsim: encode: "+err.Error())
		}
	}
	buf = append(buf, "]}"...)
	rp := reply{status: http.StatusOK, body: rawJSON(buf)}
	if preferred {
		rp.header = http.Header{"Preference-Applied": {"odata.maxpagesize=" + strconv.Itoa(budget)}}
	}
	return rp
}

// wanted applies the $filter=id eq … of a round.
func (t *deltaToken) wanted(id string) bool { return len(t.IDs) == 0 || slices.Contains(t.IDs, id) }

// initialEntries emits the current objects from position t.Pos on; it reports whether the pass is done.
func (c *gctx) initialEntries(t, next *deltaToken, place func(deltaEntry, int) (bool, int)) bool {
	type obj struct {
		o   any
		ref world.Ref
		pos uint64
		mem []world.Ref
	}
	var n int
	var at func(i int) obj
	var firstFrom func(pos uint64) int            // index of the first object at or after a position
	var positionOf func(id string) (uint64, bool) // position of the object with that id (false: none)
	switch t.Kind {
	case "users":
		n, firstFrom = len(c.w.Users), c.w.FirstUserFrom
		at = func(i int) obj {
			u := c.w.Users[i]
			return obj{u, world.Ref{Kind: world.KindUser, ID: u.ID}, u.Position(), nil}
		}
		positionOf = func(id string) (uint64, bool) {
			if o := c.w.User(id); o != nil {
				return o.Position(), true
			}
			return 0, false
		}
	case "groups":
		n, firstFrom = len(c.w.Groups), c.w.FirstGroupFrom
		at = func(i int) obj {
			g := c.w.Groups[i]
			o := obj{g, world.Ref{Kind: world.KindGroup, ID: g.ID}, g.Position(), nil}
			if t.Members {
				o.mem = g.Members
			}
			return o
		}
		positionOf = func(id string) (uint64, bool) {
			if o := c.w.Group(id); o != nil {
				return o.Position(), true
			}
			return 0, false
		}
	default:
		n, firstFrom = len(c.w.ServicePrincipals), c.w.FirstServicePrincipalFrom
		at = func(i int) obj {
			s := c.w.ServicePrincipals[i]
			return obj{s, world.Ref{Kind: world.KindServicePrincipal, ID: s.ID}, s.Position(), nil}
		}
		positionOf = func(id string) (uint64, bool) {
			if o := c.w.ServicePrincipal(id); o != nil {
				return o.Position(), true
			}
			return 0, false
		}
	}
	start := firstFrom(t.Pos)
	// A round filtered to some ids visits just those objects (looked up, in collection order) instead of
	// scanning the rest of the collection for them.
	order := func(yield func(int) bool) {
		for i := start; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
	if len(t.IDs) > 0 {
		var picked []int
		for _, id := range t.IDs {
			if pos, ok := positionOf(id); ok {
				if i := firstFrom(pos); i >= start && i < n {
					picked = append(picked, i)
				}
			}
		}
		slices.Sort(picked)
		order = slices.Values(slices.Compact(picked))
	}
	for i := range order {
		o := at(i)
		if !t.wanted(o.ref.ID) {
			continue
		}
		moff := 0
		if o.pos == t.Pos {
			moff = min(t.MOff, len(o.mem))
		}
		placed, end := place(deltaEntry{obj: o.o, ref: o.ref, members: o.mem, all: true}, moff)
		if !placed || end < len(o.mem) {
			next.Pos, next.MOff = o.pos, end
			return false
		}
	}
	return true
}

// changeEntries emits the objects changed in (t.From, t.To], coalesced per object with their current
// state, from item t.Pos on; it reports whether the round is done.
func (c *gctx) changeEntries(t, next *deltaToken, place func(deltaEntry, int) (bool, int)) bool {
	items := c.changedItems(t)
	for i := int(t.Pos); i < len(items); i++ {
		moff := 0
		if uint64(i) == t.Pos {
			moff = min(t.MOff, len(items[i].members))
		}
		placed, end := place(items[i], moff)
		if !placed || end < len(items[i].members) {
			next.Pos, next.MOff = uint64(i), end
			return false
		}
	}
	return true
}

// changedItems coalesces the journal entries of one round into one entry per object, in order of first
// change: removed objects, objects with a change to a tracked property, and groups whose members changed
// (each touched member once, with its current state).
func (c *gctx) changedItems(t *deltaToken) []deltaEntry {
	kind := map[string]world.Kind{"users": world.KindUser, "groups": world.KindGroup, "servicePrincipals": world.KindServicePrincipal}[t.Kind]
	type acc struct {
		ref       world.Ref
		relevant  bool
		created   bool
		deleted   bool
		permanent bool
		members   []world.Ref
		seen      map[string]bool
	}
	var order []*acc
	byID := map[string]*acc{}
	for _, ch := range c.w.ChangesAfter(t.From) {
		if ch.Seq > t.To {
			break
		}
		if ch.Object.Kind != kind || !t.wanted(ch.Object.ID) {
			continue
		}
		a := byID[ch.Object.ID]
		if a == nil {
			a = &acc{ref: ch.Object, seen: map[string]bool{}}
			byID[ch.Object.ID] = a
			order = append(order, a)
		}
		switch ch.Op {
		case world.ChangeObject:
			if ch.Props == nil {
				a.created, a.relevant = true, true
			} else if len(t.Sel) == 0 || intersectsFold(t.Sel, ch.Props) {
				a.relevant = true
			}
		case world.ChangeDeleted:
			a.deleted, a.permanent = true, ch.Permanent
		case world.ChangeMemberAdded, world.ChangeMemberRemoved:
			if t.Members && !a.seen[ch.Member.ID] {
				a.seen[ch.Member.ID] = true
				a.members = append(a.members, ch.Member)
			}
		}
	}
	out := make([]deltaEntry, 0, len(order))
	for _, a := range order {
		var obj any
		var current []world.Ref
		switch kind {
		case world.KindUser:
			if u := c.w.User(a.ref.ID); u != nil {
				obj = u
			}
		case world.KindGroup:
			if g := c.w.Group(a.ref.ID); g != nil {
				obj, current = g, g.Members
			}
		default:
			if s := c.w.ServicePrincipal(a.ref.ID); s != nil {
				obj = s
			}
		}
		if obj == nil {
			reason := "changed"
			if a.permanent {
				reason = "deleted"
			}
			out = append(out, deltaEntry{ref: a.ref, removed: reason})
			continue
		}
		if a.created && t.Members {
			out = append(out, deltaEntry{obj: obj, ref: a.ref, members: current, all: true})
			continue
		}
		if !a.relevant && len(a.members) == 0 {
			continue
		}
		e := deltaEntry{obj: obj, ref: a.ref, members: a.members, memberOut: make([]bool, len(a.members))}
		in := map[string]bool{}
		for _, m := range current {
			in[m.ID] = true
		}
		for i, m := range a.members {
			e.memberOut[i] = !in[m.ID]
		}
		out = append(out, e)
	}
	return out
}

func intersectsFold(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}
