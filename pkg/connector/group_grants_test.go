package connector_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// groupGrants calls the type-scoped group grant enumeration with a page token.
func groupGrants(t *testing.T, sy map[string]connectorbuilder.ResourceSyncerV2, token string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	t.Helper()
	return sy["group"].(connectorbuilder.TypeScopedGrantsSyncer).GrantsForResourceType(t.Context(), "group",
		rs.SyncOpAttrs{SyncID: "s1", PageToken: pagination.Token{Token: token}})
}

// workToken is the page token of a cursor reading the members, owners and eligibilities of a group.
func workToken(groupID string) string {
	return fmt.Sprintf(`{"w":[{"g":%q,"k":"d"},{"g":%q,"k":"o"},{"g":%q,"k":"e"}]}`, groupID, groupID, groupID)
}

// appWorkToken is the page token of a cursor reading the app role assignments and owners of a service
// principal.
func appWorkToken(spID string) string {
	return fmt.Sprintf(`{"w":[{"g":%q,"k":"a"},{"g":%q,"k":"ao"}]}`, spID, spID)
}

// addMembers adds n new users to a group (and returns the group's member count).
func addMembers(t *testing.T, s *azsim.Server, groupID string, n int) int {
	t.Helper()
	var count int
	s.UpdateWorld(func(w *world.World) {
		for i := range n {
			u := &world.User{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1), DisplayName: fmt.Sprintf("Bulk %d", i),
				UserPrincipalName: fmt.Sprintf("bulk%d@%s", i, w.Tenant.DefaultDomain), AccountEnabled: true, UserType: "Member"}
			if err := w.AddUser(u); err != nil {
				t.Fatal(err)
			}
			if err := w.AddGroupMember(groupID, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
				t.Fatal(err)
			}
		}
		for _, g := range w.Groups {
			if g.ID == groupID {
				count = len(g.Members)
			}
		}
	})
	return count
}

// TestSync_GroupOfMoreThan999Members_FollowsNextLinksInsideBatches gives a group 1,200 more members than
// one page holds: the batched reads follow the group's next link in later batches and the file equals
// ground truth (with throttling on, as in production).
func TestSync_GroupOfMoreThan999Members_FollowsNextLinksInsideBatches(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 21, Throttle: azsim.ThrottleS}, azsim.ReaderAppName)
	var groupID string
	s.ReadWorld(func(w *world.World) { groupID = w.Groups[0].ID })
	if n := addMembers(t, s, groupID, 1200); n <= graph.PageSize {
		t.Fatalf("group has %d members, want more than one page", n)
	}
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
	if got := s.Stats().Route("POST", "/v1.0/$batch").Requests; got == 0 {
		t.Fatal("no $batch request: the batched path was not used")
	}
	if got := s.Stats().Route("GET", "/v1.0/groups/delta").Requests; got < 2 {
		t.Fatalf("%d members delta pages: the big group did not span pages", got)
	}
}

// TestGroupGrants_NextLinkOfABigGroup_IsTheNextPageToken reads the members of a 1,200-member group (and of
// a small one) with one delta round: the first page holds up to 999 entries, the token continues with
// the round's next link, and every member is granted exactly once.
func TestGroupGrants_NextLinkOfABigGroup_IsTheNextPageToken(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 22}, azsim.ReaderAppName)
	var groupID, small string
	var smallMembers int
	s.ReadWorld(func(w *world.World) {
		groupID, small, smallMembers = w.Groups[0].ID, w.Groups[1].ID, len(w.Groups[1].Members)
	})
	total := addMembers(t, s, groupID, 1200)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sy := syncers(t, b)
	members := map[string]bool{}
	grants := 0
	tok := fmt.Sprintf(`{"w":[{"g":"%s,%s","k":"d"}]}`, groupID, small)
	for pages := 0; tok != ""; pages++ {
		if pages > 3 {
			t.Fatal("no end after 3 pages")
		}
		gs, res, err := groupGrants(t, sy, tok)
		if err != nil {
			t.Fatal(err)
		}
		if pages == 0 && (len(gs) > graph.PageSize || len(gs) < graph.PageSize-2 || res.NextPageToken == "") {
			t.Fatalf("first page: %d grants, next %q; want a full page of 999 entries and a next link", len(gs), res.NextPageToken)
		}
		for _, g := range gs {
			grants++
			if g.GetEntitlement().GetId() != "group:"+small+":member" {
				if g.GetEntitlement().GetId() != "group:"+groupID+":member" {
					t.Fatalf("unexpected grant %s", g.GetId())
				}
				members[g.GetPrincipal().GetId().GetResource()] = true
			}
		}
		tok = res.NextPageToken
	}
	if len(members) != total || grants != total+smallMembers {
		t.Fatalf("%d distinct members of the big group in %d grants, want %d in %d", len(members), grants, total, total+smallMembers)
	}
}

// TestGroupGrants_AFailedSubRequest_FailsTheCallWithNoGrants makes the members sub-request inside the
// $batch fail (5xx): the call is Unavailable, so baton retries it whole; never a partial page. (A 403
// inside a batch is PermissionDenied: TestPruneSafety_FailingCallsReturnErrorsNeverEmptyPages.)
func TestGroupGrants_AFailedSubRequest_FailsTheCallWithNoGrants(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 23}, azsim.ReaderAppName)
	var groupID string
	s.ReadWorld(func(w *world.World) { groupID = w.Groups[0].ID })
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sy := syncers(t, b)
	for _, tc := range []struct {
		route  string
		status int
		want   codes.Code
	}{
		{"GET /v1.0/groups/delta", 503, codes.Unavailable},
		{"GET /v1.0/groups/{id}/owners", 500, codes.Unavailable},
		{"GET /v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", 504, codes.Unavailable},
	} {
		if err := s.SetFaults("none", azsim.FaultRule{Route: tc.route, Kind: azsim.FaultError, Status: tc.status}); err != nil {
			t.Fatal(err)
		}
		gs, res, err := groupGrants(t, sy, workToken(groupID))
		if status.Code(err) != tc.want || len(gs) != 0 || res != nil {
			t.Errorf("%d on %s: %d grants, err %v; want %v and nothing else", tc.status, tc.route, len(gs), err, tc.want)
		}
	}
	if err := s.SetFaults("none"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := groupGrants(t, sy, workToken(groupID)); err != nil {
		t.Fatalf("without faults: %v", err)
	}
}

// TestSync_ThrottledAndFailingSubRequests_StillEqualsGroundTruth throttles 30 % of the batched sub-requests
// (group members and eligibility, enterprise app role assignments and owners; 429 with Retry-After) and of
// the group listing that carries the owners, and fails a few with 503: the throttled ones are resent, the
// failed calls retried by baton, and the file equals ground truth.
func TestSync_ThrottledAndFailingSubRequests_StillEqualsGroundTruth(t *testing.T) {
	t.Parallel()
	rules := []azsim.FaultRule{{Route: "GET /v1.0/groups/delta", Kind: azsim.FaultError, Status: 503, Count: 2}}
	for _, r := range []string{"GET /v1.0/groups/delta", "GET /v1.0/groups",
		"GET /v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
		"GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo", "GET /v1.0/servicePrincipals/{id}/owners"} {
		rules = append(rules, azsim.FaultRule{Route: r, Kind: azsim.FaultThrottle, Probability: 0.3, RetryAfter: 20 * time.Millisecond})
	}
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 24, FaultRules: rules}, azsim.ReaderAppName)
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
	st := s.Stats()
	if st.Faults["throttle"] == 0 || st.Faults["error_503"] != 2 {
		t.Fatalf("faults %v: the throttled or failing sub-requests did not happen", st.Faults)
	}
}

// TestSync_FlakyFaultsAndThrottling_EqualsGroundTruth runs a whole sync against the flaky fault profile
// (5xx, 429s and connection resets on every kind of request) with small-tenant throttling: fast must never
// mean lossy.
func TestSync_FlakyFaultsAndThrottling_EqualsGroundTruth(t *testing.T) {
	t.Parallel()
	rules, err := azsim.FaultProfile(azsim.FaultsFlaky)
	if err != nil {
		t.Fatal(err)
	}
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 25, Throttle: azsim.ThrottleS, FaultRules: rules}, azsim.ReaderAppName)
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
}

// TestGroupGrants_FanOut_EnqueuesEveryGroupOnce checks the first call of a tenant where one group has 25
// owners: the owner grants of every other group, from the listing's inline owners, and one cursor per
// batch of reads: every group's members once, the owners of the big group only (the listing shows 20 of
// its owners), eligibility only where PIM for Groups can exist.
func TestGroupGrants_FanOut_EnqueuesEveryGroupOnce(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 26}, azsim.ReaderAppName)
	var big string
	s.ReadWorld(func(w *world.World) { big = w.Groups[2].ID })
	addOwners(t, s, big, 25)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	gs, res, err := groupGrants(t, syncers(t, b), "")
	if err != nil {
		t.Fatalf("fan-out: %v", err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.GetEntitlement().GetId()+" "+g.GetPrincipal().GetId().GetResource())
	}
	var enq v2.EnqueuePageTokens
	annos := annotations.Annotations(res.Annotations)
	if ok, err := annos.Pick(&enq); !ok || err != nil {
		t.Fatalf("no EnqueuePageTokens (%v)", err)
	}
	reads := map[string]int{}
	for _, tok := range enq.GetPageTokens() {
		var c struct {
			W []struct{ G, K string }
		}
		if err := json.Unmarshal([]byte(tok), &c); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.W {
			if w.K == "d" {
				ids := strings.Split(w.G, ",")
				if len(ids) > 25 {
					t.Fatalf("a members delta round of %d groups", len(ids))
				}
				for _, id := range ids {
					reads[id+"|m"]++
				}
				continue
			}
			reads[w.G+"|"+w.K]++
		}
	}
	want := map[string]int{}
	var wantGrants []string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			want[g.ID+"|m"] = 1
			if len(g.Owners) >= graph.ExpandLimit {
				want[g.ID+"|o"] = 1
			} else {
				for _, o := range g.Owners {
					wantGrants = append(wantGrants, "group:"+g.ID+":owner "+o.ID)
				}
			}
			gg := graph.Group{GroupTypes: g.GroupTypes, MailEnabled: g.MailEnabled, SecurityEnabled: g.SecurityEnabled,
				OnPremisesSyncEnabled: g.OnPremisesSyncEnabled}
			if connector.PIMForGroupsCapable(gg) {
				want[g.ID+"|e"] = 1
			}
		}
	})
	if want[big+"|o"] != 1 || len(wantGrants) == 0 {
		t.Fatalf("setup: group %s does not need an owners read, or no other group has owners", big)
	}
	if fmt.Sprint(reads) != fmt.Sprint(want) {
		t.Fatalf("reads %v\nwant %v", reads, want)
	}
	sort.Strings(got)
	sort.Strings(wantGrants)
	if strings.Join(got, "\n") != strings.Join(wantGrants, "\n") {
		t.Fatalf("fan-out grants\n%v\nwant the inline owners\n%v", got, wantGrants)
	}
	if res.NextPageToken != "" {
		t.Fatalf("tiny has one page of groups, got next token %q", res.NextPageToken)
	}
}

// addOwners makes n new users owners of a group (and returns the group's owner count).
func addOwners(t *testing.T, s *azsim.Server, groupID string, n int) int {
	t.Helper()
	var count int
	s.UpdateWorld(func(w *world.World) {
		for i := range n {
			u := &world.User{ID: fmt.Sprintf("00000000-0000-4000-8100-%012d", i+1), DisplayName: fmt.Sprintf("Owner %d", i),
				UserPrincipalName: fmt.Sprintf("owner%d@%s", i, w.Tenant.DefaultDomain), AccountEnabled: true, UserType: "Member"}
			if err := w.AddUser(u); err != nil {
				t.Fatal(err)
			}
			if err := w.AddGroupOwner(groupID, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
				t.Fatal(err)
			}
		}
		count = len(w.Group(groupID).Owners)
	})
	return count
}

// TestSync_GroupOfMoreThan20Owners_GetsEveryOwner gives a group 30 more owners than Graph expands inline
// (20) and another exactly 20: the sync equals ground truth — every owner of the big group granted — and
// reads /groups/{id}/owners for those two groups only, never for the groups whose owners were all inline.
func TestSync_GroupOfMoreThan20Owners_GetsEveryOwner(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 27}, azsim.ReaderAppName)
	var big, twenty string
	var groups int
	s.ReadWorld(func(w *world.World) { big, twenty, groups = w.Groups[0].ID, w.Groups[1].ID, len(w.Groups) })
	owners := addOwners(t, s, big, 30)
	s.UpdateWorld(func(w *world.World) {
		for _, u := range w.Users {
			if len(w.Group(twenty).Owners) == graph.ExpandLimit {
				break
			}
			if !w.Group(twenty).HasOwner(u.ID) {
				if err := w.AddGroupOwner(twenty, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
	granted := 0
	for _, g := range f.Grants {
		if g.GetEntitlement().GetId() == "group:"+big+":owner" {
			granted++
		}
	}
	if owners <= graph.ExpandLimit || granted != owners {
		t.Fatalf("%d owner grants of a group of %d owners", granted, owners)
	}
	if got := s.Stats().Route("GET", "/v1.0/groups/{id}/owners").Requests; got != 2 {
		t.Fatalf("%d owners reads for %d groups, want 2 (the groups showing 20 owners)", got, groups)
	}
}

// TestPIMForGroupsCapable_FollowsWhatPIMForGroupsCanManage documents the rule.
func TestPIMForGroupsCapable_FollowsWhatPIMForGroupsCanManage(t *testing.T) {
	t.Parallel()
	yes := true
	for _, tc := range []struct {
		name string
		g    graph.Group
		want bool
	}{
		{"security", graph.Group{SecurityEnabled: true}, true},
		{"Microsoft 365", graph.Group{GroupTypes: []string{"Unified"}, MailEnabled: true}, true},
		{"role-assignable security", graph.Group{SecurityEnabled: true, IsAssignableToRole: &yes}, true},
		{"dynamic security", graph.Group{SecurityEnabled: true, GroupTypes: []string{"DynamicMembership"}}, false},
		{"dynamic Microsoft 365", graph.Group{GroupTypes: []string{"Unified", "DynamicMembership"}, MailEnabled: true}, false},
		{"synced from AD", graph.Group{SecurityEnabled: true, OnPremisesSyncEnabled: &yes}, false},
		{"mail-enabled security", graph.Group{SecurityEnabled: true, MailEnabled: true}, false},
		{"distribution", graph.Group{MailEnabled: true}, false},
	} {
		if got := connector.PIMForGroupsCapable(tc.g); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
