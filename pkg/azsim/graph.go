package azsim

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/internal/odata"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// gctx is the context of one Graph request: the request, the caller and a read-locked world.
type gctx struct {
	s      *Server
	r      *http.Request
	w      *world.World
	caller *caller
	ver    string
	now    time.Time
	// pooled are page buffers from pageBuffers, recycled once the reply is written (serveGraph).
	pooled [][]byte
	// expandSel is the nested $select of the request's $expand (owners($select=id)): the properties the
	// expanded objects are rendered with, nil for their defaults.
	expandSel []string
}

// graphHandler handles one Graph route.
type graphHandler func(c *gctx) reply

// keySegment matches OData key-as-segment addressing such as directoryRoles(roleTemplateId='x').
var keySegment = regexp.MustCompile(`^(directoryRoles|servicePrincipals)\((roleTemplateId|appId)='([^']*)'\)$`)

// graphRoutes builds the Graph route table; every registration names the permissions that allow it.
func (s *Server) graphRoutes() http.Handler {
	mux := http.NewServeMux()
	reg := func(pattern string, perms []string, h graphHandler) {
		method, path, _ := strings.Cut(pattern, " ")
		route := strings.Replace(path, "/{ver}", "/v1.0", 1)
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			setRoute(r, route)
			_ = method
			s.serveGraph(w, r, perms, h)
		})
	}
	s.registerGraphReads(reg)
	s.registerDelta(reg)
	// Writes take the world's write lock (see lockWorld); $batch dispatches its sub-requests through
	// s.graphH and takes no lock itself.
	s.registerGraphWrites(func(pattern string, perms []string, h graphHandler) {
		_, path, _ := strings.Cut(pattern, " ")
		route := strings.Replace(path, "/{ver}", "/v1.0", 1)
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			setRoute(r, route)
			s.serveGraph(w, markWrite(r), perms, h)
		})
	})
	mux.HandleFunc("POST /{ver}/$batch", func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "/v1.0/$batch")
		s.serveBatch(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "unmatched")
		renderGraph(w, r, errorf(http.StatusBadRequest, "BadRequest",
			"Resource not found for the segment '"+lastSegment(r.URL.Path)+"'."), s.clock())
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rewriteKeySegments(r)
		mux.ServeHTTP(w, r)
	})
}

// rewriteKeySegments turns directoryRoles(roleTemplateId='x') into directoryRoles/roleTemplateId=x so the
// route table can match it.
func rewriteKeySegments(r *http.Request) {
	if !strings.Contains(r.URL.Path, "(") {
		return
	}
	parts := strings.Split(r.URL.Path, "/")
	for i, p := range parts {
		if m := keySegment.FindStringSubmatch(p); m != nil {
			parts[i] = m[1] + "/" + m[2] + "=" + m[3]
		}
	}
	r.URL.Path = strings.Join(parts, "/")
	r.URL.RawPath = ""
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, perms []string, h graphHandler) {
	now := s.clock()
	ver := r.PathValue("ver")
	if ver != "v1.0" && ver != "beta" {
		renderGraph(w, r, errorf(http.StatusBadRequest, "BadRequest", "Invalid version: "+ver), now)
		return
	}
	c, aerr := s.authenticate(r, "graph")
	if aerr != nil {
		renderGraph(w, r, fail(aerr), now)
		return
	}
	if rp, stop := s.graphGate(w, r, c); stop { // throttling and faults (realism.go)
		renderGraph(w, r, rp, now)
		return
	}
	if len(perms) > 0 && !c.hasAny(perms...) {
		renderGraph(w, r, fail(graphForbidden()), now)
		return
	}
	write := isWrite(r)
	s.lockWorld(write, now)
	defer s.unlockWorld(write)
	gc := &gctx{s: s, r: r, w: s.world, caller: c, ver: ver, now: now}
	rp := h(gc)
	renderGraph(w, r, rp, now)
	gc.recycle()
}

// absent marks a property that does not exist on an object (as opposed to a null value).
type absent struct{}

// prop is one property of a Graph entity type.
type prop struct {
	name string
	get  func(c *gctx, o any) any
	ops  []string // $filter operators allowed without an advanced query
	adv  []string // operators allowed only with an advanced query
	coll bool
	// nav marks a navigation property: returned only through $expand, never $select. navSet is the set
	// its objects belong to, for a nested $select (nil: directoryObject).
	nav    bool
	navSet func(gs *graphSets) *entitySet
	// key is the encoded `"name":` (set by newEntitySet). app, when set, appends the JSON value get
	// returns without boxing it (graph_fast.go; equivalence is tested).
	key, commaKey []byte
	app           func(c *gctx, o any, b []byte) []byte
}

// entitySet describes how one Graph entity type is listed, filtered and projected.
type entitySet struct {
	typeName string // e.g. microsoft.graph.user
	resource string // e.g. User, as in filter error messages
	defaults []string
	props    []prop
	byLower  map[string]*prop
	schema   odata.Schema
	// polymorphic sets emit @odata.type on every item; resolve finds an item's own set and object.
	polymorphic bool
	typeOf      func(o any) string
	resolve     func(c *gctx, o any) (*entitySet, any)
	// directory marks the directory object types (users, groups, service principals, ...): with $expand
	// their collections return at most maxExpandPage items per page.
	directory bool
}

func newEntitySet(typeName, resource string, defaults []string, props ...prop) *entitySet {
	es := &entitySet{typeName: typeName, resource: resource, defaults: defaults, props: props, byLower: map[string]*prop{}}
	es.schema.Resource = resource
	for i := range es.props {
		p := &es.props[i]
		p.key = append(appendJSONString(nil, p.name), ':')
		p.commaKey = append([]byte{','}, p.key...)
		es.byLower[strings.ToLower(p.name)] = p
		es.schema.Properties = append(es.schema.Properties, odata.Property{Name: p.name, Ops: p.ops, AdvancedOps: p.adv, Collection: p.coll})
	}
	return es
}

// names lists the selectable (non-navigation) properties.
func (es *entitySet) names() []string {
	out := make([]string, 0, len(es.props))
	for _, p := range es.props {
		if !p.nav {
			out = append(out, p.name)
		}
	}
	return out
}

// expansion validates $expand: one navigation property of the set, Graph's only supported form, with
// an optional nested $select (documented for the group's members and owners:
// $expand=owners($select=id,userPrincipalName,displayName)). It returns the property and the nested
// selection. Other nested options ($filter, $top, $expand, ...) are refused, never ignored.
func (es *entitySet) expansion(gs *graphSets, raw string) (string, []string, *apiError) {
	if raw == "" {
		return "", nil, nil
	}
	name, nested, hasNested := strings.Cut(strings.TrimSpace(raw), "(")
	name = strings.TrimSpace(name)
	p := es.byLower[strings.ToLower(name)]
	if p == nil || !p.nav {
		return "", nil, &apiError{status: 400, code: "ExpandNotSupported", message: "Expand of '" + strings.TrimSpace(raw) + "' is not supported on type '" + es.typeName + "'."}
	}
	if !hasNested {
		return p.name, nil, nil
	}
	inner, closed := strings.CutSuffix(strings.TrimSpace(nested), ")")
	if !closed {
		return "", nil, &apiError{status: 400, code: "BadRequest", message: "Invalid $expand: '" + raw + "'."}
	}
	set := gs.directoryObject
	if p.navSet != nil {
		set = p.navSet(gs)
	}
	var sel []string
	for opt := range strings.SplitSeq(inner, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "$select") {
			return "", nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "azsim simulates only a nested $select inside $expand, got '" + opt + "'."}
		}
		s, err := odata.Select(v, set.names(), set.typeName)
		if err != nil {
			return "", nil, odataErr(err)
		}
		sel = append(sel, s...)
	}
	return p.name, sel, nil
}

// value reads one property path ("a" or "a/b") of an object.
func (es *entitySet) value(c *gctx, o any, path string) (any, bool) {
	head, rest, _ := strings.Cut(path, "/")
	p := es.byLower[strings.ToLower(head)]
	if p == nil {
		return nil, false
	}
	v := p.get(c, o)
	if _, isAbsent := v.(absent); isAbsent {
		return nil, false
	}
	for rest != "" {
		var k string
		k, rest, _ = strings.Cut(rest, "/")
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, true
		}
		v = m[k]
	}
	return v, true
}

// project renders one object; see projector.
func (es *entitySet) project(c *gctx, o any, sel []string, expand ...string) *jsonObject {
	return es.projector(sel, expand).project(c, o)
}

// projector renders objects of one set with a fixed selection, resolving property names once.
type projector struct {
	es       *entitySet
	sel      []string
	expand   []string
	props    []*prop                // non-polymorphic sets
	perInner map[*entitySet][]*prop // polymorphic sets, by the item's own set
}

func (es *entitySet) projector(sel, expand []string) *projector {
	pr := &projector{es: es, sel: sel, expand: expand}
	if es.polymorphic {
		pr.perInner = map[*entitySet][]*prop{}
	} else {
		pr.props = es.lookup(sel, expand)
	}
	return pr
}

// lookup resolves the selected (or default) and expanded property names; id always comes first.
func (es *entitySet) lookup(sel, expand []string) []*prop {
	names := sel
	if len(names) == 0 {
		names = es.defaults
	}
	out := make([]*prop, 0, len(names)+len(expand)+1)
	if p := es.byLower["id"]; p != nil {
		out = append(out, p)
	}
	for _, list := range [][]string{names, expand} {
		for _, n := range list {
			if p := es.byLower[strings.ToLower(n)]; p != nil && p.name != "id" {
				out = append(out, p)
			}
		}
	}
	return out
}

// project renders o with the projector's selection. Polymorphic items carry @odata.type and are
// projected with their own type's properties.
func (pr *projector) project(c *gctx, o any) *jsonObject {
	es, props := pr.es, pr.props
	var m *jsonObject
	if es.polymorphic {
		inner, obj := es.resolve(c, o)
		if inner == nil {
			m = newJSONObject(2)
			m.set("@odata.type", es.typeOf(o))
			m.set("id", o.(world.Ref).ID)
			return m
		}
		if props = pr.perInner[inner]; props == nil {
			props = inner.lookup(pr.sel, pr.expand)
			pr.perInner[inner] = props
		}
		m = newJSONObject(len(props) + 1)
		m.kv = append(m.kv, kvPair{"@odata.type", es.typeOf(o)})
		o = obj
	} else {
		m = newJSONObject(len(props))
	}
	for _, p := range props {
		v := p.get(c, o)
		if _, isAbsent := v.(absent); isAbsent {
			continue
		}
		m.kv = append(m.kv, kvPair{p.name, v})
	}
	return m
}

// appendJSON renders o with the projector's selection straight into b: the same bytes as
// project(c, o).appendJSON(b), without building the object.
func (pr *projector) appendJSON(c *gctx, o any, b []byte) ([]byte, error) {
	es, props := pr.es, pr.props
	b = append(b, '{')
	first := true
	if es.polymorphic {
		inner, obj := es.resolve(c, o)
		b = append(b, `"@odata.type":`...)
		b = appendJSONString(b, es.typeOf(o))
		if inner == nil {
			b = append(b, `,"id":`...)
			b = appendJSONString(b, o.(world.Ref).ID)
			return append(b, '}'), nil
		}
		if props = pr.perInner[inner]; props == nil {
			props = inner.lookup(pr.sel, pr.expand)
			pr.perInner[inner] = props
		}
		o, first = obj, false
	}
	for _, p := range props {
		if p.app != nil && p.key != nil {
			if first {
				b = append(b, p.key...)
			} else {
				b = append(b, p.commaKey...)
			}
			first = false
			b = p.app(c, o, b)
			continue
		}
		v := p.get(c, o)
		if _, isAbsent := v.(absent); isAbsent {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if p.key != nil {
			b = append(b, p.key...)
		} else {
			b = append(appendJSONString(b, p.name), ':')
		}
		var err error
		if b, err = appendJSONValue(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// listOpts tunes a collection response.
type listOpts struct {
	context  string // @odata.context fragment, e.g. "users"
	maxTop   int    // default 999
	noPaging bool   // directoryRoles and its members do not page
	noFilter bool
}

// query is the parsed OData query of a list request.
type query struct {
	sel      []string
	filter   odata.Expr
	top      int
	offset   int
	resume   int // filtered lists: the position where the page's scan starts (0: from the start)
	count    bool
	advanced bool
	expand   string
	// expandSel is the nested $select of $expand (see expansion).
	expandSel []string
}

// parseQuery validates the query options Graph supports for directory collections. Anything
// unsupported is an error, never silently ignored.
func (c *gctx) parseQuery(es *entitySet, o listOpts) (*query, *apiError) {
	q := &query{}
	vals := c.r.URL.Query()
	eventual := strings.EqualFold(c.r.Header.Get("ConsistencyLevel"), "eventual")
	for k := range vals {
		switch strings.ToLower(k) {
		case "$select", "$filter", "$top", "$count", "$skiptoken", "$expand":
		case "$search":
			if !eventual {
				return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"}
			}
			return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "azsim does not simulate $search."}
		case "$orderby":
			return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "azsim does not simulate $orderby."}
		case "$skip":
			return nil, &apiError{status: 400, code: "Request_BadRequest", message: "'$skip' is not supported by the service."}
		default:
			if strings.HasPrefix(k, "$") {
				return nil, &apiError{status: 400, code: "BadRequest", message: "The query specified in the URI is not valid. Query option '" + k + "' is not allowed."}
			}
		}
	}
	var aerr *apiError
	if q.expand, q.expandSel, aerr = es.expansion(c.s.gs, vals.Get("$expand")); aerr != nil {
		return nil, aerr
	}
	q.count = strings.EqualFold(vals.Get("$count"), "true") && eventual
	q.advanced = q.count
	if raw := vals.Get("$select"); raw != "" {
		sel, err := odata.Select(raw, es.names(), es.typeName)
		if err != nil {
			return nil, odataErr(err)
		}
		q.sel = sel
	}
	if raw := vals.Get("$filter"); raw != "" {
		if o.noFilter {
			return nil, &apiError{status: 400, code: "Request_UnsupportedQuery", message: "The $filter query option is not supported on this resource."}
		}
		e, err := odata.ParseFilter(raw)
		if err != nil {
			return nil, odataErr(err)
		}
		bound, err := es.schema.Bind(e, q.advanced)
		if err != nil {
			return nil, odataErr(err)
		}
		q.filter = bound
	}
	maxTop := o.maxTop
	if maxTop == 0 {
		maxTop = 999
	}
	top, err := odata.Top(vals.Get("$top"), 100, maxTop)
	if err != nil {
		return nil, odataErr(err)
	}
	q.top = top
	if q.expand != "" && es.directory {
		q.top = min(q.top, maxExpandPage) // with $expand Graph pages directory objects by 100 at most, whatever $top asks
	}
	if tok := vals.Get("$skiptoken"); tok != "" {
		st, ok := decodeSkipToken(tok, queryHash(c.r))
		if !ok {
			return nil, &apiError{status: 400, code: "Request_BadRequest", message: "The specified page token value has expired or is invalid."}
		}
		q.offset, q.resume = st.O, st.R
	}
	return q, nil
}

func odataErr(err error) *apiError {
	if e, isOData := err.(*odata.Error); isOData {
		return &apiError{status: e.Status, code: e.Code, message: e.Message}
	}
	return &apiError{status: 400, code: "BadRequest", message: err.Error()}
}

// list renders one page of a collection of n items reachable by index.
func (c *gctx) list(es *entitySet, n int, at func(i int) any, o listOpts) reply {
	q, aerr := c.parseQuery(es, o)
	if aerr != nil {
		return fail(aerr)
	}
	return c.listQ(es, n, at, o, q)
}

func (c *gctx) listQ(es *entitySet, n int, at func(i int) any, o listOpts, q *query) reply {
	match := func(i int) (bool, *apiError) {
		obj := at(i)
		okm, err := odata.Eval(q.filter, func(path string) (any, bool) { return es.value(c, obj, path) })
		if err != nil {
			return false, odataErr(err)
		}
		return okm, nil
	}
	// idx holds the positions of the matching items from the q.offset-th match on (all of them from the
	// first when the whole result is needed: $count on the first page, or no paging). A page after the first
	// resumes the scan where the previous one stopped (q.resume, carried in the skip token) instead of
	// filtering the collection again from the start: paging through a filtered collection stays linear.
	total, base := n, 0
	var idx []int
	more := false
	if q.filter != nil {
		whole := o.noPaging || q.offset == 0 && q.count || q.offset > 0 && q.resume == 0
		from, want := q.resume, q.top+1 // one more than the page: is there a next one?
		if whole {
			from, want = 0, n
		} else {
			base = q.offset
		}
		for i := from; i < n && len(idx) < want; i++ {
			m, err := match(i)
			if err != nil {
				return fail(err)
			}
			if m {
				idx = append(idx, i)
			}
		}
		if whole {
			total = len(idx)
		} else {
			more = len(idx) > q.top
			total = base + min(len(idx), q.top) // the matches seen so far: what the page needs
		}
	}
	pos := func(k int) int {
		if q.filter != nil {
			return idx[k-base]
		}
		return k
	}
	start, end := q.offset, q.offset+q.top
	if o.noPaging {
		start, end = 0, total
	}
	if start > total {
		start = total
	}
	if end > total {
		end = total
	}
	hasNext := end < total || more
	resume := 0 // where the next page's scan starts (filtered lists)
	if q.filter != nil && hasNext {
		resume = idx[end-base]
	}
	reportItems(c.r, end-start)
	buf := c.pageBuffer(256*(end-start) + 512)
	buf = append(buf, `{"@odata.context":`...)
	buf = appendJSONString(buf, c.contextURL(o.context, q.sel))
	if q.count && q.offset == 0 {
		buf = append(buf, `,"@odata.count":`...)
		buf = strconv.AppendInt(buf, int64(total), 10)
	}
	if hasNext {
		buf = append(buf, `,"@odata.nextLink":`...)
		buf = appendJSONString(buf, c.nextLinkResuming(end, resume))
	}
	buf = append(buf, `,"value":[`...)
	c.expandSel = q.expandSel
	proj := es.projector(q.sel, expandList(q.expand))
	for k := start; k < end; k++ {
		if k > start {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = proj.appendJSON(c, at(pos(k)), buf); err != nil {
			return errorf(http.StatusInternalServerError, "UnknownError", "azsim: encode: "+err.Error())
		}
	}
	buf = append(buf, "]}"...)
	c.keepPooled(buf)
	return reply{status: http.StatusOK, body: rawJSON(buf)}
}

func (c *gctx) contextURL(name string, sel []string) string {
	ctx := "https://" + c.r.Host + "/" + c.ver + "/$metadata#" + name
	if len(sel) > 0 {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	return ctx
}

// nextLinkResuming is the absolute URL of the page starting at offset: the original query plus an opaque
// $skiptoken bound to it, recording for a filtered list the position where the page's scan starts (resume).
func (c *gctx) nextLinkResuming(offset, resume int) string {
	return withSkipToken(c.r, "$skiptoken", encodeSkipToken(skipToken{O: offset, R: resume}, queryHash(c.r)))
}

// withSkipToken rebuilds the request's absolute URL with its original query, minus any previous skip
// token, plus param=token. The query is kept as the client sent it, so links read like Azure's.
func withSkipToken(r *http.Request, param, token string) string {
	var kept []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		lower := strings.ToLower(kv)
		if kv == "" || strings.HasPrefix(lower, "$skiptoken=") || strings.HasPrefix(lower, "%24skiptoken=") {
			continue
		}
		kept = append(kept, kv)
	}
	kept = append(kept, param+"="+token)
	return "https://" + nextLinkHost(r) + r.URL.EscapedPath() + "?" + strings.Join(kept, "&")
}

// queryHash identifies a request's path and query options other than $skiptoken.
func queryHash(r *http.Request) uint64 {
	vals := r.URL.Query()
	keys := make([]string, 0, len(vals))
	for k := range vals {
		if strings.EqualFold(k, "$skiptoken") {
			continue
		}
		keys = append(keys, strings.ToLower(k))
	}
	sort.Strings(keys)
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.ToLower(r.URL.Path)))
	for _, k := range keys {
		_, _ = h.Write([]byte("\x00" + k + "=" + strings.Join(queryValues(vals, k), ",")))
	}
	return h.Sum64()
}

func queryValues(vals map[string][]string, lowerKey string) []string {
	for k, v := range vals {
		if strings.ToLower(k) == lowerKey {
			return v
		}
	}
	return nil
}

// skipToken is the content of azsim's opaque Graph skip token: the offset of the page (in the result),
// for filtered lists the position in the collection where the page's scan resumes (0: not recorded), and
// the hash of the query it belongs to.
type skipToken struct {
	O int    `json:"o"`
	R int    `json:"r,omitempty"`
	H string `json:"h"`
}

func encodeSkipToken(st skipToken, h uint64) string {
	st.H = strconv.FormatUint(h, 36)
	b, _ := json.Marshal(st)
	return "RFNwdAIA" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeSkipToken(tok string, h uint64) (skipToken, bool) {
	rest, found := strings.CutPrefix(tok, "RFNwdAIA")
	if !found {
		return skipToken{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return skipToken{}, false
	}
	var st skipToken
	if json.Unmarshal(b, &st) != nil || st.O < 0 || st.R < 0 || st.H != strconv.FormatUint(h, 36) {
		return skipToken{}, false
	}
	return st, true
}

// notFound is Graph's 404 for a missing directory object.
func notFound(id string) reply {
	return errorf(http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

// single renders one object with $select applied.
func (c *gctx) single(es *entitySet, o any, context string) reply {
	var sel []string
	if raw := c.r.URL.Query().Get("$select"); raw != "" {
		s, err := odata.Select(raw, es.names(), es.typeName)
		if err != nil {
			return fail(odataErr(err))
		}
		sel = s
	}
	expand, expandSel, aerr := es.expansion(c.s.gs, c.r.URL.Query().Get("$expand"))
	if aerr != nil {
		return fail(aerr)
	}
	c.expandSel = expandSel
	m := es.project(c, o, sel, expandList(expand)...)
	m.kv = append([]kvPair{{"@odata.context", c.contextURL(context+"/$entity", sel)}}, m.kv...)
	return ok(m)
}

func expandList(name string) []string {
	if name == "" {
		return nil
	}
	return []string{name}
}

// maxExpand is how many related objects Graph returns inline for $expand on directory objects (with no
// next link: the rest cannot be paged), and maxExpandPage how many directory objects a page of a
// collection holds with $expand, even when $top asks for more (Graph known issue 13635).
const (
	maxExpand     = 20
	maxExpandPage = 100
)
