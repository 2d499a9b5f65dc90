package azsim_test

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// graphFixture is an in-process simulator with a Graph token of the reader app.
type graphFixture struct {
	s     *azsim.Server
	tok   string
	base  string
	world func(func(*world.World))
}

func newGraphFixture(t *testing.T, o azsim.Options) *graphFixture {
	t.Helper()
	o.NoListener = true
	s := start(t, o)
	return &graphFixture{s: s, tok: token(t, s, readerApp(t, s), "https://graph.microsoft.com/.default"),
		base: s.GraphURL() + "/v1.0", world: s.ReadWorld}
}

func (f *graphFixture) get(t *testing.T, path string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	status, m, _ := call(t, f.s, http.MethodGet, f.base+path, f.tok, hdr)
	return status, m
}

func TestGraphUsers_PagedWithTop_ReturnsEveryUserOnceAcrossPages(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	var want []string
	f.world(func(w *world.World) {
		for _, u := range w.Users {
			want = append(want, u.ID)
		}
	})
	got, pages := drain(t, f.s, f.base+"/users?$select=id,displayName&$top=7", f.tok, nil)
	if wantPages := (len(want) + 6) / 7; pages != wantPages {
		t.Errorf("pages = %d, want %d", pages, wantPages)
	}
	var ids []string
	for _, u := range got {
		ids = append(ids, u["id"].(string))
		if len(u) != 2 {
			t.Fatalf("$select=id,displayName returned %v", u)
		}
	}
	sort.Strings(ids)
	sort.Strings(want)
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("users across pages differ from the world:\n got %v\nwant %v", ids, want)
	}
}

// TestGraphPaging_Filtered_EveryMatchOnceInOrder: a filtered collection paged with a small $top (pages
// after the first resume the scan where the previous one stopped) returns exactly the matching objects, in
// collection order, each once — with and without $count, which makes the first page count them all.
func TestGraphPaging_Filtered_EveryMatchOnceInOrder(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	var want []string
	f.world(func(w *world.World) {
		for _, u := range w.Users {
			if u.UserType == "Member" {
				want = append(want, u.ID)
			}
		}
	})
	if len(want) < 4 {
		t.Fatalf("the tenant has %d members; the test needs several pages", len(want))
	}
	for _, extra := range []string{"", "&$count=true"} {
		got, pages := drain(t, f.s, f.base+"/users?$select=id&$top=3&$filter=userType+eq+'Member'"+extra, f.tok,
			map[string]string{"ConsistencyLevel": "eventual"})
		var ids []string
		for _, u := range got {
			ids = append(ids, u["id"].(string))
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("%q: pages returned\n %v\nwant (collection order)\n %v", extra, ids, want)
		}
		if wantPages := (len(want) + 2) / 3; pages != wantPages {
			t.Errorf("%q: %d pages, want %d", extra, pages, wantPages)
		}
	}
	_, m := f.get(t, "/users?$select=id&$top=3&$filter=userType+eq+'Member'&$count=true", map[string]string{"ConsistencyLevel": "eventual"})
	if c, _ := m["@odata.count"].(float64); int(c) != len(want) {
		t.Errorf("@odata.count = %v, want %d", m["@odata.count"], len(want))
	}
}

func TestGraphPaging_NextLink_IsAbsoluteAndBoundToItsQuery(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	_, m := f.get(t, "/users?$top=3&$select=id", nil)
	next, _ := m["@odata.nextLink"].(string)
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "https" || !strings.HasPrefix(next, f.base+"/users?") {
		t.Fatalf("nextLink %q is not an absolute link to /users", next)
	}
	if u.Query().Get("$select") != "id" || u.Query().Get("$top") != "3" || u.Query().Get("$skiptoken") == "" {
		t.Fatalf("nextLink %q does not carry the original query and a $skiptoken", next)
	}
	// The token is bound to the query it came from.
	status, m := f.get(t, "/users?$top=5&$skiptoken="+url.QueryEscape(u.Query().Get("$skiptoken")), nil)
	if code, _ := errCode(m); status != http.StatusBadRequest || code != "Request_BadRequest" {
		t.Fatalf("reused skiptoken with another query: %d %v", status, m)
	}
}

func TestGraphQuery_Errors_MatchGraph(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	for _, tc := range []struct {
		path, code, msgPart string
		status              int
	}{
		{"/users?$top=1000", "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.", 400},
		{"/users?$top=0", "Request_UnsupportedQuery", "Must be between 1 and 999 inclusive", 400},
		{"/users?$select=id,nope", "Request_BadRequest", "Could not find a property named 'nope' on type 'microsoft.graph.user'.", 400},
		{"/users?$filter=userType ne 'Guest'", "Request_UnsupportedQuery", "Operator 'ne' is not supported because the required parameters might be missing.", 400},
		{"/users?$filter=createdDateTime eq 'x' or jobTitle eq", "BadRequest", "Invalid filter clause", 400},
		{"/users?$filter=faxNumber eq '1'", "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'faxNumber' of resource 'User'.", 400},
		{"/users/$count", "Request_BadRequest", "$count is not currently supported.", 400},
		{"/users?$search=\"displayName:a\"", "Request_UnsupportedQuery", "ConsistencyLevel: eventual", 400},
		{"/users?$skip=2", "Request_BadRequest", "'$skip' is not supported by the service.", 400},
		{"/users?$orderby=displayName", "Request_UnsupportedQuery", "$orderby", 400},
		{"/groups?$expand=nope", "ExpandNotSupported", "nope", 400},
		{"/users/00000000-0000-0000-0000-00000000dead", "Request_ResourceNotFound", "does not exist", 404},
		{"/nothing", "BadRequest", "Resource not found for the segment 'nothing'.", 400},
	} {
		status, m := f.get(t, tc.path, nil)
		code, msg := errCode(m)
		if status != tc.status || code != tc.code || !strings.Contains(msg, tc.msgPart) {
			t.Errorf("GET %s: %d %s %q; want %d %s containing %q", tc.path, status, code, msg, tc.status, tc.code, tc.msgPart)
		}
		inner, _ := m["error"].(map[string]any)["innerError"].(map[string]any)
		if inner["request-id"] == nil || inner["date"] == nil {
			t.Errorf("GET %s: error body lacks innerError.request-id/date: %v", tc.path, m)
		}
	}
}

func TestGraphFilter_MatchesWorldExactly(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	counts := map[string]int{}
	f.world(func(w *world.World) {
		for _, u := range w.Users {
			if u.UserType == "Guest" {
				counts["guest"]++
			}
			if !u.AccountEnabled {
				counts["disabled"]++
			}
			if u.UserType != "Guest" {
				counts["notGuest"]++
			}
		}
		for _, g := range w.Groups {
			if g.IsUnified() {
				counts["unified"]++
			}
			if g.SecurityEnabled && g.MailEnabled {
				counts["mailSec"]++
			}
		}
	})
	eventual := map[string]string{"ConsistencyLevel": "eventual"}
	for _, tc := range []struct {
		path string
		hdr  map[string]string
		want int
	}{
		{"/users?$filter=userType eq 'Guest'&$top=999", nil, counts["guest"]},
		{"/users?$filter=userType in ('Guest')&$top=999", nil, counts["guest"]},
		{"/users?$filter=accountEnabled eq false&$top=999", nil, counts["disabled"]},
		{"/users?$filter=userType ne 'Guest'&$count=true&$top=999", eventual, counts["notGuest"]},
		{"/groups?$filter=groupTypes/any(c:c eq 'Unified')&$top=999", nil, counts["unified"]},
		{"/groups?$filter=securityEnabled eq true and mailEnabled eq true&$top=999", nil, counts["mailSec"]},
	} {
		status, m := f.get(t, tc.path, tc.hdr)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d %v", tc.path, status, m)
			continue
		}
		if n := len(items(m)); n != tc.want {
			t.Errorf("GET %s: %d items, want %d", tc.path, n, tc.want)
		}
		if tc.hdr != nil {
			if c, _ := m["@odata.count"].(float64); int(c) != tc.want {
				t.Errorf("GET %s: @odata.count = %v, want %d", tc.path, m["@odata.count"], tc.want)
			}
		} else if _, has := m["@odata.count"]; has {
			t.Errorf("GET %s: @odata.count without ConsistencyLevel", tc.path)
		}
	}
	if counts["guest"] == 0 || counts["disabled"] == 0 || counts["unified"] == 0 {
		t.Fatalf("tiny must contain guests, disabled users and M365 groups: %v", counts)
	}
}

func TestGraphCount_RequiresEventualConsistency(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	var n int
	f.world(func(w *world.World) { n = len(w.Users) })
	status, m := f.get(t, "/users/$count", map[string]string{"ConsistencyLevel": "eventual"})
	if status != http.StatusOK || m["text"] != strconv.Itoa(n) {
		t.Fatalf("/users/$count = %d %v, want %d", status, m, n)
	}
	// $count=true without the header is silently ignored, as Graph does.
	_, m = f.get(t, "/users?$count=true&$top=1", nil)
	if _, has := m["@odata.count"]; has {
		t.Fatal("@odata.count returned without ConsistencyLevel: eventual")
	}
	// @odata.count only on the first page.
	_, m = f.get(t, "/users?$count=true&$top=2", map[string]string{"ConsistencyLevel": "eventual"})
	next := m["@odata.nextLink"].(string)
	_, m2, _ := call(t, f.s, http.MethodGet, next, f.tok, map[string]string{"ConsistencyLevel": "eventual"})
	if m["@odata.count"] == nil || m2["@odata.count"] != nil {
		t.Fatalf("@odata.count must be on page 1 only: page1=%v page2=%v", m["@odata.count"], m2["@odata.count"])
	}
}

func TestGraphGroups_MembersOwnersAndTransitive_MatchWorld(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	type want struct {
		id              string
		members, owners map[string]string
	}
	var groups []want
	f.world(func(w *world.World) {
		for _, g := range w.Groups {
			gw := want{id: g.ID, members: map[string]string{}, owners: map[string]string{}}
			for _, m := range g.Members {
				gw.members[m.ID] = m.Kind.ODataType()
			}
			for _, m := range g.Owners {
				gw.owners[m.ID] = m.Kind.ODataType()
			}
			groups = append(groups, gw)
		}
	})
	for _, g := range groups {
		for rel, want := range map[string]map[string]string{"members": g.members, "owners": g.owners} {
			got, _ := drain(t, f.s, f.base+"/groups/"+g.id+"/"+rel+"?$top=5", f.tok, nil)
			if len(got) != len(want) {
				t.Errorf("group %s %s: %d, want %d", g.id, rel, len(got), len(want))
			}
			for _, m := range got {
				if want[m["id"].(string)] != m["@odata.type"] {
					t.Errorf("group %s %s: %v has @odata.type %v, want %q", g.id, rel, m["id"], m["@odata.type"], want[m["id"].(string)])
				}
			}
		}
	}
	// transitiveMembers: every direct member is in it, and nested members are too; the cycle terminates.
	sawNested := false
	for _, g := range groups {
		got, _ := drain(t, f.s, f.base+"/groups/"+g.id+"/transitiveMembers?$top=999", f.tok, nil)
		seen := map[string]bool{}
		for _, m := range got {
			if seen[m["id"].(string)] {
				t.Fatalf("group %s transitiveMembers repeats %v", g.id, m["id"])
			}
			seen[m["id"].(string)] = true
		}
		for id := range g.members {
			if !seen[id] {
				t.Errorf("group %s transitiveMembers lacks direct member %s", g.id, id)
			}
		}
		if len(got) > len(g.members) {
			sawNested = true
		}
	}
	if !sawNested {
		t.Error("no group has nested members in tiny")
	}
}

func TestGraphAuthorization_MissingPermissionAndWrongToken(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Now()}
	s := start(t, azsim.Options{NoListener: true, Clock: clock.Now})
	limited, err := s.App("azsim-limited")
	must(t, err)
	graphTok := token(t, s, limited, "https://graph.microsoft.com/.default")
	armTok := token(t, s, readerApp(t, s), "https://management.azure.com/.default")
	base := s.GraphURL() + "/v1.0"

	status, m, _ := call(t, s, http.MethodGet, base+"/users?$top=1", graphTok, nil)
	if status != http.StatusOK {
		t.Fatalf("limited app with User.Read.All on /users: %d %v", status, m)
	}
	status, m, _ = call(t, s, http.MethodGet, base+"/groups", graphTok, nil)
	if code, msg := errCode(m); status != 403 || code != "Authorization_RequestDenied" || msg != "Insufficient privileges to complete the operation." {
		t.Fatalf("limited app on /groups: %d %v", status, m)
	}
	status, m, hdr := call(t, s, http.MethodGet, base+"/users", armTok, nil)
	if code, msg := errCode(m); status != 401 || code != "InvalidAuthenticationToken" || !strings.Contains(msg, "Invalid audience") || hdr.Get("WWW-Authenticate") == "" {
		t.Fatalf("ARM token on Graph: %d %v", status, m)
	}
	status, m, _ = call(t, s, http.MethodGet, s.ARMURL()+"/subscriptions?api-version=2022-12-01", graphTok, nil)
	if code, _ := errCode(m); status != 401 || code != "InvalidAuthenticationTokenAudience" {
		t.Fatalf("Graph token on ARM: %d %v", status, m)
	}
	status, m, _ = call(t, s, http.MethodGet, base+"/users", "", nil)
	if code, msg := errCode(m); status != 401 || code != "InvalidAuthenticationToken" || msg != "Access token is empty." {
		t.Fatalf("no token: %d %v", status, m)
	}
	clock.Add(2 * time.Hour)
	status, m, _ = call(t, s, http.MethodGet, base+"/users", graphTok, nil)
	if code, msg := errCode(m); status != 401 || code != "InvalidAuthenticationToken" || !strings.Contains(msg, "expired") {
		t.Fatalf("expired token on Graph: %d %v", status, m)
	}
	status, m, _ = call(t, s, http.MethodGet, s.ARMURL()+"/subscriptions?api-version=2022-12-01", armTok, nil)
	if code, _ := errCode(m); status != 401 || code != "ExpiredAuthenticationToken" {
		t.Fatalf("expired token on ARM: %d %v", status, m)
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestGraphPremiumGates_TenantWithoutP2(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{NoP2: true})
	for _, path := range []string{"/roleManagement/directory/roleEligibilityScheduleInstances",
		"/roleManagement/directory/roleAssignmentScheduleInstances",
		"/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq 'x'"} {
		status, m := f.get(t, path, nil)
		if code, _ := errCode(m); status != 400 || code != "AadPremiumLicenseRequired" {
			t.Errorf("GET %s without P2: %d %v", path, status, m)
		}
	}
	status, m := f.get(t, "/users?$select=id,signInActivity", nil)
	if code, _ := errCode(m); status != 403 || code != "Authentication_RequestFromNonPremiumTenantOrB2CTenant" {
		t.Errorf("signInActivity without P2: %d %v", status, m)
	}
	// The same reads work in a P2 tenant.
	p2 := newGraphFixture(t, azsim.Options{})
	for _, path := range []string{"/roleManagement/directory/roleEligibilityScheduleInstances", "/users?$select=id,signInActivity&$top=500"} {
		if status, m := p2.get(t, path, nil); status != http.StatusOK {
			t.Errorf("GET %s with P2: %d %v", path, status, m)
		}
	}
	if status, m := p2.get(t, "/users?$select=id,signInActivity&$top=999", nil); status != 400 {
		t.Errorf("signInActivity with $top=999: %d %v, want 400 (max 500)", status, m)
	}
}

func TestGraphMailboxSettings_UserPurposeOr404(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	var withBox, without *world.User
	f.world(func(w *world.World) {
		for _, u := range w.Users {
			if u.MailboxPurpose == "shared" && withBox == nil {
				withBox = u
			}
			if u.MailboxPurpose == "" && without == nil {
				without = u
			}
		}
	})
	if withBox == nil || without == nil {
		t.Fatal("tiny needs a shared mailbox and a user without a mailbox")
	}
	status, m := f.get(t, "/users/"+withBox.ID+"/mailboxSettings/userPurpose", nil)
	if status != 200 || m["value"] != "shared" {
		t.Fatalf("userPurpose of shared mailbox: %d %v", status, m)
	}
	status, m = f.get(t, "/users/"+without.ID+"/mailboxSettings", nil)
	if code, _ := errCode(m); status != 404 || code != "MailboxNotEnabledForRESTAPI" {
		t.Fatalf("mailboxSettings without mailbox: %d %v", status, m)
	}
}

func TestGraphPIMForGroups_RequiresGroupOrPrincipalFilter(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	status, m := f.get(t, "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", nil)
	if status != 400 {
		t.Fatalf("unfiltered PIM for Groups: %d %v", status, m)
	}
	var groupID string
	want := 0
	f.world(func(w *world.World) {
		for _, a := range w.GroupAccess {
			if a.Eligible && groupID == "" {
				groupID = a.GroupID
			}
		}
		for _, a := range w.GroupAccess {
			if a.Eligible && a.GroupID == groupID {
				want++
			}
		}
	})
	status, m = f.get(t, "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '"+groupID+"'", nil)
	if status != 200 || len(items(m)) != want || want == 0 {
		t.Fatalf("eligibility of group %s: %d, %d items, want %d", groupID, status, len(items(m)), want)
	}
}

func TestLogin_Errors_UseAADSTSCodes(t *testing.T) {
	t.Parallel()
	s := start(t, azsim.Options{NoListener: true})
	app := readerApp(t, s)
	scope := "https://graph.microsoft.com/.default"
	for _, tc := range []struct {
		name    string
		tenant  string
		form    url.Values
		status  int
		errCode string
		aadsts  string
	}{
		{"bad secret", s.TenantID(), url.Values{"client_id": {app.ClientID}, "client_secret": {"wrong"}, "scope": {scope}}, 401, "invalid_client", "AADSTS7000215"},
		{"unknown app", s.TenantID(), url.Values{"client_id": {"11111111-1111-1111-1111-111111111111"}, "client_secret": {"x"}, "scope": {scope}}, 400, "unauthorized_client", "AADSTS700016"},
		{"unknown tenant", "22222222-2222-2222-2222-222222222222", url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {scope}}, 400, "invalid_request", "AADSTS90002"},
		{"scope without .default", s.TenantID(), url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {"https://graph.microsoft.com/User.Read"}}, 400, "invalid_scope", "AADSTS1002012"},
		{"unknown resource", s.TenantID(), url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {"https://vault.azure.net/.default"}}, 400, "invalid_resource", "AADSTS500011"},
		{"two resources", s.TenantID(), url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {scope + " https://management.azure.com/.default"}}, 400, "invalid_scope", "AADSTS70011"},
	} {
		tc.form.Set("grant_type", "client_credentials")
		status, m := postToken(t, s, tc.tenant, tc.form)
		desc, _ := m["error_description"].(string)
		if status != tc.status || m["error"] != tc.errCode || !strings.HasPrefix(desc, tc.aadsts+":") {
			t.Errorf("%s: %d %v %q; want %d %s %s", tc.name, status, m["error"], desc, tc.status, tc.errCode, tc.aadsts)
		}
	}
	// MSAL's default scopes are accepted alongside the resource scope, and HTTP Basic works too.
	req, _ := http.NewRequest(http.MethodPost, s.LoginURL()+"/"+s.TenantID()+"/oauth2/v2.0/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {scope + " openid offline_access profile"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.ClientID, app.ClientSecret)
	resp, err := s.HTTPClient().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("basic auth with MSAL scopes: %d", resp.StatusCode)
	}
}
