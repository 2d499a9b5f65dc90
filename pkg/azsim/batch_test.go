package azsim_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// batchResponses posts a batch and returns the outer status and the sub-responses by id.
func batchResponses(t *testing.T, f *wfix, bearer string, reqs []map[string]any) (int, map[string]map[string]any, map[string]any) {
	t.Helper()
	status, m, _ := f.do(t, http.MethodPost, "/$batch", bearer, map[string]any{"requests": reqs}, nil)
	out := map[string]map[string]any{}
	if list, isList := m["responses"].([]any); isList {
		for _, r := range list {
			rm := r.(map[string]any)
			out[rm["id"].(string)] = rm
		}
	}
	return status, out, m
}

func subStatus(r map[string]any) int {
	n, _ := r["status"].(float64)
	return int(n)
}

func TestBatch_MixedStatuses_EachRequestAnsweredOnItsOwn(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid, member string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, uid, member = g.ID, nonMember(w, g).ID, g.Members[0].ID
	})
	status, res, m := batchResponses(t, f, f.prov, []map[string]any{
		{"id": "1", "method": "GET", "url": "/users?$select=id&$top=2"},
		{"id": "2", "method": "GET", "url": "/users/00000000-0000-0000-0000-00000000dead"},
		{"id": "3", "method": "POST", "url": "/groups/" + gid + "/members/$ref", "headers": map[string]string{"Content-Type": "application/json"},
			"body": ref(uid)},
		{"id": "4", "method": "POST", "url": "groups/" + gid + "/members/$ref", "headers": map[string]string{"Content-Type": "application/json"},
			"body": ref(member)},
		{"id": "5", "method": "GET", "url": "/users/$count", "headers": map[string]string{"ConsistencyLevel": "eventual"}},
	})
	if status != http.StatusOK || len(res) != 5 {
		t.Fatalf("outer: %d %v", status, m)
	}
	for id, want := range map[string]int{"1": 200, "2": 404, "3": 204, "4": 400, "5": 200} {
		if got := subStatus(res[id]); got != want {
			t.Errorf("request %s: status %d, want %d (%v)", id, got, want, res[id])
		}
	}
	body, _ := res["1"]["body"].(map[string]any)
	if vals, _ := body["value"].([]any); len(vals) != 2 || body["@odata.nextLink"] == nil {
		t.Errorf("request 1 body: %v", body)
	}
	if code, _ := errCode(res["2"]["body"].(map[string]any)); code != "Request_ResourceNotFound" {
		t.Errorf("request 2 body: %v", res["2"]["body"])
	}
	if code, msg := errCode(res["4"]["body"].(map[string]any)); code != "Request_BadRequest" || msg == "" {
		t.Errorf("request 4 body: %v", res["4"]["body"])
	}
	if h, _ := res["1"]["headers"].(map[string]any); h["Content-Type"] == nil {
		t.Errorf("request 1 has no Content-Type header: %v", res["1"])
	}
	f.s.ReadWorld(func(w *world.World) {
		if !w.Group(gid).HasMember(uid) {
			t.Error("the batched POST members/$ref did not add the member")
		}
	})
	// Each sub-request is counted like a request of its own.
	st := f.s.Stats()
	if n := st.Route("POST", "/v1.0/groups/{id}/members/$ref").Requests; n != 2 {
		t.Errorf("stats count %d members/$ref requests, want 2", n)
	}
	if n := st.Route("POST", "/v1.0/$batch").Requests; n != 1 {
		t.Errorf("stats count %d $batch requests, want 1", n)
	}
}

func TestBatch_DependsOn_FailedPrerequisiteIs424(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, uid = g.ID, nonMember(w, g).ID
	})
	status, res, m := batchResponses(t, f, f.prov, []map[string]any{
		{"id": "c", "method": "GET", "url": "/groups/" + gid, "dependsOn": []string{"b"}},
		{"id": "a", "method": "GET", "url": "/users/00000000-0000-0000-0000-00000000dead"},
		{"id": "b", "method": "POST", "url": "/groups/" + gid + "/members/$ref", "dependsOn": []string{"a"},
			"headers": map[string]string{"Content-Type": "application/json"}, "body": ref(uid)},
		{"id": "d", "method": "GET", "url": "/groups/" + gid + "?$select=id"},
		{"id": "e", "method": "GET", "url": "/groups/" + gid + "?$select=id", "dependsOn": []string{"D"}},
	})
	if status != 200 {
		t.Fatalf("outer: %d %v", status, m)
	}
	for id, want := range map[string]int{"a": 404, "b": 424, "c": 424, "d": 200, "e": 200} {
		if got := subStatus(res[id]); got != want {
			t.Errorf("request %s: %d, want %d (%v)", id, got, want, res[id])
		}
	}
	f.s.ReadWorld(func(w *world.World) {
		if w.Group(gid).HasMember(uid) {
			t.Error("a request whose prerequisite failed was executed")
		}
	})
	// The responses come back in request order.
	list := m["responses"].([]any)
	if list[0].(map[string]any)["id"] != "c" || list[4].(map[string]any)["id"] != "e" {
		t.Errorf("responses out of request order: %v", list)
	}
}

func TestBatch_Limits_MalformedBatchesAre400(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	get := func(id string) map[string]any {
		return map[string]any{"id": id, "method": "GET", "url": "/organization"}
	}
	var twentyOne []map[string]any
	for i := range 21 {
		twentyOne = append(twentyOne, get(fmt.Sprint(i+1)))
	}
	status, res, m := batchResponses(t, f, f.reader, twentyOne[:20])
	if status != 200 || len(res) != 20 {
		t.Fatalf("20 requests: %d %v", status, m)
	}
	for name, tc := range map[string]struct {
		reqs []map[string]any
		msg  string
	}{
		"21 requests":       {twentyOne, "exceeds the maximum of 20"},
		"duplicate ids":     {[]map[string]any{get("a"), get("A")}, "duplicate request id"},
		"unknown dependsOn": {[]map[string]any{get("a"), {"id": "b", "method": "GET", "url": "/organization", "dependsOn": []string{"z"}}}, "not in the batch"},
		"dependency cycle": {[]map[string]any{{"id": "a", "method": "GET", "url": "/organization", "dependsOn": []string{"b"}},
			{"id": "b", "method": "GET", "url": "/organization", "dependsOn": []string{"a"}}}, "cycle"},
		"no requests": {[]map[string]any{}, "no requests"},
	} {
		status, _, m := batchResponses(t, f, f.reader, tc.reqs)
		expectErr(t, name, status, m, 400, "BadRequest", tc.msg)
	}
	status, m, _ = f.do(t, http.MethodPost, "/$batch", f.reader, "{", nil)
	expectErr(t, "invalid JSON", status, m, 400, "BadRequest", "Invalid batch payload format.")
	status, m, _ = f.do(t, http.MethodPost, "/$batch", "", map[string]any{"requests": []map[string]any{get("1")}}, nil)
	expectErr(t, "no token", status, m, 401, "InvalidAuthenticationToken", "Access token is empty.")
	// Sub-request problems are per-request answers, not batch failures.
	status, res, m = batchResponses(t, f, f.reader, []map[string]any{
		{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"},
		{"id": "2", "method": "POST", "url": "/directoryObjects/getByIds", "body": map[string]any{"ids": []string{"x"}}},
		{"id": "3", "method": "GET", "url": "/$batch"},
		{"id": "4", "method": "GET", "url": "/users?$top=1", "headers": map[string]string{"client-request-id": "abc"}},
	})
	if status != 200 || subStatus(res["1"]) != 400 || subStatus(res["2"]) != 400 || subStatus(res["3"]) != 400 || subStatus(res["4"]) != 200 {
		t.Fatalf("sub-request validation: %d %v", status, m)
	}
	// The beta endpoint batches too, with the reader's permissions applying per request.
	status, m, _ = f.do(t, http.MethodPost, f.s.GraphURL()+"/beta/$batch", f.reader, map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "DELETE", "url": "/groups/x"}}}, nil)
	if list, _ := m["responses"].([]any); status != 200 || len(list) != 1 || subStatus(list[0].(map[string]any)) != 403 {
		t.Fatalf("beta batch with a forbidden write: %d %v", status, m)
	}
}

func TestBatch_SubRequestsThrottledIndividually_429WithRetryAfterInside(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{FaultRules: []azsim.FaultRule{{Route: "GET /v1.0/users", Kind: azsim.FaultThrottle, Every: 2}}})
	var reqs []map[string]any
	for i := range 4 {
		reqs = append(reqs, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/users?$top=1"})
	}
	status, res, m := batchResponses(t, f, f.reader, reqs)
	if status != 200 {
		t.Fatalf("outer: %d %v", status, m)
	}
	throttled := 0
	for _, r := range res {
		if subStatus(r) == http.StatusTooManyRequests {
			throttled++
			if h, _ := r["headers"].(map[string]any); h["Retry-After"] == nil {
				t.Errorf("429 sub-response without Retry-After: %v", r)
			}
		} else if subStatus(r) != 200 {
			t.Errorf("unexpected sub-response: %v", r)
		}
	}
	if throttled != 2 {
		t.Fatalf("%d of 4 sub-requests throttled, want every 2nd (2): %v", throttled, res)
	}
	if n := f.s.Stats().Route("GET", "/v1.0/users").Requests; n != 4 {
		t.Fatalf("stats count %d sub-requests to /users, want 4", n)
	}
}
