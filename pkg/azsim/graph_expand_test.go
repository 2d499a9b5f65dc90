package azsim_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// expandFixture is a small tenant with 110 more groups (so a page of 100 is not the whole listing) and one
// group of 25 owners (users) and a service principal owner: 26 owners.
func expandFixture(t *testing.T) (f *realismFixture, bigGroup string, owners []world.Ref) {
	t.Helper()
	f = newRealismFixture(t, azsim.Options{Preset: "small"})
	f.s.UpdateWorld(func(w *world.World) {
		for i := range 110 {
			g := &world.Group{ID: fmt.Sprintf("00000000-0000-4000-9000-%012d", i+1), DisplayName: fmt.Sprintf("Extra %d", i),
				MailNickname: fmt.Sprintf("extra%d", i), SecurityEnabled: true}
			if err := w.AddGroup(g); err != nil {
				t.Fatal(err)
			}
		}
		bigGroup = w.Groups[0].ID
		for _, o := range w.Groups[0].Owners {
			if err := w.RemoveGroupOwner(bigGroup, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range w.Users[:25] {
			if err := w.AddGroupOwner(bigGroup, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
				t.Fatal(err)
			}
		}
		sp := w.ServicePrincipals[0]
		if err := w.AddGroupOwner(bigGroup, world.Ref{Kind: world.KindServicePrincipal, ID: sp.ID}); err != nil {
			t.Fatal(err)
		}
		owners = append(owners, w.Groups[0].Owners...)
	})
	if len(owners) != 26 {
		t.Fatalf("setup: %d owners", len(owners))
	}
	return f, bigGroup, owners
}

// TestGraphExpand_DirectoryObjects_AtMost20ExpandedWithNoNextLink: a group of 26 owners shows its first 20
// owners inline, with nothing to page the rest with (Graph known issue 13635), on the entity and in the
// collection.
func TestGraphExpand_DirectoryObjects_AtMost20ExpandedWithNoNextLink(t *testing.T) {
	t.Parallel()
	f, g, owners := expandFixture(t)
	var want []string
	for _, o := range owners[:20] {
		want = append(want, o.ID)
	}
	for _, path := range []string{
		"/groups/" + g + "?$expand=owners",
		"/groups?$filter=" + url.QueryEscape("id eq '"+g+"'") + "&$expand=owners",
	} {
		status, m, _ := f.graph(t, "GET", path, "", nil)
		if status != 200 {
			t.Fatalf("GET %s: %d %v", path, status, m)
		}
		obj := m
		if list, isList := m["value"].([]any); isList {
			if len(list) != 1 {
				t.Fatalf("GET %s: %d groups", path, len(list))
			}
			obj = list[0].(map[string]any)
		}
		var got []string
		for _, o := range obj["owners"].([]any) {
			got = append(got, o.(map[string]any)["id"].(string))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("GET %s: owners %v, want the first 20 %v", path, got, want)
		}
		for k := range obj {
			if strings.HasPrefix(k, "owners@") {
				t.Errorf("GET %s: %s: $expand has no next link on directory objects", path, k)
			}
		}
	}
}

// TestGraphExpand_PageOfDirectoryObjects_AtMost100WhateverTopAsks: with $expand a page of groups holds 100
// groups even with $top=999, and has a next link; following the links lists every group once. Without
// $expand $top=999 is honoured.
func TestGraphExpand_PageOfDirectoryObjects_AtMost100WhateverTopAsks(t *testing.T) {
	t.Parallel()
	f, _, _ := expandFixture(t)
	var want []string
	f.s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			want = append(want, g.ID)
		}
	})
	if len(want) <= 100 {
		t.Fatalf("setup: %d groups", len(want))
	}
	_, m, _ := f.graph(t, "GET", "/groups?$select=id&$top=999&$expand=owners", "", nil)
	if n := len(items(m)); n != 100 || m["@odata.nextLink"] == nil {
		t.Fatalf("$top=999 with $expand: %d groups, next link %v; want 100 and a next link", n, m["@odata.nextLink"])
	}
	got, pages := drain(t, f.s, f.s.GraphURL()+"/v1.0/groups?$select=id&$top=999&$expand=owners", f.graphTok, nil)
	var ids []string
	for _, g := range got {
		ids = append(ids, g["id"].(string))
	}
	sort.Strings(ids)
	sort.Strings(want)
	if strings.Join(ids, ",") != strings.Join(want, ",") || pages != (len(want)+99)/100 {
		t.Errorf("%d groups in %d pages, want %d in %d", len(ids), pages, len(want), (len(want)+99)/100)
	}
	for _, path := range []string{"/groups?$select=id&$top=999", "/groups?$select=id&$top=50&$expand=owners"} {
		_, m, _ = f.graph(t, "GET", path, "", nil)
		wantN := min(len(want), 999)
		if strings.Contains(path, "$top=50") {
			wantN = 50
		}
		if n := len(items(m)); n != wantN {
			t.Errorf("GET %s: %d groups, want %d", path, n, wantN)
		}
	}
}

// TestGraphExpand_NestedSelect_ProjectsTheExpandedObjects: $select of the group kind properties with
// $expand=owners($select=id,servicePrincipalType) returns exactly those properties, each owner with its
// @odata.type and id (servicePrincipalType on service principals only), and costs 1 RU (groups 1, $select
// −1, $expand +1). Other nested options and unknown properties are refused.
func TestGraphExpand_NestedSelect_ProjectsTheExpandedObjects(t *testing.T) {
	t.Parallel()
	f, g, owners := expandFixture(t)
	path := "/groups?$select=id,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled&$top=999&$expand=" +
		url.QueryEscape("owners($select=id,servicePrincipalType)")
	status, m, h := f.graph(t, "GET", path, "", nil)
	if status != 200 || h.Get("x-ms-resource-unit") != "1" {
		t.Fatalf("GET %s: %d, %s RU: %v", path, status, h.Get("x-ms-resource-unit"), m)
	}
	found := false
	for _, grp := range items(m) {
		var keys []string
		for k := range grp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != "groupTypes,id,mailEnabled,onPremisesSyncEnabled,owners,securityEnabled" {
			t.Fatalf("group properties %v", keys)
		}
		if grp["id"] != g {
			continue
		}
		found = true
		got := grp["owners"].([]any)
		if len(got) != 20 {
			t.Fatalf("%d owners expanded, want 20", len(got))
		}
		for i, o := range got {
			om := o.(map[string]any)
			want := map[string]any{"@odata.type": "#microsoft.graph.user", "id": owners[i].ID}
			if fmt.Sprint(om) != fmt.Sprint(want) {
				t.Errorf("owner %d: %v, want %v", i, om, want)
			}
		}
	}
	if !found {
		t.Fatalf("group %s not on the first page", g)
	}
	// A service principal owner (the 26th, so not expanded above) carries its servicePrincipalType.
	sp := owners[25].ID
	var spType string
	f.s.UpdateWorld(func(w *world.World) {
		spType = w.ServicePrincipal(sp).ServicePrincipalType
		if err := w.AddGroupOwner(w.Groups[1].ID, world.Ref{Kind: world.KindServicePrincipal, ID: sp}); err != nil {
			t.Fatal(err)
		}
		g = w.Groups[1].ID
	})
	_, m, _ = f.graph(t, "GET", "/groups/"+g+"?$select=id&$expand="+url.QueryEscape("owners($select=id,servicePrincipalType)"), "", nil)
	var spOwner any
	for _, o := range m["owners"].([]any) {
		if o.(map[string]any)["id"] == sp {
			spOwner = o
		}
	}
	want := map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "id": sp, "servicePrincipalType": spType}
	if spType == "" || fmt.Sprint(spOwner) != fmt.Sprint(want) {
		t.Errorf("service principal owner %v, want %v", spOwner, want)
	}
	for _, tc := range []struct{ expand, code string }{
		{"owners($filter=id eq 'x')", "Request_UnsupportedQuery"},
		{"owners($select=nope)", "Request_BadRequest"},
		{"owners($select=id", "BadRequest"},
		{"owners,members", "ExpandNotSupported"},
	} {
		status, m, _ := f.graph(t, "GET", "/groups?$expand="+url.QueryEscape(tc.expand), "", nil)
		if code, _ := errCode(m); status != 400 || code != tc.code {
			t.Errorf("$expand=%s: %d %s, want 400 %s", tc.expand, status, code, tc.code)
		}
	}
}
