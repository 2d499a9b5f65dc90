package azsim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func truthOf(t *testing.T, s *azsim.Server) string {
	t.Helper()
	var b bytes.Buffer
	s.ReadWorld(func(w *world.World) { must(t, w.WriteTruth(&b)) })
	return b.String()
}

func TestChurn_SameWorldSameSeed_SameChangesAndTruth(t *testing.T) {
	t.Parallel()
	spec := azsim.ChurnSpec{Seed: 7, AddUsers: 5, RemoveUsers: 5, DisableUsers: 5, Memberships: 10, RoleAssignments: 20, RBACAssignments: 10}
	var sums []azsim.ChurnSummary
	var truths []string
	for range 2 {
		s := start(t, azsim.Options{NoListener: true, Preset: "small", Seed: 3})
		sum, err := s.Churn(spec)
		must(t, err)
		sums = append(sums, sum)
		truths = append(truths, truthOf(t, s))
	}
	a, _ := json.Marshal(sums[0])
	b, _ := json.Marshal(sums[1])
	if !bytes.Equal(a, b) || truths[0] != truths[1] {
		t.Fatal("the same world, spec and seed gave different changes")
	}
	s := sums[0]
	for name, n := range map[string]int{"usersAdded": len(s.UsersAdded), "usersRemoved": len(s.UsersRemoved), "usersDisabled": len(s.UsersDisabled),
		"membershipsAdded": len(s.MembershipsAdded), "membershipsRemoved": len(s.MembershipsRemoved),
		"roleAssignmentsAdded": len(s.RoleAssignmentsAdded), "roleAssignmentsRemoved": len(s.RoleAssignmentsRemoved),
		"rbacAssignmentsAdded": len(s.RBACAssignmentsAdded), "rbacAssignmentsRemoved": len(s.RBACAssignmentsRemoved)} {
		if n == 0 {
			t.Errorf("%s is empty: %+v", name, s)
		}
	}
	// 5 % of small's 1,000 users; disables are 5 % of the enabled ones.
	if len(s.UsersAdded) != 50 || len(s.UsersRemoved) != 50 || len(s.UsersDisabled) < 40 || len(s.UsersDisabled) > 50 {
		t.Errorf("user churn counts: +%d -%d disabled %d, want 50, 50, 40-50", len(s.UsersAdded), len(s.UsersRemoved), len(s.UsersDisabled))
	}
	if _, err := (&azsim.Server{}).Churn(azsim.ChurnSpec{Memberships: 101}); err == nil {
		t.Error("a percentage above 100 is accepted")
	}
}

func TestChurn_AdminPlane_ChangesReflectedInTruthAndReads(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	before := truthOf(t, f.s)
	resp, err := f.s.HTTPClient().Post(f.s.AdminURL()+"/churn?users=10&memberships=10&roles=20&rbac=20&seed=9", "application/json", nil)
	must(t, err)
	defer resp.Body.Close()
	var sum azsim.ChurnSummary
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&sum) != nil || sum.Seed != 9 {
		t.Fatalf("POST /_azsim/churn: %d %+v", resp.StatusCode, sum)
	}
	after := truthOf(t, f.s)
	if before == after {
		t.Fatal("truth unchanged after churn")
	}
	for _, id := range sum.UsersRemoved {
		if strings.Contains(after, `"id":"`+id+`"`) {
			t.Errorf("removed user %s still in the truth", id)
		}
		status, m, _ := f.do(t, http.MethodGet, "/users/"+id, f.reader, nil, nil)
		expectErr(t, "read a churned-away user", status, m, 404, "Request_ResourceNotFound", id)
	}
	for _, id := range sum.UsersAdded {
		if !truthHas(t, f.s, map[string]string{"kind": "user", "id": id}) {
			t.Errorf("added user %s missing from the truth", id)
		}
	}
	for _, name := range sum.RBACAssignmentsAdded {
		if !truthHas(t, f.s, map[string]string{"kind": "rbac_assignment", "id": name}) {
			t.Errorf("added RBAC assignment %s missing from the truth", name)
		}
	}
	for _, name := range sum.RBACAssignmentsRemoved {
		if truthHas(t, f.s, map[string]string{"kind": "rbac_assignment", "id": name}) {
			t.Errorf("removed RBAC assignment %s still in the truth", name)
		}
	}
	for _, id := range sum.RoleAssignmentsAdded {
		if status, m, _ := f.do(t, http.MethodGet, "/roleManagement/directory/roleAssignments/"+id, f.reader, nil, nil); status != 200 {
			t.Errorf("added directory role assignment %s: %d %v", id, status, m)
		}
	}
	// The registered apps keep their access: the provisioner can still write.
	sub, uid, _, _ := armTarget(f)
	status, m, _ := f.do(t, http.MethodGet, f.s.ARMURL()+sub+"/providers/Microsoft.Authorization/roleAssignments"+apiAuthz+"&$filter=principalId eq '"+uid+"'", f.provARM, nil, nil)
	if status != 200 {
		t.Fatalf("provisioner after churn: %d %v", status, m)
	}
	for _, bad := range []string{"users=abc", "users=101", "bogus=1"} {
		resp, err := f.s.HTTPClient().Post(f.s.AdminURL()+"/churn?"+bad, "application/json", nil)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("POST churn?%s: %d, want 400", bad, resp.StatusCode)
		}
	}
	// A JSON body works as well.
	resp, err = f.s.HTTPClient().Post(f.s.AdminURL()+"/churn", "application/json", strings.NewReader(`{"seed":5,"disableUsers":10}`))
	must(t, err)
	defer resp.Body.Close()
	var sum2 azsim.ChurnSummary
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&sum2) != nil || len(sum2.UsersDisabled) == 0 || len(sum2.UsersAdded) != 0 {
		t.Fatalf("JSON churn: %d %+v", resp.StatusCode, sum2)
	}
}
