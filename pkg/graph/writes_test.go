package graph_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// newWriter is a client of the provisioner app (every Graph permission) on an in-process azsim.
func newWriter(t *testing.T) (*azsim.Server, *graph.Client) {
	t.Helper()
	s, err := azsim.New(azsim.Options{Preset: "tiny", Seed: 71, NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	app, err := s.App("baton-azure-provisioner")
	if err != nil {
		t.Fatal(err)
	}
	copts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.LoginURL() + "/"}, Transport: s.HTTPClient()}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), app.ClientID, app.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: copts, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := graph.New(graph.Options{BaseURL: s.GraphURL(), Credential: cred, Transport: s.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// Membership writes: add, read back, add again (Graph's "already exist" answer), remove, remove again
// (404) — each answer classified as the provisioner needs.
func TestGroupMemberWrites_AddHasRemove_AndTheirIdempotencyAnswers(t *testing.T) {
	t.Parallel()
	s, c := newWriter(t)
	ctx := context.Background()
	var gid, uid string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if gid == "" && g.SecurityEnabled && !g.MailEnabled && !g.IsDynamic() && !g.IsAssignableToRole &&
				(g.OnPremisesSyncEnabled == nil || !*g.OnPremisesSyncEnabled) {
				gid = g.ID
			}
		}
		for _, u := range w.Users {
			if !w.Group(gid).HasMember(u.ID) {
				uid = u.ID
				break
			}
		}
	})
	if has, err := c.HasGroupMember(ctx, gid, uid); err != nil || has {
		t.Fatalf("before: member %v, err %v", has, err)
	}
	if err := c.AddGroupMember(ctx, gid, uid); err != nil {
		t.Fatal(err)
	}
	if has, err := c.HasGroupMember(ctx, gid, uid); err != nil || !has {
		t.Fatalf("after add: member %v, err %v", has, err)
	}
	if err := c.AddGroupMember(ctx, gid, uid); !graph.IsAlreadyExists(err) {
		t.Fatalf("adding again: %v, want an already-exists answer", err)
	}
	if err := c.RemoveGroupMember(ctx, gid, uid); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveGroupMember(ctx, gid, uid); !graph.IsDoesNotExist(err) || graph.IsAlreadyExists(err) {
		t.Fatalf("removing again: %v, want a does-not-exist answer", err)
	}
	s.ReadWorld(func(w *world.World) {
		if w.Group(gid).HasMember(uid) {
			t.Fatal("the member is still in the world")
		}
	})
	if got := s.Stats().Route("DELETE", "/v1.0/groups/{id}/members/{oid}/$ref").Requests; got != 2 {
		t.Fatalf("%d DELETE .../members/{id}/$ref, want 2 (never the object-deleting route without /$ref)", got)
	}
}

// A PIM schedule request carries the window; its answer echoes it; a second one is RoleAssignmentExists
// and removing twice is RoleAssignmentDoesNotExist.
func TestRoleScheduleRequest_WindowAndIdempotencyAnswers(t *testing.T) {
	t.Parallel()
	s, c := newWriter(t)
	ctx := context.Background()
	var role, uid string
	s.ReadWorld(func(w *world.World) {
		used := map[string]bool{}
		for _, a := range w.DirectoryAssignments {
			used[a.RoleDefinitionID] = true
		}
		for _, r := range w.DirectoryRoles {
			if !used[r.ID] {
				role = r.ID // a role nobody holds
				break
			}
		}
		uid = w.Users[0].ID
	})
	start := time.Now().UTC().Truncate(time.Second)
	end := start.Add(2 * time.Hour)
	req := graph.ScheduleRequest{Action: graph.ActionAdminAssign, PrincipalID: uid, RoleDefinitionID: role, DirectoryScopeID: "/",
		Justification: "test", Start: start, End: &end}
	r, err := c.RequestRoleSchedule(ctx, true, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.ScheduleInfo.Expiration.EndDateTime == nil || !r.ScheduleInfo.Expiration.EndDateTime.Equal(end) {
		t.Fatalf("answer window %+v, want end %v", r.ScheduleInfo, end)
	}
	got, err := c.RoleAssignmentsOf(ctx, graph.EligibleScheduleInstance, role, uid, "/")
	if err != nil || len(got) != 1 || got[0].EndDateTime == nil || !got[0].EndDateTime.Equal(end) {
		t.Fatalf("eligibility instances %+v, err %v; want one ending %v", got, err, end)
	}
	if _, err := c.RequestRoleSchedule(ctx, true, req); !graph.IsAlreadyExists(err) {
		t.Fatalf("assigning again: %v, want RoleAssignmentExists", err)
	}
	req.Action = graph.ActionAdminRemove
	if _, err := c.RequestRoleSchedule(ctx, true, req); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RequestRoleSchedule(ctx, true, req); !graph.IsDoesNotExist(err) {
		t.Fatalf("removing again: %v, want RoleAssignmentDoesNotExist", err)
	}
}

// App role assignments held by a user, filtered to one resource; assign twice; delete exactly one.
func TestAppRoleWrites_HeldAssignmentsAndAlreadyExists(t *testing.T) {
	t.Parallel()
	s, c := newWriter(t)
	ctx := context.Background()
	var sp, uid string
	s.ReadWorld(func(w *world.World) {
		for _, x := range w.ServicePrincipals {
			if x.ServicePrincipalType == "Application" {
				sp = x.ID
				break
			}
		}
		uid = w.Users[1].ID
	})
	const def = "00000000-0000-0000-0000-000000000000"
	before, err := c.AppRoleAssignmentsHeld(ctx, graph.PrincipalUsers, uid, sp)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.AssignAppRole(ctx, sp, uid, def)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssignAppRole(ctx, sp, uid, def); !graph.IsAlreadyExists(err) {
		t.Fatalf("assigning again: %v, want already exists", err)
	}
	held, err := c.AppRoleAssignmentsHeld(ctx, graph.PrincipalUsers, uid, sp)
	if err != nil || len(held) != len(before)+1 {
		t.Fatalf("held %v (err %v), want %d", held, err, len(before)+1)
	}
	for _, h := range held {
		if !strings.EqualFold(h.ResourceID, sp) || !strings.EqualFold(h.PrincipalID, uid) {
			t.Fatalf("held assignment %+v is not of user %s on %s", h, uid, sp)
		}
	}
	if err := c.DeleteAppRoleAssignment(ctx, sp, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAppRoleAssignment(ctx, sp, a.ID); !graph.IsDoesNotExist(err) {
		t.Fatalf("deleting again: %v, want 404", err)
	}
}

func TestIsAlreadyExists_OnlyForGraphsAlreadyExistsAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err            *graph.Error
		exists, absent bool
	}{
		{&graph.Error{StatusCode: 400, Code: "Request_BadRequest", Message: "One or more added object references already exist for the following modified properties: 'members'."}, true, false},
		{&graph.Error{StatusCode: 400, Code: "Request_BadRequest", Message: "A conflicting object with one or more of the specified property values is present in the directory."}, true, false},
		{&graph.Error{StatusCode: 400, Code: "Request_BadRequest", Message: "Permission being assigned already exists on the object"}, true, false},
		{&graph.Error{StatusCode: 400, Code: "RoleAssignmentExists", Message: "The Role assignment already exists."}, true, false},
		{&graph.Error{StatusCode: 400, Code: "RoleAssignmentDoesNotExist", Message: "The Role assignment does not exist."}, false, true},
		{&graph.Error{StatusCode: 404, Code: "Request_ResourceNotFound"}, false, true},
		{&graph.Error{StatusCode: 400, Code: "Request_BadRequest", Message: "User does not have a corresponding license."}, false, true},
		{&graph.Error{StatusCode: 400, Code: "Request_BadRequest", Message: "Invalid object identifier"}, false, false},
		{&graph.Error{StatusCode: http.StatusForbidden, Code: "Authorization_RequestDenied"}, false, false},
	} {
		if graph.IsAlreadyExists(tc.err) != tc.exists || graph.IsDoesNotExist(tc.err) != tc.absent {
			t.Errorf("%v: exists %v absent %v, want %v %v", tc.err, graph.IsAlreadyExists(tc.err), graph.IsDoesNotExist(tc.err), tc.exists, tc.absent)
		}
	}
}
