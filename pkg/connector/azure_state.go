package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/arm"
)

// azureState is what one sync learns from ARM and reuses: the management-group hierarchy, the role
// definitions of each subscription and management group, the role assignments of each (read once per sync
// and scope, whichever syncer needs them first), the principals of those assignments, and the scopes
// listed under each subscription. It is dropped when a new sync starts. Everything here can be rebuilt
// from ARM, so a sync resumed in a new process reads it again instead of trusting a partial copy.
type azureState struct {
	syncID     string
	hierarchy  memo[*hierarchy]
	catalogs   memo[[]*roleDef]
	indexes    memo[*scopeIndex]
	tree       scopeTree
	principals principalIndex
	logged     sync.Map // one-time log lines already written
}

// azure returns the state of the given sync, starting a new one when the sync changes.
func (c *Connector) azure(syncID string) *azureState {
	c.azMu.Lock()
	defer c.azMu.Unlock()
	if c.az == nil || c.az.syncID != syncID {
		c.az = &azureState{syncID: syncID}
	}
	return c.az
}

// once reports whether key is seen for the first time in this sync (for logging each fact once).
func (st *azureState) once(key string) bool {
	_, seen := st.logged.LoadOrStore(key, true)
	return !seen
}

// memo loads a value per key once; concurrent callers wait for the first load. A failed load is not
// remembered, so the next call retries it.
type memo[T any] struct {
	mu sync.Mutex
	m  map[string]*memoEntry[T]
}

type memoEntry[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func (m *memo[T]) get(ctx context.Context, key string, load func(context.Context) (T, error)) (T, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[string]*memoEntry[T]{}
	}
	if e, ok := m.m[key]; ok {
		m.mu.Unlock()
		select {
		case <-e.done:
			return e.v, e.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	e := &memoEntry[T]{done: make(chan struct{})}
	m.m[key] = e
	m.mu.Unlock()
	e.v, e.err = load(ctx)
	if e.err != nil {
		m.mu.Lock()
		delete(m.m, key)
		m.mu.Unlock()
	}
	close(e.done)
	return e.v, e.err
}

// --- management-group hierarchy ---

// mgNode is a management group; names are lower case, parent is "" for the tenant root group.
type mgNode struct {
	name, displayName, parent string
}

// hierarchy is the management-group tree with the subscriptions placed in it, as getEntities shows it.
type hierarchy struct {
	mgs       []*mgNode // sorted by name
	byName    map[string]*mgNode
	subParent map[string]string // subscription id → management group name
	subs      []string          // sorted subscription ids
	// catalogs orders the scopes whose role definitions are listed (management groups, then
	// subscriptions); a role resource is emitted from the first catalog it appears in.
	catalogs []string
	catIndex map[string]int
}

// mgChain returns a management group and its ancestors up to the root, nearest first.
func (h *hierarchy) mgChain(name string) []string {
	var out []string
	seen := map[string]bool{}
	for n := strings.ToLower(name); n != "" && !seen[n]; {
		seen[n] = true
		out = append(out, n)
		node := h.byName[n]
		if node == nil {
			break
		}
		n = node.parent
	}
	return out
}

// mgAncestry returns the management groups above or at a scope, nearest first.
func (h *hierarchy) mgAncestry(s armScope) []string {
	switch {
	case s.kind == scopeMG:
		return h.mgChain(s.mg)
	case s.sub != "":
		if p := h.subParent[s.sub]; p != "" {
			return h.mgChain(p)
		}
	}
	return nil
}

// checkVisible fails when a subscription or management group the app sees sits under a management group it
// cannot read: assignments there apply below but could not be synced, so the sync would be incomplete.
func (h *hierarchy) checkVisible() error {
	missing := map[string]string{} // management group → what is below it
	for _, m := range h.mgs {
		if m.parent != "" && h.byName[m.parent] == nil {
			missing[m.parent] = "management group " + m.name
		}
	}
	for sub, p := range h.subParent {
		if p != "" && h.byName[p] == nil {
			missing[p] = "subscription " + sub
		}
	}
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(missing))
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	return status.Errorf(codes.PermissionDenied, "%s: the app cannot read management group %q (above %s)%s: assign it Management Group Reader "+
		"(or Reader) at the tenant root management group, so that role assignments inherited from management groups are synced",
		errPrefix, names[0], missing[names[0]], plural(len(names)-1, " and %d more"))
}

func plural(n int, format string) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(format, n)
}

// isRoot reports whether a management group is the tenant root group.
func (h *hierarchy) isRoot(name string) bool {
	n := h.byName[strings.ToLower(name)]
	return n != nil && n.parent == ""
}

// loadHierarchy reads every management group and subscription the app can see, with their parents.
func (c *Connector) loadHierarchy(ctx context.Context, st *azureState) (*hierarchy, error) {
	return st.hierarchy.get(ctx, "", func(ctx context.Context) (*hierarchy, error) {
		h := &hierarchy{byName: map[string]*mgNode{}, subParent: map[string]string{}, catIndex: map[string]int{}}
		for next := ""; ; {
			page, err := c.arm.ListEntities(ctx, next)
			if err != nil {
				return nil, armAccessErr(err, "list management groups (getEntities)",
					"Management Group Reader at the tenant root management group (and Reader on the subscriptions)")
			}
			for _, e := range page.Value {
				if e == nil || e.ID == nil {
					continue
				}
				sc := parseScope(*e.ID)
				parent := ""
				display := ""
				if p := e.Properties; p != nil {
					if p.Parent != nil && p.Parent.ID != nil {
						parent = parseScope(*p.Parent.ID).mg
					}
					if p.DisplayName != nil {
						display = *p.DisplayName
					}
				}
				switch sc.kind {
				case scopeMG:
					if display == "" {
						display = sc.mg
					}
					n := &mgNode{name: sc.mg, displayName: display, parent: parent}
					if _, dup := h.byName[n.name]; !dup {
						h.mgs = append(h.mgs, n)
					}
					h.byName[n.name] = n
				case scopeSubscription:
					if _, dup := h.subParent[sc.sub]; !dup {
						h.subs = append(h.subs, sc.sub)
					}
					h.subParent[sc.sub] = parent
				}
			}
			if next = page.NextLink; next == "" {
				break
			}
		}
		if err := h.checkVisible(); err != nil {
			return nil, err
		}
		sort.Slice(h.mgs, func(i, j int) bool { return h.mgs[i].name < h.mgs[j].name })
		sort.Strings(h.subs)
		for _, m := range h.mgs {
			h.catIndex[mgScopeKey(m.name)] = len(h.catalogs)
			h.catalogs = append(h.catalogs, mgScopeKey(m.name))
		}
		for _, s := range h.subs {
			h.catIndex[subScopeKey(s)] = len(h.catalogs)
			h.catalogs = append(h.catalogs, subScopeKey(s))
		}
		return h, nil
	})
}

// --- scopes listed under each subscription ---

// scopeTree records the resource groups, storage accounts and containers the resource phase lists, per
// parent, and whether a listing was seen complete in this process (first page through last). The grants
// phase uses complete listings to make inheritance explicit and lists the rest itself.
type scopeTree struct {
	mu    sync.Mutex
	lists map[string]*childList
}

type childList struct {
	started, done bool
	items         map[string]bool // scope keys
}

const (
	listResourceGroups  = "rg"
	listStorageAccounts = "sa"
	listContainers      = "ct"
)

// record notes one page of a listing: token is the page token it was asked with ("" for the first page),
// next the token of the following page ("" after the last).
func (t *scopeTree) record(kind, parent, token string, items []string, next string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lists == nil {
		t.lists = map[string]*childList{}
	}
	k := kind + "|" + parent
	l := t.lists[k]
	if l == nil || token == "" {
		l = &childList{items: map[string]bool{}}
		t.lists[k] = l
	}
	if token == "" {
		l.started = true
	}
	for _, it := range items {
		l.items[it] = true
	}
	if next == "" && l.started {
		l.done = true
	}
}

// complete returns a listing's items if it was seen whole.
func (t *scopeTree) complete(kind, parent string) ([]string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.lists[kind+"|"+parent]
	if l == nil || !l.done {
		return nil, false
	}
	out := make([]string, 0, len(l.items))
	for k := range l.items {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, true
}

// subscriptionScopes returns every modelled scope under a subscription (resource groups, storage accounts
// and, unless skipped, containers), sorted by key. Listings the resource phase completed in this process
// are reused; the others are read from ARM now.
func (c *Connector) subscriptionScopes(ctx context.Context, st *azureState, sub string) ([]armScope, error) {
	var keys []string
	rgs, ok := st.tree.complete(listResourceGroups, sub)
	if !ok {
		var err error
		if rgs, err = c.readAll(ctx, st, listResourceGroups, sub); err != nil {
			return nil, err
		}
	}
	keys = append(keys, rgs...)
	accounts, ok := st.tree.complete(listStorageAccounts, sub)
	if !ok {
		var err error
		if accounts, err = c.readAll(ctx, st, listStorageAccounts, sub); err != nil {
			return nil, err
		}
	}
	keys = append(keys, accounts...)
	if !c.s.skipContainers {
		for _, a := range accounts {
			cts, ok := st.tree.complete(listContainers, a)
			if !ok {
				var err error
				if cts, err = c.readAll(ctx, st, listContainers, a); err != nil {
					return nil, err
				}
			}
			keys = append(keys, cts...)
		}
	}
	sort.Strings(keys)
	out := make([]armScope, 0, len(keys))
	for _, k := range keys {
		out = append(out, parseScope(k))
	}
	return out, nil
}

// readAll reads a whole child listing from ARM and records it.
func (c *Connector) readAll(ctx context.Context, st *azureState, kind, parent string) ([]string, error) {
	var out []string
	for token := ""; ; {
		var items []string
		var next string
		switch kind {
		case listResourceGroups:
			page, err := c.arm.ListResourceGroups(ctx, parent, token)
			if err != nil {
				return nil, armAccessErr(err, "list resource groups of subscription "+parent, "Reader at "+subScopeKey(parent))
			}
			for _, g := range page.Value {
				if g != nil && g.ID != nil {
					items = append(items, parseScope(*g.ID).key)
				}
			}
			next = page.NextLink
		case listStorageAccounts:
			page, err := c.arm.ListStorageAccounts(ctx, parent, token)
			if err != nil {
				return nil, armAccessErr(err, "list storage accounts of subscription "+parent, "Reader at "+subScopeKey(parent))
			}
			for _, a := range page.Value {
				if a != nil && a.ID != nil {
					items = append(items, parseScope(*a.ID).key)
				}
			}
			next = page.NextLink
		case listContainers:
			page, err := c.arm.ListContainers(ctx, parent, token)
			if err != nil {
				return nil, armAccessErr(err, "list blob containers of "+parent, "Reader at "+parent)
			}
			for _, ct := range page.Value {
				if ct != nil && ct.ID != nil {
					items = append(items, parseScope(*ct.ID).key)
				}
			}
			next = page.NextLink
		}
		st.tree.record(kind, parent, token, items, next)
		out = append(out, items...)
		if token = next; token == "" {
			break
		}
	}
	sort.Strings(out)
	return out, nil
}

// warnOnce writes a warning the first time key is seen in the sync.
func (st *azureState) warnOnce(ctx context.Context, key, msg string, fields ...zap.Field) {
	if st.once(key) {
		ctxzap.Extract(ctx).Warn(msg, fields...)
	}
}

// armAccessErr wraps a failed ARM read; when ARM refused it (403), the message names the role the app
// needs and where.
func armAccessErr(err error, action, need string) error {
	if e, ok := arm.AsError(err); ok && e.StatusCode == 403 {
		return wrapErr(err, action+": the app needs "+need)
	}
	return wrapErr(err, action)
}
