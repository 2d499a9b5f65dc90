package connector_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

const azProvisionerApp = "baton-azure-provisioner"

// azARMWrites counts the ARM writes azsim served (PUT and DELETE on any route).
func azARMWrites(s *azsim.Server) int64 {
	var n int64
	for _, r := range s.Stats().Routes {
		if r.Method == "PUT" || r.Method == "DELETE" || r.Method == "PATCH" {
			n += r.Requests
		}
	}
	return n
}

// azRBACCase is one provisioning round trip: a role in a state at a scope, to a principal.
type azRBACCase struct {
	name                   string
	scopeType, scopeID     string // baton resource of the scope
	scope                  string // ARM scope in the world
	state                  string
	principalType, princID string
	role                   string
}

func (c azRBACCase) entitlementID() string {
	return connector.FormatRBACEntitlementID(connector.RBACEntitlement{ResourceType: c.scopeType, ScopeID: c.scopeID, RoleID: c.role, State: c.state})
}

func (c azRBACCase) grantKey() string { return key(c.entitlementID(), c.principalType, c.princID) }

// azCandidateRoles returns the built-in roles assignable everywhere, those nobody holds first.
func azCandidateRoles(w *world.World) []string {
	used := map[string]bool{}
	for _, a := range w.ARMAssignments {
		used[lower(a.RoleDefinition)] = true
	}
	var unused, rest []string
	for _, r := range w.ARMRoles {
		if r.Type != "BuiltInRole" || !slices.Contains(r.AssignableScopes, "/") {
			continue
		}
		if used[lower(r.Name)] {
			rest = append(rest, lower(r.Name))
		} else {
			unused = append(unused, lower(r.Name))
		}
	}
	slices.Sort(unused)
	slices.Sort(rest)
	return append(unused, rest...)
}

// azProvisioningCases builds one case per scope type and state, spreading the four principal kinds over
// them (each kind active and eligible at least once). Every case has its own principal and its own role,
// one the principal does not hold at the scope in any way (directly, inherited or through a group:
// synced has no such grant), so each grant is the only source of the grant the next sync shows.
func azProvisioningCases(t *testing.T, w *world.World, synced map[string]*v2.Grant) []azRBACCase {
	t.Helper()
	var mg *world.ManagementGroup
	for _, m := range w.ManagementGroups {
		if m.Parent != "" {
			mg = m
			break
		}
	}
	var users, apps, mis, groups []string
	for _, u := range w.Users {
		users = append(users, lower(u.ID))
	}
	registered := map[string]bool{}
	for _, a := range w.Apps {
		registered[lower(a.ServicePrincipalID)] = true
	}
	for _, sp := range w.ServicePrincipals {
		switch {
		case registered[lower(sp.ID)]:
		case sp.ServicePrincipalType == "ManagedIdentity":
			mis = append(mis, lower(sp.ID))
		case sp.ServicePrincipalType == "Application":
			apps = append(apps, lower(sp.ID))
		}
	}
	for _, g := range w.Groups {
		if g.SecurityEnabled && !g.IsUnified() && !g.IsDynamic() && g.OnPremisesSyncEnabled == nil {
			groups = append(groups, lower(g.ID))
		}
	}
	type scope struct{ typ, id, arm string }
	scopes := []scope{
		{"management_group", lower(mg.Name), mg.Scope()},
		{"subscription", lower(w.Subscriptions[0].ID), w.Subscriptions[0].Scope()},
		{"resource_group", lower(w.ResourceGroups[0].Scope()), w.ResourceGroups[0].Scope()},
		{"storage_account", lower(w.StorageAccounts[0].Scope()), w.StorageAccounts[0].Scope()},
		{"container", lower(w.Containers[0].Scope()), w.Containers[0].Scope()},
	}
	kinds := []struct {
		typ  string
		pool *[]string
	}{{"user", &users}, {"group", &groups}, {"enterprise_application", &apps}, {"managed_identity", &mis}}
	roles := azCandidateRoles(w)
	taken := map[string]bool{}
	var out []azRBACCase
	for i, sc := range scopes {
		for j, state := range []string{"active", "eligible"} {
			k := kinds[(i+j*2)%len(kinds)] // active: user, group, app, MI, user; eligible: app, MI, user, group, app
			if len(*k.pool) == 0 {
				t.Fatalf("the world has no more %s principals", k.typ)
			}
			c := azRBACCase{name: sc.typ + "/" + state + "/" + k.typ, scopeType: sc.typ, scopeID: sc.id, scope: sc.arm,
				state: state, principalType: k.typ, princID: (*k.pool)[0]}
			*k.pool = (*k.pool)[1:]
			for _, r := range roles {
				if c.role = r; !taken[r] && synced[c.grantKey()] == nil {
					break
				}
			}
			if taken[c.role] {
				t.Fatalf("%s: no role left that the principal does not hold", c.name)
			}
			taken[c.role] = true
			out = append(out, c)
		}
	}
	return out
}

func azGrantResp(t *testing.T, client types.ConnectorClient, ent *v2.Entitlement, p *v2.Resource) (*v2.GrantManagerServiceGrantResponse, error) {
	t.Helper()
	return client.Grant(context.Background(), v2.GrantManagerServiceGrantRequest_builder{Entitlement: ent, Principal: p}.Build())
}

func azRevokeResp(t *testing.T, client types.ConnectorClient, g *v2.Grant) (*v2.GrantManagerServiceRevokeResponse, error) {
	t.Helper()
	return client.Revoke(context.Background(), v2.GrantManagerServiceRevokeRequest_builder{Grant: g}.Build())
}

func azSyncRead(t *testing.T, client types.ConnectorClient) *synctest.File {
	t.Helper()
	path, err := synctest.Sync(t, client)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return synctest.Read(t, path)
}

func azHas(annos []*anypb.Any, m proto.Message) bool {
	a := annotations.Annotations(annos)
	return a.Contains(m)
}

// azARMPrincipalType is the principalType ARM must record for a principal resource type.
var azARMPrincipalType = map[string]string{"user": "User", "group": "Group", "enterprise_application": "ServicePrincipal", "managed_identity": "ServicePrincipal"}

// azWorldAssignments returns the world's assignments of a case's role to its principal exactly at its scope.
func azWorldAssignments(s *azsim.Server, c azRBACCase) []world.ARMRoleAssignment {
	var out []world.ARMRoleAssignment
	s.ReadWorld(func(w *world.World) {
		for _, a := range w.ARMAssignments {
			if lower(a.RoleDefinition) == c.role && lower(a.PrincipalID) == c.princID && world.NormalizeScope(a.Scope) == world.NormalizeScope(c.scope) &&
				a.Eligible == (c.state == "eligible") {
				out = append(out, *a)
			}
		}
	})
	return out
}

// TestProvisionAzureRBAC_EveryScopeAndState_GrantSyncRevokeRoundTrip grants, for every scope type and
// state, an Azure role to a principal (each principal kind active and eligible at least once) through
// baton's gRPC Grant, grants it again, syncs, revokes the grant as synced, revokes it again and syncs.
func TestProvisionAzureRBAC_EveryScopeAndState_GrantSyncRevokeRoundTrip(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 61}, azProvisionerApp)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := synctest.Serve(t, b)
	before := azSyncRead(t, client)
	synced := grantsByKey(before)
	var cases []azRBACCase
	s.ReadWorld(func(w *world.World) { cases = azProvisioningCases(t, w, synced) })
	for _, c := range cases {
		t.Logf("case %s: role %s principal %s scope %s", c.name, c.role, c.princID, c.scope)
	}

	returned := map[string]*v2.Grant{}
	for _, c := range cases {
		if synced[c.grantKey()] != nil || len(azWorldAssignments(s, c)) != 0 {
			t.Fatalf("%s: the principal already holds the role", c.name)
		}
		ent := fileEntitlement(t, before, c.entitlementID())
		p := fileResource(t, before, c.principalType, c.princID)
		w0 := azARMWrites(s)
		start := time.Now().UTC().Truncate(time.Second)
		resp, err := azGrantResp(t, client, ent, p)
		if err != nil {
			t.Fatalf("%s: grant: %v", c.name, err)
		}
		if n := azARMWrites(s) - w0; n != 1 {
			t.Errorf("%s: grant sent %d writes, want 1", c.name, n)
		}
		if len(resp.GetGrants()) != 1 || azHas(resp.GetAnnotations(), &v2.GrantAlreadyExists{}) {
			t.Fatalf("%s: grant returned %d grants, annotations %v", c.name, len(resp.GetGrants()), resp.GetAnnotations())
		}
		g := resp.GetGrants()[0]
		if want := c.entitlementID() + ":" + c.principalType + ":" + c.princID; g.GetId() != want {
			t.Errorf("%s: grant id %q, want %q", c.name, g.GetId(), want)
		}
		as := azWorldAssignments(s, c)
		if len(as) != 1 || as[0].PrincipalType != azARMPrincipalType[c.principalType] {
			t.Fatalf("%s: the world holds %+v, want one assignment with principalType %s", c.name, as, azARMPrincipalType[c.principalType])
		}
		md := grantMetadata(g)
		if c.state == "eligible" {
			end, err := time.Parse(time.RFC3339, md["end"].(string))
			if err != nil || as[0].End == nil || !end.Equal(*as[0].End) || end.Sub(start) < 8*time.Hour || end.Sub(start) > 8*time.Hour+5*time.Second {
				t.Errorf("%s: end %v (%v), world end %v: want the default PIM duration of 8h from now", c.name, md["end"], err, as[0].End)
			}
		} else if as[0].End != nil || md["end"] != nil {
			t.Errorf("%s: an active grant must be permanent: world end %v, metadata end %v", c.name, as[0].End, md["end"])
		}
		returned[c.name] = g

		w1 := azARMWrites(s)
		again, err := azGrantResp(t, client, ent, p)
		if err != nil || !azHas(again.GetAnnotations(), &v2.GrantAlreadyExists{}) || azARMWrites(s) != w1 {
			t.Fatalf("%s: grant again: %v, annotations %v, %d writes; want GrantAlreadyExists and no write", c.name, err, again.GetAnnotations(), azARMWrites(s)-w1)
		}
		if len(again.GetGrants()) != 1 || again.GetGrants()[0].GetId() != g.GetId() {
			t.Errorf("%s: grant again returned %v", c.name, again.GetGrants())
		}
	}

	after := grantsByKey(azSyncRead(t, client))
	for _, c := range cases {
		sg := after[c.grantKey()]
		if sg == nil {
			t.Fatalf("%s: the sync after the grant lacks %s", c.name, c.grantKey())
		}
		g := returned[c.name]
		if sg.GetId() != g.GetId() || sg.GetPrincipal().GetId().GetResource() != c.princID || sg.GetPrincipal().GetId().GetResourceType() != c.principalType {
			t.Errorf("%s: synced grant %s to %v, returned %s", c.name, sg.GetId(), sg.GetPrincipal().GetId(), g.GetId())
		}
		if got, want := grantMetadata(sg), grantMetadata(g); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: synced metadata %v, returned %v", c.name, got, want)
		}
		if azHas(sg.GetAnnotations(), &v2.GrantImmutable{}) {
			t.Errorf("%s: the synced grant is derived, not direct", c.name)
		}
		if (grantExpandable(sg) != nil) != (c.principalType == "group") || (grantExpandable(g) != nil) != (c.principalType == "group") {
			t.Errorf("%s: expandable synced %v returned %v, want only grants to groups", c.name, grantExpandable(sg), grantExpandable(g))
		}
	}

	for _, c := range cases {
		sg := after[c.grantKey()]
		w0 := azARMWrites(s)
		resp, err := azRevokeResp(t, client, sg)
		if err != nil || azHas(resp.GetAnnotations(), &v2.GrantAlreadyRevoked{}) {
			t.Fatalf("%s: revoke: %v %v", c.name, err, resp.GetAnnotations())
		}
		if n := azARMWrites(s) - w0; n != 1 {
			t.Errorf("%s: revoke sent %d writes, want 1", c.name, n)
		}
		if as := azWorldAssignments(s, c); len(as) != 0 {
			t.Errorf("%s: still in the world after revoke: %+v", c.name, as)
		}
		w1 := azARMWrites(s)
		again, err := azRevokeResp(t, client, sg)
		if err != nil || !azHas(again.GetAnnotations(), &v2.GrantAlreadyRevoked{}) || azARMWrites(s) != w1 {
			t.Fatalf("%s: revoke again: %v, annotations %v, %d writes; want GrantAlreadyRevoked and no write", c.name, err, again.GetAnnotations(), azARMWrites(s)-w1)
		}
	}
	final := grantsByKey(azSyncRead(t, client))
	for _, c := range cases {
		if final[c.grantKey()] != nil {
			t.Errorf("%s: the sync after the revoke still has %s", c.name, c.grantKey())
		}
	}
}
