package connector

import (
	"context"
	"encoding/json"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Group grants are enumerated per type (TypeScopedGrants), not per group. The first call lists a page of
// groups (only the properties that decide their kind) and enqueues (EnqueuePageTokens) one cursor per
// groupWorkPerCall reads: each group's members, owners and — where PIM for Groups can exist at all —
// eligibility instances. A cursor reads all of its pages with JSON batching (graph.GetBatch: 20
// sub-requests per $batch, the batches of one call concurrently), emits the grants, and continues with
// the next links of the reads that have more pages (a group of more than 999 members), each followed on
// its own inside later batches. With --workers > 1 the cursors also run in parallel.
//
// PIM for Groups cannot manage dynamic groups, groups synchronized from on-premises Active Directory, or
// mail-enabled groups other than Microsoft 365 groups (distribution and mail-enabled security groups are
// mastered in Exchange); Graph refuses eligibility requests for them, so they are never queried.

// groupWorkPerCall is how many reads (group × members/owners/eligibility) one cursor holds: three $batch
// requests sent concurrently.
const groupWorkPerCall = 3 * graph.BatchSize

// Kinds of group reads.
const (
	workMembers  = "m"
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

// fanOut enqueues the reads of the groups of one listing page (from Skip on), at most maxEnqueue cursors
// per response, and says where the listing continues.
func (s *groupSyncer) fanOut(ctx context.Context, fan *rbacFan) ([]*v2.Grant, *rs.SyncOpResults, error) {
	page, err := s.c.graph.ListGroupKinds(ctx, fan.Link)
	if err != nil {
		return nil, nil, wrapErr(err, "list groups")
	}
	var tokens []string
	var batch []groupWork
	flush := func() {
		if len(batch) > 0 {
			tokens = append(tokens, groupCursor{Work: batch}.encode())
			batch = nil
		}
	}
	i := min(fan.Skip, len(page.Value))
	for ; i < len(page.Value) && len(tokens) < maxEnqueue; i++ {
		g := page.Value[i]
		if g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled && s.c.s.skipADGroups {
			continue // skip-ad-groups: the group is not synced, so neither are its grants
		}
		work := []groupWork{{Group: g.ID, Kind: workMembers}, {Group: g.ID, Kind: workOwners}}
		if !s.c.s.skipP2 && PIMForGroupsCapable(g) {
			work = append(work, groupWork{Group: g.ID, Kind: workEligible})
		}
		if len(batch)+len(work) > groupWorkPerCall {
			flush()
			if len(tokens) == maxEnqueue {
				break // this group starts the next response
			}
		}
		batch = append(batch, work...)
	}
	if len(tokens) < maxEnqueue {
		flush()
	}
	next := ""
	switch {
	case i < len(page.Value):
		next = groupCursor{Fan: &rbacFan{Link: fan.Link, Skip: i}}.encode()
	case page.NextLink != "":
		next = groupCursor{Fan: &rbacFan{Link: page.NextLink}}.encode()
	}
	res := &rs.SyncOpResults{NextPageToken: next}
	if len(tokens) > 0 {
		res.Annotations = annotations.New(v2.EnqueuePageTokens_builder{PageTokens: tokens, EstimatedTotal: int64(len(tokens))}.Build())
	}
	return nil, res, nil
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
	return graph.GroupMembersPath(w.Group)
}

// work reads one page of each of the group reads with JSON batching and emits their grants.
func (s *groupSyncer) work(ctx context.Context, work []groupWork) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return s.c.readBatched(ctx, work, workTarget, "read group members, owners and eligibilities",
		func(w groupWork, r graph.BatchResult, grants []*v2.Grant) ([]*v2.Grant, string, error) {
			res := groupStub(w.Group)
			switch w.Kind {
			case workMembers, workOwners:
				page, err := graph.DecodePage[graph.DirectoryObject](r)
				what, slug := "members", entMember
				if w.Kind == workOwners {
					what, slug = "owners", entOwner
				}
				if err != nil {
					return nil, "", wrapErr(err, "list "+what+" of group "+w.Group)
				}
				for _, o := range page.Value {
					p, ok := s.c.principalOf(o)
					if !ok {
						skipUnmodelled(ctx, "group "+w.Group+" "+what, o)
						continue
					}
					grants = append(grants, s.c.newGrant(res, slug, p, nil))
				}
				return grants, page.NextLink, nil
			}
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
