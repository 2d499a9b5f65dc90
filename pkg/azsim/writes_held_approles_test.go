package azsim_test

import (
	"net/http"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// A principal's own appRoleAssignments (users and groups, as Graph serves them) list exactly the assignments
// it holds, and $filter=resourceId eq {guid} narrows them to one resource service principal.
func TestGraphRead_HeldAppRoleAssignments_UsersAndGroupsFilteredByResource(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	want := map[world.Kind]map[string]map[string]bool{} // kind → principal → assignment ids
	var pick = map[world.Kind]*world.AppRoleAssignment{}
	f.s.ReadWorld(func(w *world.World) {
		for _, a := range w.AppRoleAssignments {
			if a.Principal.Kind != world.KindUser && a.Principal.Kind != world.KindGroup {
				continue
			}
			if want[a.Principal.Kind] == nil {
				want[a.Principal.Kind] = map[string]map[string]bool{}
			}
			if want[a.Principal.Kind][a.Principal.ID] == nil {
				want[a.Principal.Kind][a.Principal.ID] = map[string]bool{}
			}
			want[a.Principal.Kind][a.Principal.ID][a.ID] = true
			if pick[a.Principal.Kind] == nil {
				pick[a.Principal.Kind] = a
			}
		}
	})
	for kind, seg := range map[world.Kind]string{world.KindUser: "users", world.KindGroup: "groups"} {
		a := pick[kind]
		if a == nil {
			t.Fatalf("the default world has no app role assignment held by a %s", seg)
		}
		all, _ := drain(t, f.s, f.base+"/"+seg+"/"+a.Principal.ID+"/appRoleAssignments", f.reader, nil)
		if got := ids(all); len(got) != len(want[kind][a.Principal.ID]) {
			t.Fatalf("%s/%s/appRoleAssignments: %d assignments, want %d", seg, a.Principal.ID, len(got), len(want[kind][a.Principal.ID]))
		}
		for id := range want[kind][a.Principal.ID] {
			if !ids(all)[id] {
				t.Fatalf("%s/%s/appRoleAssignments lacks %s", seg, a.Principal.ID, id)
			}
		}
		one, _ := drain(t, f.s, f.base+"/"+seg+"/"+a.Principal.ID+"/appRoleAssignments?$filter=resourceId%20eq%20"+a.ResourceID, f.reader, nil)
		for _, m := range one {
			if m["resourceId"] != a.ResourceID || m["principalId"] != a.Principal.ID {
				t.Fatalf("filtered by resourceId %s: got %v", a.ResourceID, m)
			}
		}
		if !ids(one)[a.ID] {
			t.Fatalf("filtered by resourceId: %s missing", a.ID)
		}
	}
	status, m, _ := f.do(t, http.MethodGet, "/users/00000000-0000-0000-0000-00000000dead/appRoleAssignments", f.reader, nil, nil)
	expectErr(t, "missing user", status, m, 404, "Request_ResourceNotFound", "00000000-0000-0000-0000-00000000dead")
}
