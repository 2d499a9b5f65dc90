package azsim_test

import (
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// TestFaults_ForbiddenAndNotFound_OnOneObjectByPath denies one group's members (403) and one subscription
// (403), and answers 404 for another group as if it had been deleted: only the requests whose path
// matches get the fault, in the services' real envelopes.
func TestFaults_ForbiddenAndNotFound_OnOneObjectByPath(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{})
	var g1, g2, sub, otherSub string
	f.s.ReadWorld(func(w *world.World) {
		g1, g2, sub, otherSub = w.Groups[0].ID, w.Groups[1].ID, w.Subscriptions[0].ID, w.Subscriptions[1].ID
	})
	if err := f.s.SetFaults("none",
		azsim.FaultRule{Route: "graph", Path: "/v1.0/groups/" + strings.ToUpper(g1) + "/members*", Kind: azsim.FaultForbidden},
		azsim.FaultRule{Route: "graph", Path: "/v1.0/groups/" + g2 + "/*", Kind: azsim.FaultNotFound},
		azsim.FaultRule{Route: "arm", Path: "/subscriptions/" + sub + "*", Kind: azsim.FaultForbidden},
	); err != nil {
		t.Fatal(err)
	}
	st, m, _ := f.graph(t, "GET", "/groups/"+g1+"/members", "", nil)
	if code, _ := errCode(m); st != 403 || code != "Authorization_RequestDenied" {
		t.Errorf("members of the denied group: %d %v", st, m)
	}
	if st, m, _ := f.graph(t, "GET", "/groups/"+g1, "", nil); st != 200 {
		t.Errorf("the denied group itself (not its members): %d %v", st, m)
	}
	st, m, _ = f.graph(t, "GET", "/groups/"+g2+"/members", "", nil)
	if code, msg := errCode(m); st != 404 || code != "Request_ResourceNotFound" || !strings.Contains(msg, g2) {
		t.Errorf("members of the deleted group: %d %v", st, m)
	}
	st, m, _ = f.arm(t, "GET", "/subscriptions/"+sub+"/providers/Microsoft.Authorization/roleAssignments")
	if code, msg := errCode(m); st != 403 || code != "AuthorizationFailed" || !strings.Contains(msg, sub) {
		t.Errorf("the denied subscription: %d %v", st, m)
	}
	if st, m, _ := f.arm(t, "GET", "/subscriptions/"+otherSub+"/providers/Microsoft.Authorization/roleAssignments"); st != 200 {
		t.Errorf("another subscription: %d %v", st, m)
	}
	if got := f.s.Stats().Faults; got["forbidden"] != 2 || got["not_found"] != 1 {
		t.Errorf("fault stats %v", got)
	}
}
