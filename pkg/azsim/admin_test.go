package azsim_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func TestAdmin_TruthStatsAndReset(t *testing.T) {
	t.Parallel()
	s := start(t, azsim.Options{NoListener: true, Seed: 5})
	status, m, _ := call(t, s, http.MethodGet, s.AdminURL()+"/truth", "", nil)
	var want bytes.Buffer
	s.ReadWorld(func(w *world.World) { must(t, w.WriteTruth(&want)) })
	if status != 200 || m["text"] != want.String() {
		t.Fatalf("/_azsim/truth differs from the world's truth (status %d)", status)
	}
	if lines := strings.Count(want.String(), "\n"); lines < 100 {
		t.Fatalf("tiny truth has only %d facts", lines)
	}

	// Stats count requests per route template, with status codes.
	tok := token(t, s, readerApp(t, s), "https://graph.microsoft.com/.default")
	for range 3 {
		call(t, s, http.MethodGet, s.GraphURL()+"/v1.0/users?$top=1", tok, nil)
	}
	call(t, s, http.MethodGet, s.GraphURL()+"/v1.0/users/nope", tok, nil)
	st := s.Stats()
	users := st.Route("GET", "/v1.0/users")
	if users.Requests != 3 || users.Status["200"] != 3 || users.Bytes == 0 {
		t.Fatalf("stats for GET /v1.0/users: %+v", users)
	}
	if one := st.Route("GET", "/v1.0/users/{id}"); one.Status["404"] != 1 {
		t.Fatalf("stats for GET /v1.0/users/{id}: %+v", one)
	}
	if tokRoute := st.Route("POST", "/{tenant}/oauth2/v2.0/token"); tokRoute.Requests < 1 {
		t.Fatalf("token requests not counted: %+v", st.Routes)
	}

	// Reset reseeds the world and clears counters.
	before := s.TenantID()
	status, _, _ = call(t, s, http.MethodPost, s.AdminURL()+"/reset?seed=6", "", nil)
	if status != http.StatusNoContent || s.TenantID() == before {
		t.Fatalf("reset: status %d, tenant %s (was %s)", status, s.TenantID(), before)
	}
	if n := s.Stats().Requests; n != 0 {
		t.Fatalf("stats after reset: %d requests", n)
	}
	status, _, _ = call(t, s, http.MethodPost, s.AdminURL()+"/reset?preset=nope", "", nil)
	if status != http.StatusBadRequest {
		t.Fatalf("reset to unknown preset: %d", status)
	}
}

func TestGraphKeySegments_AppIDAndRoleTemplate(t *testing.T) {
	t.Parallel()
	f := newGraphFixture(t, azsim.Options{})
	status, m := f.get(t, "/servicePrincipals(appId='"+world.GraphAppID+"')", nil)
	if status != 200 || m["displayName"] != "Microsoft Graph" {
		t.Fatalf("servicePrincipals(appId=Graph): %d %v", status, m)
	}
	const ga = "62e90394-69f5-4237-9190-012177145e10"
	want := map[string]bool{}
	f.world(func(w *world.World) {
		for _, a := range w.DirectoryAssignments {
			if a.RoleDefinitionID == ga && !a.Eligible && a.DirectoryScopeID == "/" {
				want[a.Principal.ID] = true
			}
		}
	})
	status, m = f.get(t, "/directoryRoles(roleTemplateId='"+ga+"')/members", nil)
	if status != 200 || len(items(m)) != len(want) || len(want) == 0 {
		t.Fatalf("Global Administrator members: %d, %d items, want %d", status, len(items(m)), len(want))
	}
	for _, it := range items(m) {
		if !want[it["id"].(string)] {
			t.Errorf("unexpected Global Administrator member %v", it["id"])
		}
	}
}
