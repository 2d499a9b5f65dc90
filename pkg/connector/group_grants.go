package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/protobuf/proto"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Group grants are enumerated per type (TypeScopedGrants), not per group. The first call lists a page of
// groups (graph.ListGroupKindsWithOwners: only the properties that decide their kind, and their owners
// inline with $expand=owners) and enqueues (EnqueuePageTokens) cursors of reads:
//
//   - members: a /groups/delta round selecting members, filtered to deltaGroups groups (id eq … or …),
//     which returns the members of all of them in pages of up to 999 entries — a large group's members
//     spread over several pages. It costs one request (1 RU) per page instead of one per group (2 RU):
//     on the medium tenant 166 pages and RU instead of 2,037 reads and 4,074 RU (BENCHMARKS.md);
//   - owners: Graph expands at most graph.ExpandLimit (20) owners and offers no next link for the rest, so
//     the call emits the owner grants of the groups showing fewer than 20 owners itself (all of them are
//     there) and enqueues a read of the owners (/groups/{id}/owners, paged) only for groups showing
//     exactly 20, which may have more. Groups rarely have 20 owners, so this saves a read (1 RU) per group;
//     the price is pages of 100 groups instead of 999 (with $expand Graph pages directory objects by 100);
//   - where PIM for Groups can exist at all, eligibility instances.
//
// A cursor reads one page of each of its reads with JSON batching (graph.GetBatch: 20 sub-requests per
// $batch, the batches of one call concurrently), emits the grants, and continues with the next links of
// the reads that have more pages, each followed on its own inside later batches. With --workers > 1 the
// cursors also run in parallel.
//
// PIM for Groups cannot manage dynamic groups, groups synchronized from on-premises Active Directory, or
// mail-enabled groups other than Microsoft 365 groups (distribution and mail-enabled security groups are
// mastered in Exchange); Graph refuses eligibility requests for them, so they are never queried.

// groupWorkPerCall is how many reads (group × owners/eligibility) one cursor holds: three $batch requests
// sent concurrently.
const groupWorkPerCall = 3 * graph.BatchSize

// deltaGroups is how many groups one members delta round covers (the $filter stays under 1,500
// characters), and deltaReadsPerCall how many rounds one cursor holds (each page has up to 999 members,
// so a page of grants stays within its byte budget).
const (
	deltaGroups       = 25
	deltaReadsPerCall = 5
)

// Kinds of group reads.
const (
	workMembers  = "d" // Group holds the comma-separated ids of a members delta round
	workOwners   = "o"
	workEligible = "e"
)

// groupWork is one read: a group's members, owners or eligibility instances, from the first page (Link
// empty) or from a next link.
type groupWork struct {
	Group string `json:"g"`
	Kind  string `json:"k"`
	Link  string `json:"l,omitempty"`
}

// groupCursor is the page token of the type-scoped group grant enumeration: the fan-out over the group
// listing (Fan) or a set of reads (Work).
type groupCursor struct {
	Fan  *rbacFan    `json:"f,omitempty"`
	Work []groupWork `json:"w,omitempty"`
}

func (gc groupCursor) encode() string {
	b, _ := json.Marshal(gc)
	return string(b)
}

func parseGroupCursor(tok string) (groupCursor, error) {
	return parseWorkCursor(tok, workMembers, workOwners, workEligible)
}

// parseWorkCursor restores a cursor whose reads are of the given kinds.
func parseWorkCursor(tok string, kinds ...string) (groupCursor, error) {
	if tok == "" {
		return groupCursor{Fan: &rbacFan{}}, nil
	}
	var gc groupCursor
	if err := json.Unmarshal([]byte(tok), &gc); err != nil || (gc.Fan == nil && len(gc.Work) == 0) {
		return groupCursor{}, errMalformedToken(tok)
	}
	for _, w := range gc.Work {
		if w.Group == "" || !contains(kinds, w.Kind) {
			return groupCursor{}, errMalformedToken(tok)
		}
	}
	return gc, nil
}

// PIMForGroupsCapable reports whether PIM for Groups can manage a group: security and Microsoft 365
// groups with assigned membership that are mastered in the cloud.
func PIMForGroupsCapable(g graph.Group) bool {
	switch {
	case contains(g.GroupTypes, "DynamicMembership"):
		return false
	case g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled:
		return false
	case g.MailEnabled && !contains(g.GroupTypes, "Unified"):
		return false
	}
	return true
}

// GrantsForResourceType serves the group grants (see above).
func (s *groupSyncer) GrantsForResourceType(ctx context.Context, _ string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	cur, err := parseGroupCursor(opts.PageToken.Token)
	if err != nil {
		return nil, nil, wrapErr(err, "resume the group grants")
	}
	if cur.Fan != nil {
		return s.fanOut(ctx, cur.Fan)
	}
	return s.work(ctx, cur.Work)
}

// fanOut emits the owner grants of the groups of one listing page whose owners are all inline (fewer than
// graph.ExpandLimit) and enqueues the page's reads: members delta rounds of deltaGroups groups
// (deltaReadsPerCall per cursor), and owner reads (groups showing graph.ExpandLimit owners) and eligibility
// reads (groupWorkPerCall per cursor). A page holds at most 100 groups, so far fewer than maxEnqueue
// cursors, and at most 1,900 inline owner grants, well within a page's byte budget; should they not fit
// (a test's tiny budget), the owners of the groups that do not fit are read instead.
func (s *groupSyncer) fanOut(ctx context.Context, fan *rbacFan) ([]*v2.Grant, *rs.SyncOpResults, error) {
	page, err := s.c.graph.ListGroupKindsWithOwners(ctx, fan.Link)
	if err != nil {
		return nil, nil, wrapErr(err, "list groups")
	}
	var ids []string
	var work []groupWork
	var grants []*v2.Grant
	size := 0
	for _, g := range page.Value {
		if g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled && s.c.s.skipADGroups {
			s.c.spTypes.set(g.ID, notSynced)
			continue // skip-ad-groups: the group is not synced, so neither are its grants
		}
		if s.c.s.skipADGroups {
			s.c.spTypes.set(g.ID, typeGroup) // a nested member of another group: synced
		}
		ids = append(ids, g.ID)
		inline := len(g.Owners) < graph.ExpandLimit // else perhaps more than shown: read them all
		if inline {
			before := len(grants)
			grants = s.ownerGrants(ctx, g.ID, g.Owners, grants)
			added := 0
			for _, gr := range grants[before:] {
				added += proto.Size(gr)
			}
			if inline = size+added <= s.c.grantPageBytes(); inline {
				size += added
			} else {
				grants = grants[:before]
			}
		}
		if !inline {
			work = append(work, groupWork{Group: g.ID, Kind: workOwners})
		}
		if !s.c.s.skipP2 && PIMForGroupsCapable(g.Group) {
			work = append(work, groupWork{Group: g.ID, Kind: workEligible})
		}
	}
	var tokens []string
	for start := 0; start < len(ids); start += deltaGroups * deltaReadsPerCall {
		var reads []groupWork
		for k := start; k < min(start+deltaGroups*deltaReadsPerCall, len(ids)); k += deltaGroups {
			reads = append(reads, groupWork{Group: strings.Join(ids[k:min(k+deltaGroups, len(ids))], ","), Kind: workMembers})
		}
		tokens = append(tokens, groupCursor{Work: reads}.encode())
	}
	for start := 0; start < len(work); start += groupWorkPerCall {
		tokens = append(tokens, groupCursor{Work: work[start:min(start+groupWorkPerCall, len(work))]}.encode())
	}
	next := ""
	if page.NextLink != "" {
		next = groupCursor{Fan: &rbacFan{Link: page.NextLink}}.encode()
	}
	res := &rs.SyncOpResults{NextPageToken: next}
	if len(tokens) > 0 {
		res.Annotations = annotations.New(v2.EnqueuePageTokens_builder{PageTokens: tokens, EstimatedTotal: int64(len(tokens))}.Build())
	}
	return grants, res, nil
}

// ownerGrants appends the owner grants of a group, from the fan-out's inline owners or a page of an
// owners read.
func (s *groupSyncer) ownerGrants(ctx context.Context, groupID string, owners []graph.DirectoryObject, grants []*v2.Grant) []*v2.Grant {
	for _, o := range owners {
		p, ok := s.c.principalOf(o)
		if !ok {
			skipUnmodelled(ctx, "group "+groupID+" owners", o)
			continue
		}
		grants = append(grants, s.c.newGrant(groupStub(groupID), entOwner, p, nil))
	}
	return grants
}

// workTarget is the Graph target of a read.
func workTarget(w groupWork) string {
	if w.Link != "" {
		return w.Link
	}
	switch w.Kind {
	case workOwners:
		return graph.GroupOwnersPath(w.Group)
	case workEligible:
		return graph.GroupEligibilitiesPath(w.Group)
	}
	return graph.GroupMembersDeltaPath(strings.Split(w.Group, ","))
}

// work reads one page of each of the group reads with JSON batching and emits their grants.
func (s *groupSyncer) work(ctx context.Context, work []groupWork) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return s.c.readBatched(ctx, work, workTarget, "read group members, owners and eligibilities",
		func(w groupWork, r graph.BatchResult, grants []*v2.Grant) ([]*v2.Grant, string, error) {
			switch w.Kind {
			case workMembers:
				return s.deltaMembers(ctx, w, r, grants)
			case workOwners:
				page, err := graph.DecodePage[graph.DirectoryObject](r)
				if err != nil {
					return nil, "", wrapErr(err, "list owners of group "+w.Group)
				}
				return s.ownerGrants(ctx, w.Group, page.Value, grants), page.NextLink, nil
			}
			res := groupStub(w.Group)
			page, err := graph.DecodePage[graph.GroupSchedule](r)
			if err != nil {
				if isPremiumError(err) {
					return nil, "", premiumError("PIM for Groups eligibility", err)
				}
				return nil, "", wrapErr(err, "list PIM for Groups eligibilities of group "+w.Group)
			}
			for _, e := range page.Value {
				p, ok := s.c.schedulePrincipal(ctx, "group "+w.Group+" eligibility", e.Principal, e.PrincipalID)
				if !ok {
					continue
				}
				slug := entEligibleMember
				if e.AccessID == "owner" {
					slug = entEligibleOwner
				}
				grants = append(grants, s.c.newGrant(res, slug, p, scheduleMetadata(e.StartDateTime, e.EndDateTime)))
			}
			return grants, page.NextLink, nil
		})
}

// deltaMembers emits the member grants of one page of a members delta round. The round's first pass lists
// current members only; entries marked @removed (and groups removed meanwhile) are left out, and a group
// the round was not asked for fails the call rather than be attributed.
func (s *groupSyncer) deltaMembers(ctx context.Context, w groupWork, r graph.BatchResult, grants []*v2.Grant) ([]*v2.Grant, string, error) {
	page, err := graph.DecodePage[graph.GroupMembersDelta](r)
	if err != nil {
		return nil, "", wrapErr(err, "list members of groups "+w.Group)
	}
	// Delta entries carry a member's type and id only: learn what a service principal is (enterprise
	// application or managed identity) and, with skip-ad-groups, whether a group is AD-synced, unless
	// already known from the listings.
	var unknown []string
	for _, g := range page.Value {
		for _, m := range g.Members {
			if m.ODataType == graph.TypeServicePrincipal || (m.ODataType == graph.TypeGroup && s.c.s.skipADGroups) {
				if _, known := s.c.spTypes.lookup(m.ID); !known {
					unknown = append(unknown, m.ID)
				}
			}
		}
	}
	if err := s.c.resolvePrincipals(ctx, unknown); err != nil {
		return nil, "", err
	}
	asked := strings.Split(strings.ToLower(w.Group), ",")
	for _, g := range page.Value {
		if g.Removed != nil {
			continue
		}
		if !contains(asked, strings.ToLower(g.ID)) {
			return nil, "", wrapErr(fmt.Errorf("the members delta round of groups %s returned group %s", w.Group, g.ID), "list group members")
		}
		res := groupStub(g.ID)
		for _, m := range g.Members {
			if m.Removed != nil {
				continue
			}
			if m.ODataType == graph.TypeGroup {
				if t, _ := s.c.spTypes.lookup(m.ID); t == notSynced {
					continue // skip-ad-groups: an AD-synced nested group is not synced
				}
			}
			p, ok := s.c.principalOf(m.DirectoryObject)
			if !ok {
				skipUnmodelled(ctx, "group "+g.ID+" members", m.DirectoryObject)
				continue
			}
			grants = append(grants, s.c.newGrant(res, entMember, p, nil))
		}
	}
	return grants, page.NextLink, nil
}
