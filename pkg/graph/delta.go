package graph

import (
	"context"
	"net/http"
	"strings"
)

// deltaPrefer asks delta rounds for pages of up to 999 entries (an object and each of its members@delta
// count one); without it Graph sends about 100.
const deltaPrefer = "odata.maxpagesize=999"

// GroupMembersDeltaPath starts a /groups/delta round over the given groups ($filter=id eq … or …) that
// selects only their members, for GetBatch (which sends delta reads with Prefer: odata.maxpagesize=999).
func GroupMembersDeltaPath(groupIDs []string) string {
	parts := make([]string, len(groupIDs))
	for i, id := range groupIDs {
		parts[i] = "id eq " + quote(id)
	}
	return "/groups/delta?" + q("$select", "members", "$filter", strings.Join(parts, " or "))
}

// isDelta reports whether a target reads a delta round (its first page or a next link).
func isDelta(target string) bool {
	path := target
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return strings.HasSuffix(path, "/delta") || strings.HasSuffix(path, ".delta()") || strings.HasSuffix(path, "/delta()")
}

// GroupMembersDelta is one entry of a /groups/delta round with members: a group (or a slice of a large
// group's members: Graph splits them over pages) and its members@delta.
type GroupMembersDelta struct {
	ID      string        `json:"id"`
	Members []DeltaMember `json:"members@delta"`
	Removed *struct {
		Reason string `json:"reason"`
	} `json:"@removed"`
}

// DeltaMember is an entry of members@delta: the member's type and id, and @removed when it left.
type DeltaMember struct {
	DirectoryObject
	Removed *struct {
		Reason string `json:"reason"`
	} `json:"@removed"`
}

// DeltaPage is one page of a delta round: a next link until the round's last page, which carries the
// delta link instead.
type DeltaPage[T any] struct {
	Value     []T    `json:"value"`
	NextLink  string `json:"@odata.nextLink"`
	DeltaLink string `json:"@odata.deltaLink"`
}

// ListGroupMembersDelta returns one page of a /groups/delta round selecting members only, with pages of up
// to 999 entries (Prefer: odata.maxpagesize). It reads every group's membership in bulk; used to measure
// bulk membership against batched per-group reads (BENCHMARKS.md).
func (c *Client) ListGroupMembersDelta(ctx context.Context, next string) (DeltaPage[GroupMembersDelta], error) {
	var p DeltaPage[GroupMembersDelta]
	err := c.do(ctx, request{method: http.MethodGet, target: first(next, "/groups/delta?"+q("$select", "members")),
		prefer: deltaPrefer}, &p)
	return p, err
}
