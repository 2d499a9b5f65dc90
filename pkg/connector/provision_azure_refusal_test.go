package connector_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// azProvisioners returns the RBAC provisioner of each scope type.
func azProvisioners(t *testing.T, b connectorbuilder.ConnectorBuilderV2) map[string]connectorbuilder.ResourceProvisionerV2Limited {
	t.Helper()
	out := map[string]connectorbuilder.ResourceProvisionerV2Limited{}
	for typ, s := range syncers(t, b) {
		if p, ok := s.(connectorbuilder.ResourceProvisionerV2Limited); ok {
			out[typ] = p
		}
	}
	for _, typ := range []string{"management_group", "subscription", "resource_group", "storage_account", "container"} {
		if out[typ] == nil {
			t.Fatalf("%s has no provisioner", typ)
		}
	}
	return out
}

func azRBACEntitlement(typ, id, role, state string) *v2.Entitlement {
	eid := connector.FormatRBACEntitlementID(connector.RBACEntitlement{ResourceType: typ, ScopeID: id, RoleID: role, State: state})
	return v2.Entitlement_builder{Id: eid, Resource: stub(typ, id)}.Build()
}

func azRBACGrant(ent *v2.Entitlement, ptype, pid string) *v2.Grant {
	return v2.Grant_builder{Id: ent.GetId() + ":" + ptype + ":" + pid, Entitlement: ent, Principal: stub(ptype, pid)}.Build()
}

// azWantRefusal checks an error's code and that its message names every string in want (case-insensitive).
func azWantRefusal(t *testing.T, what string, err error, code codes.Code, want ...string) {
	t.Helper()
	t.Logf("%s: %v", what, err)
	if status.Code(err) != code {
		t.Errorf("%s: %v (%v), want %v", what, status.Code(err), err, code)
		return
	}
	for _, w := range want {
		if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(w)) {
			t.Errorf("%s: %q does not name %q", what, err, w)
		}
	}
}

// azIsMember reports whether id is a member of group g, through any depth of nesting.
func azIsMember(w *world.World, g *world.Group, id string, seen map[string]bool) bool {
	if seen[g.ID] {
		return false
	}
	seen[g.ID] = true
	for _, m := range g.Members {
		if strings.EqualFold(m.ID, id) {
			return true
		}
		if sub := w.Group(m.ID); sub != nil && azIsMember(w, sub, id, seen) {
			return true
		}
	}
	return false
}

// TestProvisionAzureRBAC_BadInput_IsRefusedBeforeAnyRequest: malformed entitlement and grant ids and
// principals that cannot hold Azure roles are refused with InvalidArgument or FailedPrecondition naming
// the expected form or the reason, without sending any request; principals the directory does not have
// or types it contradicts are refused after a directory read, without any write.
func TestProvisionAzureRBAC_BadInput_IsRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 63}, azProvisionerApp)
	var sub, rg, user, group string
	s.ReadWorld(func(w *world.World) {
		sub, rg, user, group = lower(w.Subscriptions[0].ID), lower(w.ResourceGroups[0].Scope()), lower(w.Users[0].ID), lower(w.Groups[0].ID)
	})
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pv := azProvisioners(t, b)
	ctx := t.Context()
	role := world.RoleReader
	good := azRBACEntitlement("subscription", sub, role, "active")
	requests := func() int64 { return s.Stats().Requests }

	start := requests()
	for _, tc := range []struct {
		name string
		ent  *v2.Entitlement
		p    *v2.Resource
		code codes.Code
		want []string
	}{
		{"role is not a GUID", v2.Entitlement_builder{Id: "subscription:" + sub + ":role:owner:active", Resource: stub("subscription", sub)}.Build(),
			stub("user", user), codes.InvalidArgument, []string{"not a GUID", "expected <scope type>:<scope id>:role:<role definition GUID>:<active|eligible>"}},
		{"unknown state", v2.Entitlement_builder{Id: "subscription:" + sub + ":role:" + role + ":pending", Resource: stub("subscription", sub)}.Build(),
			stub("user", user), codes.InvalidArgument, []string{"neither active nor eligible", "expected"}},
		{"no role marker", v2.Entitlement_builder{Id: "subscription:" + sub + ":" + role + ":active", Resource: stub("subscription", sub)}.Build(),
			stub("user", user), codes.InvalidArgument, []string{"'role' marker", "expected"}},
		{"upper-case resource group id", v2.Entitlement_builder{Id: "resource_group:" + strings.ToUpper(rg) + ":role:" + role + ":active"}.Build(),
			stub("user", user), codes.InvalidArgument, []string{"lower-case ARM id", "expected"}},
		{"entitlement of another resource", v2.Entitlement_builder{Id: good.GetId(), Resource: stub("resource_group", rg)}.Build(),
			stub("user", user), codes.InvalidArgument, []string{"belongs to resource_group", "expected"}},
		{"empty id", v2.Entitlement_builder{Resource: stub("subscription", sub)}.Build(), stub("user", user), codes.InvalidArgument, []string{"expected"}},
		{"deleted principal", good, stub("deleted_principal", user), codes.FailedPrecondition, []string{"deleted principal"}},
		{"scope as principal", good, stub("management_group", "root"), codes.InvalidArgument, []string{"only record inheritance"}},
		{"license as principal", good, stub("license", user), codes.InvalidArgument, []string{`"license" cannot hold an Azure role`}},
		{"principal id not a GUID", good, stub("user", "alice@contoso.com"), codes.InvalidArgument, []string{"not an object id"}},
	} {
		_, _, err := pv["subscription"].Grant(ctx, tc.p, tc.ent)
		azWantRefusal(t, tc.name, err, tc.code, tc.want...)
	}
	bad := azRBACGrant(good, "user", user)
	bad.SetId(good.GetId() + ":user:" + group)
	_, err = pv["subscription"].Revoke(ctx, bad)
	azWantRefusal(t, "revoke with a grant id that names another principal", err, codes.InvalidArgument, "does not match", "expected <entitlement id>:<principal type>:<principal object id>")
	_, err = pv["subscription"].Revoke(ctx, azRBACGrant(v2.Entitlement_builder{Id: "subscription:" + sub + ":member"}.Build(), "user", user))
	azWantRefusal(t, "revoke of a malformed entitlement", err, codes.InvalidArgument, "expected")
	if n := requests() - start; n != 0 {
		t.Errorf("malformed input sent %d requests, want none", n)
	}

	writes := azARMWrites(s)
	_, _, err = pv["subscription"].Grant(ctx, stub("user", "0badc0de-0000-4000-8000-000000000000"), good)
	azWantRefusal(t, "principal not in the directory", err, codes.FailedPrecondition, "does not exist in the directory")
	_, _, err = pv["subscription"].Grant(ctx, stub("user", group), good)
	azWantRefusal(t, "a group called a user", err, codes.InvalidArgument, "is a group in the directory, not a user")
	if n := azARMWrites(s) - writes; n != 0 {
		t.Errorf("refused principals sent %d writes, want none", n)
	}

	cfg.SkipEntraIdP2LicenseFeatures = true
	noP2, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := requests()
	_, _, err = azProvisioners(t, noP2)["subscription"].Grant(ctx, stub("user", user), azRBACEntitlement("subscription", sub, role, "eligible"))
	azWantRefusal(t, "eligible with skip-entra-id-p2-license-features", err, codes.FailedPrecondition, "skip-entra-id-p2-license-features")
	if n := requests() - before; n != 0 {
		t.Errorf("the P2 refusal sent %d requests", n)
	}
}

// TestProvisionAzureRBAC_DerivedGrants_RevokeFailsNamingTheRealAssignment revokes, as synced, a grant
// inherited from an assignment above, a grant held through a group, and a structural inheritance grant:
// each fails with FailedPrecondition naming the assignment to revoke instead, and nothing is written.
func TestProvisionAzureRBAC_DerivedGrants_RevokeFailsNamingTheRealAssignment(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 64}, azProvisionerApp)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := azSyncRead(t, synctest.Serve(t, b))
	synced := grantsByKey(f)
	pv := azProvisioners(t, b)

	type derived struct {
		grant     *v2.Grant
		via       string   // "inherited" or "group"
		realScope []string // the assignments that may be named, by scope (lower case)
		realPrinc []string
		role      string
	}
	var inherited, viaGroup *derived
	roleNames := map[string]string{}
	s.ReadWorld(func(w *world.World) {
		for _, r := range w.ARMRoles {
			roleNames[lower(r.Name)] = r.RoleName
		}
		for _, a := range w.ARMAssignments {
			if a.Ghost || a.Eligible || inherited != nil && viaGroup != nil {
				continue
			}
			state := stateOf(a)
			role := lower(a.RoleDefinition)
			switch {
			case inherited == nil && a.PrincipalType == "User" && strings.Count(a.Scope, "/") == 2: // a user's role at a subscription
				for _, g := range w.ResourceGroups {
					if !strings.EqualFold(world.NormalizeScope(w.ParentScope(g.Scope())), world.NormalizeScope(a.Scope)) {
						continue
					}
					k := key(rbacEnt(&azScope{typ: "resource_group", id: lower(g.Scope())}, role, state), "user", lower(a.PrincipalID))
					if sg := synced[k]; sg != nil && azHas(sg.GetAnnotations(), &v2.GrantImmutable{}) {
						d := &derived{grant: sg, via: "inherited", role: role}
						chain := ancestors(w, g.Scope())
						for _, o := range w.ARMAssignments {
							if lower(o.RoleDefinition) == role && !o.Eligible && strings.EqualFold(o.PrincipalID, a.PrincipalID) &&
								slices.ContainsFunc(chain, func(c string) bool { return world.NormalizeScope(c) == world.NormalizeScope(o.Scope) }) {
								d.realScope = append(d.realScope, lower(o.Scope))
							}
						}
						inherited = d
						break
					}
				}
			case viaGroup == nil && a.PrincipalType == "Group":
				g := w.Group(a.PrincipalID)
				if g == nil {
					continue
				}
				sc := azureScopes(w, expectOpts{})[world.NormalizeScope(a.Scope)]
				if sc == nil {
					continue
				}
				for _, m := range g.Members {
					if m.Kind != world.KindUser {
						continue
					}
					sg := synced[key(rbacEnt(sc, role, state), "user", lower(m.ID))]
					if sg == nil || !azHas(sg.GetAnnotations(), &v2.GrantImmutable{}) {
						continue
					}
					d := &derived{grant: sg, via: "group", role: role}
					chain := append([]string{a.Scope}, ancestors(w, a.Scope)...)
					for _, o := range w.ARMAssignments {
						og := w.Group(o.PrincipalID)
						if lower(o.RoleDefinition) == role && !o.Eligible && og != nil && azIsMember(w, og, m.ID, map[string]bool{}) &&
							slices.ContainsFunc(chain, func(c string) bool { return world.NormalizeScope(c) == world.NormalizeScope(o.Scope) }) {
							d.realScope, d.realPrinc = append(d.realScope, lower(o.Scope)), append(d.realPrinc, lower(o.PrincipalID))
						}
					}
					viaGroup = d
					break
				}
			}
		}
	})
	if inherited == nil || viaGroup == nil {
		t.Fatalf("the world lacks an inherited (%v) or group-derived (%v) grant", inherited != nil, viaGroup != nil)
	}
	var structural *v2.Grant
	for _, g := range f.Grants {
		if p := g.GetPrincipal().GetId().GetResourceType(); scopeTypes[p] {
			structural = g
			break
		}
	}
	if structural == nil {
		t.Fatal("the sync has no structural inheritance grant")
	}

	// As baton's CLI does, pass the grant with its entitlement hydrated from the c1z.
	hydrated := func(g *v2.Grant) *v2.Grant {
		h := proto.Clone(g).(*v2.Grant)
		h.SetEntitlement(fileEntitlement(t, f, g.GetEntitlement().GetId()))
		return h
	}
	writes := azARMWrites(s)
	for _, d := range []*derived{inherited, viaGroup} {
		ent, _ := connector.ParseRBACEntitlementID(d.grant.GetEntitlement().GetId())
		_, err := pv[ent.ResourceType].Revoke(t.Context(), hydrated(d.grant))
		azWantRefusal(t, d.via, err, codes.FailedPrecondition, "Revoke that assignment instead", "role "+d.role,
			`Azure role "`+roleNames[d.role]+`" (`+d.role+`)`)
		named := func(list []string) bool {
			return slices.ContainsFunc(list, func(x string) bool { return strings.Contains(strings.ToLower(status.Convert(err).Message()), x) })
		}
		if !named(d.realScope) {
			t.Errorf("%s: %v names none of the real assignments' scopes %v", d.via, err, d.realScope)
		}
		if d.via == "group" && (!named(d.realPrinc) || !strings.Contains(err.Error(), "membership of group")) {
			t.Errorf("group: %v names none of the groups %v", err, d.realPrinc)
		}
	}
	ent, _ := connector.ParseRBACEntitlementID(structural.GetEntitlement().GetId())
	_, err = pv[ent.ResourceType].Revoke(t.Context(), hydrated(structural))
	azWantRefusal(t, "structural", err, codes.FailedPrecondition, "is inherited", "not an assignment", "role "+ent.RoleID,
		`Azure role "`+roleNames[ent.RoleID]+`" (`+ent.RoleID+`)`)
	if n := azARMWrites(s) - writes; n != 0 {
		t.Errorf("refused revokes sent %d writes, want none", n)
	}

	// A deleted principal's own assignment is revoked like any other.
	var ghost *world.ARMRoleAssignment
	var ghostKey string
	s.ReadWorld(func(w *world.World) {
		for _, a := range w.ARMAssignments {
			sc := azureScopes(w, expectOpts{})[world.NormalizeScope(a.Scope)]
			if a.Ghost && !a.Eligible && sc != nil {
				c := *a
				ghost, ghostKey = &c, key(rbacEnt(sc, a.RoleDefinition, "active"), "deleted_principal", lower(a.PrincipalID))
				break
			}
		}
	})
	if ghost == nil || synced[ghostKey] == nil {
		t.Fatalf("no synced active assignment to a deleted principal (%v)", ghost)
	}
	g := hydrated(synced[ghostKey])
	ent, _ = connector.ParseRBACEntitlementID(g.GetEntitlement().GetId())
	if annos, err := pv[ent.ResourceType].Revoke(t.Context(), g); err != nil || azHas(annos, &v2.GrantAlreadyRevoked{}) || azARMWrites(s)-writes != 1 {
		t.Fatalf("revoke of a deleted principal's assignment: %v %v, %d writes", annos, err, azARMWrites(s)-writes)
	}
	s.ReadWorld(func(w *world.World) {
		for _, a := range w.ARMAssignments {
			if a.Name == ghost.Name {
				t.Errorf("the deleted principal's assignment %s is still there", a.Name)
			}
		}
	})
}

// TestProvisionAzureRBAC_ReaderApp_IsPermissionDeniedNamingTheRole: the read-only app can look but not
// write; ARM refuses the write and the error names the role the app needs, and the world is unchanged.
func TestProvisionAzureRBAC_ReaderApp_IsPermissionDeniedNamingTheRole(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 65}, azsim.ReaderAppName)
	var sub, user string
	var existing *world.ARMRoleAssignment
	var total int
	s.ReadWorld(func(w *world.World) {
		sub = lower(w.Subscriptions[0].ID)
		for _, u := range w.Users {
			held := false
			for _, a := range w.ARMAssignments {
				held = held || strings.EqualFold(a.PrincipalID, u.ID)
			}
			if !held {
				user = lower(u.ID)
				break
			}
		}
		for _, a := range w.ARMAssignments {
			if existing == nil && !a.Eligible && a.PrincipalType == "User" && world.NormalizeScope(a.Scope) == world.NormalizeScope(w.Subscriptions[0].Scope()) {
				c := *a
				existing = &c
			}
		}
		total = len(w.ARMAssignments)
	})
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pv := azProvisioners(t, b)["subscription"]
	_, _, err = pv.Grant(t.Context(), stub("user", user), azRBACEntitlement("subscription", sub, world.RoleReader, "active"))
	azWantRefusal(t, "active grant", err, codes.PermissionDenied, "User Access Administrator", "Role Based Access Control Administrator", "roleAssignments/write")
	_, _, err = pv.Grant(t.Context(), stub("user", user), azRBACEntitlement("subscription", sub, world.RoleReader, "eligible"))
	azWantRefusal(t, "eligible grant", err, codes.PermissionDenied, "roleEligibilityScheduleRequests/write", "User Access Administrator")
	_, err = pv.Revoke(t.Context(), azRBACGrant(azRBACEntitlement("subscription", sub, lower(existing.RoleDefinition), "active"), "user", lower(existing.PrincipalID)))
	azWantRefusal(t, "revoke", err, codes.PermissionDenied, "User Access Administrator", "roleAssignments/write and /delete")
	s.ReadWorld(func(w *world.World) {
		if len(w.ARMAssignments) != total {
			t.Errorf("the world has %d assignments, had %d", len(w.ARMAssignments), total)
		}
	})
}

// TestProvisionAzureRBAC_ThrottledWrite_IsUnavailableWithRetryInfo: a write ARM keeps throttling fails
// with Unavailable and a RateLimitDescription, so baton's retryer waits and tries again.
func TestProvisionAzureRBAC_ThrottledWrite_IsUnavailableWithRetryInfo(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 66}, azProvisionerApp)
	if err := s.SetFaults("none", azsim.FaultRule{Route: "PUT *", Kind: azsim.FaultThrottle, RetryAfter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	var sub, user string
	s.ReadWorld(func(w *world.World) { sub, user = lower(w.Subscriptions[0].ID), lower(w.Users[len(w.Users)-1].ID) })
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = azProvisioners(t, b)["subscription"].Grant(t.Context(), stub("user", user),
		azRBACEntitlement("subscription", sub, "f1a07417-d97a-45cb-824c-7a7467783830", "active"))
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("throttled grant: %v (%v), want Unavailable", status.Code(err), err)
	}
	found := false
	for _, d := range status.Convert(err).Details() {
		if rl, ok := d.(*v2.RateLimitDescription); ok && rl.GetResetAt() != nil {
			found = true
		}
	}
	if !found {
		t.Errorf("no RateLimitDescription in %v", status.Convert(err).Details())
	}
}

// TestProvisionAzureRBAC_RootScopeAssignment_IsTheTenantRootGroupsGrant: an assignment at "/" (elevated
// access) is synced as a grant of the tenant root group's entitlement; granting that entitlement again is
// GrantAlreadyExists without a write, and revoking the synced grant deletes exactly the assignment at "/".
func TestProvisionAzureRBAC_RootScopeAssignment_IsTheTenantRootGroupsGrant(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 67}, azProvisionerApp)
	creds, err := s.App(azProvisionerApp)
	if err != nil {
		t.Fatal(err)
	}
	const name = "0b5e1c2d-0000-4000-8000-0000000000aa"
	var root, user string
	s.UpdateWorld(func(w *world.World) {
		for _, m := range w.ManagementGroups {
			if m.Parent == "" {
				root = lower(m.Name)
			}
		}
		user = lower(w.Users[len(w.Users)-1].ID)
		sp := w.ServicePrincipalByAppID(creds.ClientID)
		w.AddARMAssignment(&world.ARMRoleAssignment{Name: "0b5e1c2d-0000-4000-8000-0000000000ab", Scope: "/", RoleDefinition: world.RoleUserAccessAdministrator,
			PrincipalID: sp.ID, PrincipalType: "ServicePrincipal"})
		w.AddARMAssignment(&world.ARMRoleAssignment{Name: name, Scope: "/", RoleDefinition: world.RoleManagedIdentityOperator,
			PrincipalID: user, PrincipalType: "User"})
	})
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := synctest.Serve(t, b)
	ent := azRBACEntitlement("management_group", root, world.RoleManagedIdentityOperator, "active")
	g := grantsByKey(azSyncRead(t, client))[key(ent.GetId(), "user", user)]
	if g == nil || grantMetadata(g)["scope"] != "/" {
		t.Fatalf("the assignment at / is not synced as the root group's grant: %v", g)
	}
	pv := azProvisioners(t, b)["management_group"]
	writes := azARMWrites(s)
	grants, annos, err := pv.Grant(t.Context(), stub("user", user), ent)
	if err != nil || !azHas(annos, &v2.GrantAlreadyExists{}) || len(grants) != 1 || grants[0].GetId() != g.GetId() || azARMWrites(s) != writes {
		t.Fatalf("grant of the root group's entitlement held at /: %v %v %v, %d writes", grants, annos, err, azARMWrites(s)-writes)
	}
	if annos, err := pv.Revoke(t.Context(), g); err != nil || azHas(annos, &v2.GrantAlreadyRevoked{}) {
		t.Fatalf("revoke: %v %v", annos, err)
	}
	s.ReadWorld(func(w *world.World) {
		for _, a := range w.ARMAssignments {
			if a.Name == name {
				t.Errorf("the assignment at / is still there")
			}
		}
	})
	if g := grantsByKey(azSyncRead(t, client))[key(ent.GetId(), "user", user)]; g != nil {
		t.Errorf("the sync after the revoke still has %s", g.GetId())
	}
}

// TestProvisionAzureRBAC_RBACAdministrator_GrantsActiveButNotEligible: Role Based Access Control
// Administrator may write role assignments but not PIM requests; the eligible grant's error says so.
func TestProvisionAzureRBAC_RBACAdministrator_GrantsActiveButNotEligible(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 68}, azsim.ReaderAppName)
	var root, sub, user string
	var rbacAdmin *world.ARMRoleDefinition
	s.ReadWorld(func(w *world.World) {
		for _, m := range w.ManagementGroups {
			if m.Parent == "" {
				root = m.Scope()
			}
		}
		sub, user, rbacAdmin = lower(w.Subscriptions[0].ID), lower(w.Users[len(w.Users)-1].ID), w.ARMRole(world.RoleRBACAdministrator)
	})
	setReaderAzureRole(t, s, root, rbacAdmin)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pv := azProvisioners(t, b)["subscription"]
	role := world.RoleManagedIdentityOperator
	grants, _, err := pv.Grant(t.Context(), stub("user", user), azRBACEntitlement("subscription", sub, role, "active"))
	if err != nil || len(grants) != 1 {
		t.Fatalf("active grant as RBAC Administrator: %v %v", grants, err)
	}
	_, _, err = pv.Grant(t.Context(), stub("user", user), azRBACEntitlement("subscription", sub, role, "eligible"))
	azWantRefusal(t, "eligible grant", err, codes.PermissionDenied, "roleEligibilityScheduleRequests/write",
		"User Access Administrator (Role Based Access Control Administrator does not include PIM requests)")
}
