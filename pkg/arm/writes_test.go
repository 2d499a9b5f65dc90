package arm

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// recorded is one request the stand-in saw.
type recorded struct {
	method, path, query string
	body                map[string]any
}

func recordingServer(t *testing.T, status int, answer string) (*Client, *[]recorded) {
	t.Helper()
	var seen []recorded
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &rec.body); err != nil {
				t.Errorf("body is not JSON: %s", b)
			}
		}
		seen = append(seen, rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer))
	})
	return c, &seen
}

func props(t *testing.T, r recorded) map[string]any {
	t.Helper()
	p, ok := r.body["properties"].(map[string]any)
	if !ok {
		t.Fatalf("no properties in %v", r.body)
	}
	return p
}

func TestCreateRoleAssignment_PutsTheNamedAssignmentWithPrincipalType(t *testing.T) {
	t.Parallel()
	c, seen := recordingServer(t, 201, `{"id":"/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/n1","name":"n1",`+
		`"properties":{"scope":"/subscriptions/s1","principalId":"p1","principalType":"User","roleDefinitionId":"/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/r1"}}`)
	ra, err := c.CreateRoleAssignment(t.Context(), "/subscriptions/s1/resourceGroups/rg 1", "n1",
		RoleAssignmentCreate{RoleDefinitionID: RoleDefinitionID("/subscriptions/s1/resourceGroups/rg 1", "r1"), PrincipalID: "p1", PrincipalType: PrincipalUser})
	if err != nil || ra == nil || *ra.Name != "n1" || string(*ra.Properties.PrincipalType) != "User" {
		t.Fatalf("create: %+v %v", ra, err)
	}
	r := (*seen)[0]
	if r.method != http.MethodPut || r.path != "/subscriptions/s1/resourceGroups/rg%201/providers/Microsoft.Authorization/roleAssignments/n1" ||
		r.query != "api-version=2022-04-01" {
		t.Fatalf("request: %+v", r)
	}
	p := props(t, r)
	if p["principalId"] != "p1" || p["principalType"] != "User" ||
		p["roleDefinitionId"] != "/subscriptions/s1/resourceGroups/rg 1/providers/Microsoft.Authorization/roleDefinitions/r1" {
		t.Fatalf("body: %v", p)
	}
	if _, has := p["description"]; has {
		t.Fatalf("an empty description is sent: %v", p)
	}
}

func TestCreateRoleAssignment_Conflict_IsRoleAssignmentExists(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, 409, `{"error":{"code":"RoleAssignmentExists","message":"The role assignment already exists."}}`)
	_, err := c.CreateRoleAssignment(t.Context(), "/subscriptions/s1", "n1", RoleAssignmentCreate{PrincipalID: "p"})
	if e, ok := AsError(err); !ok || e.StatusCode != 409 || !HasCode(err, CodeRoleAssignmentExists) {
		t.Fatalf("err = %v", err)
	}
}

func TestDeleteRoleAssignment_200IsTheDeletedOne_204IsNone(t *testing.T) {
	t.Parallel()
	c, seen := recordingServer(t, 200, `{"id":"/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleAssignments/n1","name":"n1"}`)
	ra, err := c.DeleteRoleAssignment(t.Context(), "/providers/Microsoft.Management/managementGroups/mg", "n1")
	if err != nil || ra == nil || *ra.Name != "n1" {
		t.Fatalf("delete: %+v %v", ra, err)
	}
	if r := (*seen)[0]; r.method != http.MethodDelete || r.path != "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleAssignments/n1" {
		t.Fatalf("request: %+v", r)
	}
	c2, _ := recordingServer(t, 204, ``)
	ra, err = c2.DeleteRoleAssignment(t.Context(), "/subscriptions/s1", "n1")
	if err != nil || ra != nil {
		t.Fatalf("delete of none: %+v %v", ra, err)
	}
}

func TestScheduleRequests_AdminAssignCarriesWindowAndJustification_AdminRemoveNoSchedule(t *testing.T) {
	t.Parallel()
	c, seen := recordingServer(t, 201, `{"id":"x","name":"q1","properties":{"requestType":"AdminAssign","status":"Provisioned"}}`)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	end := start.Add(8 * time.Hour)
	rd := RoleDefinitionID("/subscriptions/s1", "r1")
	if _, err := c.RequestRoleEligibility(t.Context(), "/subscriptions/s1", "q1", ScheduleRequest{RoleDefinitionID: rd, PrincipalID: "p1",
		RequestType: RequestAdminAssign, Justification: "why", Start: &start, End: &end}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RequestRoleEligibility(t.Context(), "/subscriptions/s1", "q2", ScheduleRequest{RoleDefinitionID: rd, PrincipalID: "p1",
		RequestType: RequestAdminRemove, Justification: "why", Start: &start, End: &end}); err != nil {
		t.Fatal(err)
	}
	assign, remove := (*seen)[0], (*seen)[1]
	if assign.path != "/subscriptions/s1/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/q1" || assign.query != "api-version=2020-10-01" {
		t.Fatalf("eligibility request: %+v", assign)
	}
	p := props(t, assign)
	si, _ := p["scheduleInfo"].(map[string]any)
	exp, _ := si["expiration"].(map[string]any)
	if p["requestType"] != "AdminAssign" || p["justification"] != "why" || p["principalId"] != "p1" || p["roleDefinitionId"] != rd ||
		si["startDateTime"] != "2026-01-02T03:04:05Z" || exp["type"] != "AfterDateTime" || exp["endDateTime"] != "2026-01-02T11:04:05Z" {
		t.Fatalf("AdminAssign body: %v", p)
	}
	if remove.path != "/subscriptions/s1/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/q2" {
		t.Fatalf("remove request: %+v", remove)
	}
	p = props(t, remove)
	if _, has := p["scheduleInfo"]; has || p["requestType"] != "AdminRemove" {
		t.Fatalf("AdminRemove body: %v", p)
	}
}
