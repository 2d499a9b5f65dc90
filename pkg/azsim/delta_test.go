package azsim_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// deltaRound follows nextLinks from first until a deltaLink and returns every item, the deltaLink and the
// number of pages.
func deltaRound(t *testing.T, f *wfix, first string, hdr map[string]string) ([]map[string]any, string, int) {
	t.Helper()
	var all []map[string]any
	pages := 0
	for next := first; ; {
		status, m, _ := f.do(t, http.MethodGet, next, f.reader, nil, hdr)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", next, status, m)
		}
		pages++
		all = append(all, items(m)...)
		nl, hasNext := m["@odata.nextLink"].(string)
		dl, hasDelta := m["@odata.deltaLink"].(string)
		if hasNext == hasDelta {
			t.Fatalf("page %d must carry exactly one of nextLink and deltaLink: %v", pages, m)
		}
		if hasDelta {
			return all, dl, pages
		}
		next = nl
		if pages > 1000 {
			t.Fatal("delta round does not end")
		}
	}
}

// byID merges delta items by id: the last properties win, members@delta slices are concatenated.
type deltaView struct {
	props   map[string]map[string]any
	removed map[string]string
	added   map[string]map[string]bool // group -> members added
	left    map[string]map[string]bool // group -> members removed
	seen    map[string]int             // appearances per id
}

func mergeDelta(list []map[string]any) deltaView {
	v := deltaView{props: map[string]map[string]any{}, removed: map[string]string{}, added: map[string]map[string]bool{},
		left: map[string]map[string]bool{}, seen: map[string]int{}}
	for _, it := range list {
		id := it["id"].(string)
		v.seen[id]++
		if r, isRemoved := it["@removed"].(map[string]any); isRemoved {
			v.removed[id] = r["reason"].(string)
			continue
		}
		v.props[id] = it
		if md, has := it["members@delta"].([]any); has {
			if v.added[id] == nil {
				v.added[id], v.left[id] = map[string]bool{}, map[string]bool{}
			}
			for _, x := range md {
				mm := x.(map[string]any)
				if _, gone := mm["@removed"]; gone {
					v.left[id][mm["id"].(string)] = true
				} else {
					v.added[id][mm["id"].(string)] = true
				}
			}
		}
	}
	return v
}

func TestDelta_Users_InitialPassPagesWithSelectThenEmptyRound(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var want []string
	f.s.ReadWorld(func(w *world.World) {
		for _, u := range w.Users {
			want = append(want, u.ID)
		}
	})
	pref := map[string]string{"Prefer": "odata.maxpagesize=5"}
	status, first, hdr := f.do(t, http.MethodGet, "/users/delta?$select=displayName,accountEnabled", f.reader, nil, pref)
	if status != 200 || hdr.Get("Preference-Applied") != "odata.maxpagesize=5" || len(items(first)) != 5 {
		t.Fatalf("first page: %d %v %v", status, hdr, first)
	}
	next := first["@odata.nextLink"].(string)
	if u, _ := url.Parse(next); u.Query().Get("$select") != "" || u.Query().Get("$skiptoken") == "" {
		t.Fatalf("nextLink %q must carry only the opaque state", next)
	}
	list, deltaLink, pages := deltaRound(t, f, "/users/delta?$select=displayName,accountEnabled", pref)
	if wantPages := (len(want) + 4) / 5; pages != wantPages {
		t.Errorf("pages = %d, want %d", pages, wantPages)
	}
	var got []string
	for _, u := range list {
		got = append(got, u["id"].(string))
		if len(u) != 3 || u["displayName"] == nil || u["accountEnabled"] == nil {
			t.Fatalf("$select=displayName,accountEnabled returned %v", u)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("initial pass differs from the world:\n got %v\nwant %v", got, want)
	}
	// Nothing changed: the deltaLink yields an empty round and a new deltaLink.
	list, again, _ := deltaRound(t, f, deltaLink, nil)
	if len(list) != 0 || again == "" {
		t.Fatalf("unchanged world: %d items", len(list))
	}
	// The fully qualified function name works too.
	if list, _, _ := deltaRound(t, f, "/users/microsoft.graph.delta()?$select=id", nil); len(list) != len(want) {
		t.Fatalf("microsoft.graph.delta(): %d users", len(list))
	}
}

func TestDelta_Groups_MembersAtDeltaSplitAcrossPages(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	want := map[string]map[string]bool{}
	biggest, size := "", 0
	f.s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			want[g.ID] = map[string]bool{}
			for _, m := range g.Members {
				want[g.ID][m.ID] = true
			}
			if len(g.Members) > size {
				biggest, size = g.ID, len(g.Members)
			}
		}
	})
	list, _, pages := deltaRound(t, f, "/groups/delta?$select=displayName,members", map[string]string{"Prefer": "odata.maxpagesize=6"})
	v := mergeDelta(list)
	if v.seen[biggest] < 3 {
		t.Fatalf("the %d-member group appears %d times over %d pages; want it split over several pages", size, v.seen[biggest], pages)
	}
	for gid, members := range want {
		if len(v.added[gid]) != len(members) || len(v.left[gid]) != 0 {
			t.Errorf("group %s: members@delta merged to %d members, want %d", gid, len(v.added[gid]), len(members))
		}
		for m := range members {
			if !v.added[gid][m] {
				t.Errorf("group %s: member %s missing from members@delta", gid, m)
			}
		}
		if v.props[gid]["displayName"] == nil {
			t.Errorf("group %s lacks displayName", gid)
		}
	}
	// $expand=members is the other spelling; members entries carry @odata.type.
	list, _, _ = deltaRound(t, f, "/groups/delta?$expand=members", nil)
	for _, g := range list {
		if md, _ := g["members@delta"].([]any); len(md) > 0 {
			if md[0].(map[string]any)["@odata.type"] == nil {
				t.Fatalf("members@delta entry without @odata.type: %v", md[0])
			}
			return
		}
	}
	t.Fatal("$expand=members returned no members@delta")
}

func TestDelta_AfterWrites_ReportsUpdatesRemovalsAndMemberChanges(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	_, usersLink, _ := deltaRound(t, f, "/users/delta?$select=displayName,accountEnabled", nil)
	_, groupsLink, _ := deltaRound(t, f, "/groups/delta?$select=displayName,members", nil)
	var gid, joiner, leaver, disabled, retitled, deleted, deletedGroup, m365 string
	var deletedsGroups []string
	var domain string
	f.s.ReadWorld(func(w *world.World) {
		domain = w.Tenant.DefaultDomain
		g := plainSecurityGroup(w)
		gid, joiner, leaver = g.ID, nonMember(w, g).ID, g.Members[len(g.Members)-1].ID
		cloud := func(u *world.User) bool { return u.OnPremisesSyncEnabled == nil || !*u.OnPremisesSyncEnabled }
		for _, u := range w.Users {
			if !cloud(u) || u.ID == joiner || u.ID == leaver || g.HasMember(u.ID) {
				continue
			}
			switch {
			case disabled == "" && u.AccountEnabled:
				disabled = u.ID
			case retitled == "":
				retitled = u.ID
			case deleted == "":
				for _, og := range w.Groups {
					if og.HasMember(u.ID) {
						deletedsGroups = append(deletedsGroups, og.ID)
					}
				}
				if len(deletedsGroups) > 0 {
					deleted = u.ID
				}
			}
		}
		for _, og := range w.Groups {
			synced := og.OnPremisesSyncEnabled != nil && *og.OnPremisesSyncEnabled
			if og.ID != g.ID && og.SecurityEnabled && !og.MailEnabled && !synced && !og.IsAssignableToRole && deletedGroup == "" && !contains(deletedsGroups, og.ID) {
				deletedGroup = og.ID
			}
			if og.IsUnified() && !synced {
				m365 = og.ID
			}
		}
	})
	mustStatus := func(what string, status int, m map[string]any, want int) {
		t.Helper()
		if status != want {
			t.Fatalf("%s: %d %v", what, status, m)
		}
	}
	status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", f.prov, ref(joiner), nil)
	mustStatus("add member", status, m, 204)
	status, m, _ = f.do(t, http.MethodDelete, "/groups/"+gid+"/members/"+leaver+"/$ref", f.prov, nil, nil)
	mustStatus("remove member", status, m, 204)
	status, m, _ = f.do(t, http.MethodPatch, "/users/"+disabled, f.prov, map[string]any{"accountEnabled": false}, nil)
	mustStatus("disable", status, m, 204)
	status, m, _ = f.do(t, http.MethodPatch, "/users/"+retitled, f.prov, map[string]any{"jobTitle": "Untracked by this $select"}, nil)
	mustStatus("retitle", status, m, 204)
	status, m, _ = f.do(t, http.MethodDelete, "/users/"+deleted, f.prov, nil, nil)
	mustStatus("delete user", status, m, 204)
	status, created, _ := f.do(t, http.MethodPost, "/users", f.prov, map[string]any{"accountEnabled": true, "displayName": "New Hire",
		"mailNickname": "newhire", "userPrincipalName": "newhire@" + domain, "passwordProfile": map[string]any{"password": "p4$Sword"}}, nil)
	mustStatus("create user", status, created, 201)
	status, m, _ = f.do(t, http.MethodDelete, "/groups/"+deletedGroup, f.prov, nil, nil)
	mustStatus("delete security group", status, m, 204)
	status, m, _ = f.do(t, http.MethodDelete, "/groups/"+m365, f.prov, nil, nil)
	mustStatus("delete m365 group", status, m, 204)

	list, usersLink2, _ := deltaRound(t, f, usersLink, map[string]string{"Prefer": "odata.maxpagesize=2"})
	v := mergeDelta(list)
	if p := v.props[disabled]; p == nil || p["accountEnabled"] != false {
		t.Errorf("disabled user: %v", p)
	}
	if _, seen := v.seen[retitled]; seen {
		t.Errorf("a jobTitle change is reported although $select tracks only displayName and accountEnabled")
	}
	if v.removed[deleted] != "changed" {
		t.Errorf("deleted user: @removed reason %q, want changed (soft delete)", v.removed[deleted])
	}
	if p := v.props[created["id"].(string)]; p == nil || p["displayName"] != "New Hire" {
		t.Errorf("created user: %v", p)
	}
	if len(v.seen) != 3 { // disabled, deleted, created
		t.Errorf("users round reports %d objects, want 3: %v", len(v.seen), v.seen)
	}
	list, _, _ = deltaRound(t, f, groupsLink, nil)
	g := mergeDelta(list)
	if !g.added[gid][joiner] || !g.left[gid][leaver] {
		t.Errorf("group %s: members@delta added=%v left=%v", gid, g.added[gid], g.left[gid])
	}
	for _, og := range deletedsGroups {
		if og != deletedGroup && !g.left[og][deleted] {
			t.Errorf("group %s does not report the deleted user as removed: %v", og, g.left[og])
		}
	}
	if g.removed[deletedGroup] != "deleted" || g.removed[m365] != "changed" {
		t.Errorf("deleted groups: security %q (want deleted), m365 %q (want changed)", g.removed[deletedGroup], g.removed[m365])
	}
	// The next round starts after these changes.
	if list, _, _ := deltaRound(t, f, usersLink2, nil); len(list) != 0 {
		t.Fatalf("second round replays %d items", len(list))
	}
}

func TestDelta_AfterChurn_EveryChangeIsReported(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{Preset: "small"})
	_, usersLink, _ := deltaRound(t, f, "/users/delta?$select=accountEnabled", nil)
	_, groupsLink, _ := deltaRound(t, f, "/groups/delta?$select=members", nil)
	sum, err := f.s.Churn(azsim.ChurnSpec{Seed: 42, AddUsers: 1, RemoveUsers: 1, DisableUsers: 1, Memberships: 2})
	must(t, err)
	if len(sum.UsersAdded) == 0 || len(sum.UsersRemoved) == 0 || len(sum.UsersDisabled) == 0 || len(sum.MembershipsAdded) == 0 || len(sum.MembershipsRemoved) == 0 {
		t.Fatalf("churn did not change every kind: %+v", sum)
	}
	list, _, _ := deltaRound(t, f, usersLink, nil)
	v := mergeDelta(list)
	for _, id := range sum.UsersAdded {
		if v.props[id] == nil {
			t.Errorf("added user %s not reported", id)
		}
	}
	for _, id := range sum.UsersRemoved {
		if v.removed[id] == "" {
			t.Errorf("removed user %s not reported as @removed", id)
		}
	}
	removed := map[string]bool{}
	for _, id := range sum.UsersRemoved {
		removed[id] = true
	}
	for _, id := range sum.UsersDisabled {
		if v.props[id]["accountEnabled"] != false {
			t.Errorf("disabled user %s: %v", id, v.props[id])
		}
	}
	list, _, _ = deltaRound(t, f, groupsLink, map[string]string{"Prefer": "odata.maxpagesize=3"})
	g := mergeDelta(list)
	for _, m := range sum.MembershipsAdded {
		if !g.added[m.Group][m.Member] && !removed[m.Member] {
			t.Errorf("added membership %v not reported", m)
		}
	}
	for _, m := range sum.MembershipsRemoved {
		if !g.left[m.Group][m.Member] && !g.added[m.Group][m.Member] {
			t.Errorf("removed membership %v not reported", m)
		}
	}
}

func TestDelta_DeltaTokenLatest_StartsFromNow(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	status, m, _ := f.do(t, http.MethodGet, "/users/delta?$deltatoken=latest&$select=displayName", f.reader, nil, nil)
	if status != 200 || len(items(m)) != 0 || m["@odata.deltaLink"] == nil || m["@odata.nextLink"] != nil {
		t.Fatalf("$deltatoken=latest: %d %v", status, m)
	}
	var uid string
	f.s.ReadWorld(func(w *world.World) { uid = w.Users[5].ID })
	if status, m, _ := f.do(t, http.MethodPatch, "/users/"+uid, f.prov, map[string]any{"displayName": "Renamed"}, nil); status != 204 {
		t.Fatalf("rename: %d %v", status, m)
	}
	list, _, _ := deltaRound(t, f, m["@odata.deltaLink"].(string), nil)
	if len(list) != 1 || list[0]["id"] != uid || list[0]["displayName"] != "Renamed" {
		t.Fatalf("after latest + one rename: %v", list)
	}
}

func TestDelta_ExpiredLinks_410GoneWithLocationForAFullResync(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{DeltaLinkLifetime: time.Hour})
	status, first, _ := f.do(t, http.MethodGet, "/groups/delta?$select=displayName,members", f.reader, nil, map[string]string{"Prefer": "odata.maxpagesize=4"})
	if status != 200 {
		t.Fatalf("first page: %d %v", status, first)
	}
	_, deltaLink, _ := deltaRound(t, f, "/groups/delta?$select=displayName,members", nil)
	f.clock.Add(2 * time.Hour)
	for name, link := range map[string]string{"nextLink": first["@odata.nextLink"].(string), "deltaLink": deltaLink} {
		status, m, hdr := f.do(t, http.MethodGet, link, f.reader, nil, nil)
		expectErr(t, "expired "+name, status, m, 410, "syncStateNotFound", "The delta token is expired")
		loc := hdr.Get("Location")
		u, err := url.Parse(loc)
		if err != nil || !strings.HasSuffix(u.Path, "/groups/delta") || u.Query().Get("$select") != "displayName,members" || !u.Query().Has("$deltatoken") {
			t.Fatalf("expired %s: Location %q must restart the round with the same options", name, loc)
		}
		list, _, _ := deltaRound(t, f, loc, nil)
		var n int
		f.s.ReadWorld(func(w *world.World) { n = len(w.Groups) })
		if len(mergeDelta(list).props) != n {
			t.Fatalf("the resync from Location returned %d groups, want %d", len(list), n)
		}
	}
	// A reset world invalidates every link the same way.
	_, link, _ := deltaRound(t, f, "/users/delta", nil)
	must(t, f.s.Reset("", 0, false))
	status, m, _ := f.do(t, http.MethodGet, link, f.reader, nil, nil)
	expectErr(t, "link from before a reset", status, m, 410, "syncStateNotFound", "synchronized again")
}

func TestDelta_ServicePrincipals_AndQueryErrors(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var n int
	f.s.ReadWorld(func(w *world.World) { n = len(w.ServicePrincipals) })
	if list, _, _ := deltaRound(t, f, "/servicePrincipals/delta?$select=appId,displayName", nil); len(list) != n {
		t.Fatalf("servicePrincipals delta: %d, want %d", len(list), n)
	}
	var uid string
	f.s.ReadWorld(func(w *world.World) { uid = w.Users[3].ID })
	if list, _, _ := deltaRound(t, f, "/users/delta?$filter=id eq '"+uid+"'", nil); len(list) != 1 || list[0]["id"] != uid {
		t.Fatalf("$filter=id eq: %v", list)
	}
	_, usersLink, _ := deltaRound(t, f, "/users/delta", nil)
	groupsURL := strings.Replace(usersLink, "/users/delta", "/groups/delta", 1)
	for _, tc := range []struct {
		path, code string
		status     int
	}{
		{"/users/delta?$top=5", "Request_UnsupportedQuery", 400},
		{"/users/delta?$expand=manager", "Request_UnsupportedQuery", 400},
		{"/users/delta?$filter=displayName eq 'x'", "Request_UnsupportedQuery", 400},
		{"/users/delta?$select=nope", "Request_BadRequest", 400},
		{"/users/delta?$deltatoken=garbage", "Request_BadRequest", 400},
		{groupsURL, "Request_BadRequest", 400},
	} {
		status, m, _ := f.do(t, http.MethodGet, tc.path, f.reader, nil, nil)
		if code, _ := errCode(m); status != tc.status || code != tc.code {
			t.Errorf("GET %s: %d %v; want %d %s", tc.path, status, m, tc.status, tc.code)
		}
	}
	limited := f.limitedToken(t, "User.Read.All")
	status, m, _ := f.do(t, http.MethodGet, "/groups/delta", limited, nil, nil)
	expectErr(t, "groups delta without a group permission", status, m, 403, "Authorization_RequestDenied", "Insufficient privileges")
}
