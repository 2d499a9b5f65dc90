package connector_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

const entraProvisionerApp = "baton-azure-provisioner"

// entraFixture is azsim (tiny) with the connector served over gRPC as baton's CLI sees it, and the c1z of a
// first sync.
type entraFixture struct {
	s     *azsim.Server
	cl    types.ConnectorClient
	first *synctest.File
}

func newEntraFixture(t *testing.T, seed uint64, app string, prepare func(w *world.World), tweak func(cfg *config.Azure)) *entraFixture {
	t.Helper()
	fx, _ := serveEntra(t, seed, app, prepare, tweak)
	fx.first = fx.sync(t)
	return fx
}

// serveEntra is newEntraFixture without the first sync; it also returns the connector builder.
func serveEntra(t *testing.T, seed uint64, app string, prepare func(w *world.World), tweak func(cfg *config.Azure)) (*entraFixture, connectorbuilder.ConnectorBuilderV2) {
	t.Helper()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: seed}, app)
	if tweak != nil {
		tweak(cfg)
	}
	if prepare != nil {
		s.UpdateWorld(prepare)
	}
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &entraFixture{s: s, cl: synctest.Serve(t, b)}, b
}

func (fx *entraFixture) sync(t *testing.T) *synctest.File {
	t.Helper()
	path, err := synctest.Sync(t, fx.cl)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return synctest.Read(t, path)
}

// fileEntitlement and fileResource find an entitlement and a resource in a synced c1z (failing the test without).
func fileEntitlement(t *testing.T, f *synctest.File, id string) *v2.Entitlement {
	t.Helper()
	for _, e := range f.Entitlements {
		if e.GetId() == id {
			return e
		}
	}
	t.Fatalf("the sync has no entitlement %s", id)
	return nil
}

func fileResource(t *testing.T, f *synctest.File, typ, id string) *v2.Resource {
	t.Helper()
	for _, r := range f.Resources {
		if r.GetId().GetResourceType() == typ && r.GetId().GetResource() == id {
			return r
		}
	}
	t.Fatalf("the sync has no resource %s:%s", typ, id)
	return nil
}

func entraGrant(f *synctest.File, id string) *v2.Grant {
	for _, g := range f.Grants {
		if g.GetId() == id {
			return g
		}
	}
	return nil
}

// entraWrites counts the requests that could change the tenant: Graph and ARM POST, PUT, PATCH and DELETE,
// except getByIds (a read sent as POST).
func entraWrites(st azsim.Stats) int64 {
	var n int64
	for _, r := range st.Routes {
		if r.Service == "login" || strings.Contains(r.Route, "getByIds") {
			continue
		}
		switch r.Method {
		case "POST", "PUT", "PATCH", "DELETE":
			n += r.Requests
		}
	}
	return n
}

func (fx *entraFixture) grant(ctx context.Context, ent *v2.Entitlement, principal *v2.Resource) (*v2.GrantManagerServiceGrantResponse, error) {
	return fx.cl.Grant(ctx, v2.GrantManagerServiceGrantRequest_builder{Entitlement: ent, Principal: principal}.Build())
}

func (fx *entraFixture) revoke(ctx context.Context, g *v2.Grant) (*v2.GrantManagerServiceRevokeResponse, error) {
	return fx.cl.Revoke(ctx, v2.GrantManagerServiceRevokeRequest_builder{Grant: g}.Build())
}

func entraAnnotated(annos annotations.Annotations, kind string) bool {
	switch kind {
	case "exists":
		return annos.Contains(&v2.GrantAlreadyExists{})
	case "revoked":
		return annos.Contains(&v2.GrantAlreadyRevoked{})
	}
	return false
}

// roundTrip is one entitlement and principal to provision. jit: the grant is time-bound and carries its
// end, which the next sync reports too.
type roundTrip struct {
	name, ent, typ, principal string
	jit                       bool
}

func (rt roundTrip) grantID() string { return rt.ent + ":" + rt.typ + ":" + rt.principal }

// roundTrips runs the whole provisioning round trip for each case, one stage for all cases at a time so a
// stage needs one sync: grant, grant again (GrantAlreadyExists); sync shows the grant with the same id,
// principal and window; revoke the synced grant, revoke again (GrantAlreadyRevoked); sync shows it gone.
func (fx *entraFixture) roundTrips(t *testing.T, cases []roundTrip) {
	t.Helper()
	ctx := t.Context()
	returned := map[string]*v2.Grant{}
	t.Run("grant", func(t *testing.T) {
		for _, c := range cases {
			ent := fileEntitlement(t, fx.first, c.ent)
			principal := fileResource(t, fx.first, c.typ, c.principal)
			if entraGrant(fx.first, c.grantID()) != nil {
				t.Fatalf("%s: test setup: %s is already granted before the test", c.name, c.grantID())
			}
			resp, err := fx.grant(ctx, ent, principal)
			if err != nil {
				t.Errorf("%s: grant: %v", c.name, err)
				continue
			}
			if entraAnnotated(resp.GetAnnotations(), "exists") {
				t.Errorf("%s: first grant answered GrantAlreadyExists", c.name)
			}
			if len(resp.GetGrants()) != 1 || resp.GetGrants()[0].GetId() != c.grantID() {
				t.Errorf("%s: grant returned %v, want exactly grant %s", c.name, resp.GetGrants(), c.grantID())
				continue
			}
			returned[c.name] = resp.GetGrants()[0]
			if c.jit {
				end, _ := grantMetadata(returned[c.name])["end"].(string)
				at, perr := time.Parse(time.RFC3339, end)
				if perr != nil || at.Before(time.Now().Add(7*time.Hour)) || at.After(time.Now().Add(9*time.Hour)) {
					t.Errorf("%s: returned grant end %q, want now + pim-default-duration (8h)", c.name, end)
				}
			}
			again, err := fx.grant(ctx, ent, principal)
			if err != nil {
				t.Errorf("%s: grant again: %v", c.name, err)
				continue
			}
			if !entraAnnotated(again.GetAnnotations(), "exists") {
				t.Errorf("%s: second grant: annotations %v, want GrantAlreadyExists", c.name, again.GetAnnotations())
			}
			if len(again.GetGrants()) != 1 || again.GetGrants()[0].GetId() != c.grantID() {
				t.Errorf("%s: second grant returned %v, want grant %s", c.name, again.GetGrants(), c.grantID())
			}
		}
	})
	synced := map[string]*v2.Grant{}
	t.Run("sync shows the grants", func(t *testing.T) {
		f := fx.sync(t)
		for _, c := range cases {
			g := entraGrant(f, c.grantID())
			if g == nil {
				t.Errorf("%s: the sync after the grant has no grant %s", c.name, c.grantID())
				continue
			}
			synced[c.name] = g
			if p := g.GetPrincipal().GetId(); p.GetResourceType() != c.typ || p.GetResource() != c.principal {
				t.Errorf("%s: synced grant principal %v, want %s:%s", c.name, p, c.typ, c.principal)
			}
			if r := returned[c.name]; c.jit && r != nil && grantMetadata(g)["end"] != grantMetadata(r)["end"] {
				t.Errorf("%s: synced grant ends %v, returned grant ends %v", c.name, grantMetadata(g)["end"], grantMetadata(r)["end"])
			}
		}
	})
	t.Run("revoke", func(t *testing.T) {
		for _, c := range cases {
			g := synced[c.name]
			if g == nil {
				continue
			}
			rv, err := fx.revoke(ctx, g)
			if err != nil {
				t.Errorf("%s: revoke: %v", c.name, err)
				continue
			}
			if entraAnnotated(rv.GetAnnotations(), "revoked") {
				t.Errorf("%s: first revoke answered GrantAlreadyRevoked", c.name)
			}
			rv, err = fx.revoke(ctx, g)
			if err != nil {
				t.Errorf("%s: revoke again: %v", c.name, err)
				continue
			}
			if !entraAnnotated(rv.GetAnnotations(), "revoked") {
				t.Errorf("%s: second revoke: annotations %v, want GrantAlreadyRevoked", c.name, rv.GetAnnotations())
			}
		}
	})
	t.Run("sync shows them gone", func(t *testing.T) {
		f := fx.sync(t)
		for _, c := range cases {
			if entraGrant(f, c.grantID()) != nil {
				t.Errorf("%s: the sync after the revoke still has grant %s", c.name, c.grantID())
			}
		}
	})
}

// Fixed ids of the administrative-unit-scoped assignments the tests add, so the unit has scoped role
// entitlements to grant (the sync models one per role assigned at the unit).
const (
	seededAUActiveID   = "f0000000-0000-4000-8000-00000000a001"
	seededAUEligibleID = "f0000000-0000-4000-8000-00000000e001"
)

// entraWorld is what the round-trip tests provision, picked from the tiny world.
type entraWorld struct {
	group        string // a cloud security group with assigned membership
	roleGroup    string // a role-assignable group
	spApp        string // an enterprise application with an app role users may hold
	appRole      string
	role         string // a directory role nobody holds
	au, auRole   string // an administrative unit and the role the tests seeded at its scope
	sku          string
	enterprise   string // an enterprise application used as a principal
	identity     string // a managed identity used as a principal
	users        []string
	licenseUsers []string // users with a usage location and no license of sku at all
}

// entraSeedAURoles assigns a role at an administrative unit's scope, active and eligible, to the first user, so
// the unit has the two scoped entitlements; it returns the unit and role.
func entraSeedAURoles(w *world.World) {
	au := w.AdministrativeUnits[0]
	role := entraUnusedRole(w, 1)
	now := time.Now().UTC().Truncate(time.Second)
	end := now.Add(30 * 24 * time.Hour)
	holder := world.Ref{Kind: world.KindUser, ID: w.Users[0].ID}
	w.AddDirectoryAssignment(&world.DirectoryRoleAssignment{ID: seededAUActiveID, RoleDefinitionID: role, Principal: holder,
		DirectoryScopeID: "/administrativeUnits/" + au.ID, Start: &now, ScheduleID: seededAUActiveID})
	w.AddDirectoryAssignment(&world.DirectoryRoleAssignment{ID: seededAUEligibleID, RoleDefinitionID: role, Principal: holder,
		DirectoryScopeID: "/administrativeUnits/" + au.ID, Eligible: true, Start: &now, End: &end, ScheduleID: seededAUEligibleID})
}

// unusedRole returns the n-th enabled directory role without any assignment (0-based).
func entraUnusedRole(w *world.World, n int) string {
	used := map[string]bool{}
	for _, a := range w.DirectoryAssignments {
		used[a.RoleDefinitionID] = true
	}
	for _, r := range w.DirectoryRoles {
		if r.IsEnabled && !used[r.ID] {
			if n == 0 {
				return r.ID
			}
			n--
		}
	}
	return ""
}

func entraSynced(b *bool) bool { return b != nil && *b }

func pickEntraWorld(t *testing.T, s *azsim.Server) entraWorld {
	t.Helper()
	var pw entraWorld
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			plain := g.SecurityEnabled && !g.MailEnabled && !g.IsDynamic() && !g.IsUnified() && !entraSynced(g.OnPremisesSyncEnabled)
			if plain && !g.IsAssignableToRole && pw.group == "" {
				pw.group = g.ID
			}
			if g.IsAssignableToRole && pw.roleGroup == "" {
				pw.roleGroup = g.ID
			}
		}
		for _, sp := range w.ServicePrincipals {
			if sp.ServicePrincipalType == "ManagedIdentity" && pw.identity == "" {
				pw.identity = sp.ID
			}
			if sp.ServicePrincipalType != "Application" {
				continue
			}
			if pw.enterprise == "" {
				pw.enterprise = sp.ID
			}
			for _, r := range sp.AppRoles {
				if r.IsEnabled && slices.Contains(r.AllowedMemberTypes, "User") && pw.spApp == "" {
					pw.spApp, pw.appRole = sp.ID, r.ID
				}
			}
		}
		pw.role = entraUnusedRole(w, 0)
		pw.au = w.AdministrativeUnits[0].ID
		for _, a := range w.DirectoryAssignments {
			if a.ID == seededAUActiveID {
				pw.auRole = a.RoleDefinitionID
			}
		}
		pw.sku = w.SKUs[0].SkuID
		for _, u := range w.Users[1:] { // Users[0] holds the seeded roles
			if u.UserType != "Member" || !u.AccountEnabled || entraSynced(u.OnPremisesSyncEnabled) {
				continue
			}
			pw.users = append(pw.users, u.ID)
			licensed := false
			for _, st := range w.UserLicenses(u) {
				licensed = licensed || st.SkuID == pw.sku
			}
			if u.UsageLocation != "" && !licensed {
				pw.licenseUsers = append(pw.licenseUsers, u.ID)
			}
		}
	})
	if pw.group == "" || pw.roleGroup == "" || pw.spApp == "" || pw.role == "" || pw.enterprise == "" || pw.identity == "" ||
		len(pw.users) < 10 || len(pw.licenseUsers) == 0 {
		t.Fatalf("the tiny world lacks what the provisioning tests need: %+v", pw)
	}
	return pw
}

// ungranted returns the first candidate principal not yet granted entID in the first sync and not used by
// another case.
func entraUngranted(t *testing.T, fx *entraFixture, used map[string]bool, entID, typ string, candidates []string) string {
	t.Helper()
	for _, id := range candidates {
		if !used[id] && entraGrant(fx.first, entID+":"+typ+":"+id) == nil {
			used[id] = true
			return id
		}
	}
	t.Fatalf("no %s without a grant of %s", typ, entID)
	return ""
}

// TestProvision_EveryEntraEntitlementKind_GrantRevokeRoundTrip grants, re-grants, syncs, revokes (the
// synced grant), re-revokes and syncs every kind of Entra ID entitlement baton-azure provisions.
func TestProvision_EveryEntraEntitlementKind_GrantRevokeRoundTrip(t *testing.T) {
	t.Parallel()
	fx := newEntraFixture(t, 61, entraProvisionerApp, entraSeedAURoles, nil)
	pw := pickEntraWorld(t, fx.s)
	used := map[string]bool{}
	user := func(ent string) string { return entraUngranted(t, fx, used, ent, "user", pw.users) }
	cases := []roundTrip{
		{name: "group member (user)", ent: "group:" + pw.group + ":member"},
		{name: "group member (enterprise application)", ent: "group:" + pw.group + ":member", typ: "enterprise_application", principal: pw.enterprise},
		{name: "group owner", ent: "group:" + pw.group + ":owner"},
		{name: "group owner (managed identity)", ent: "group:" + pw.group + ":owner", typ: "managed_identity", principal: pw.identity},
		{name: "PIM for Groups eligible member", ent: "group:" + pw.group + ":eligible-member", jit: true},
		{name: "PIM for Groups eligible owner", ent: "group:" + pw.group + ":eligible-owner", jit: true},
		{name: "directory role active (PIM, time-bound)", ent: "directory_role:" + pw.role + ":assigned", jit: true},
		{name: "directory role eligible", ent: "directory_role:" + pw.role + ":eligible", jit: true},
		{name: "directory role eligible (role-assignable group)", ent: "directory_role:" + pw.role + ":eligible", typ: "group", principal: pw.roleGroup, jit: true},
		{name: "directory role active at an administrative unit", ent: "administrative_unit:" + pw.au + ":assigned-role-" + pw.auRole, jit: true},
		{name: "directory role eligible at an administrative unit", ent: "administrative_unit:" + pw.au + ":eligible-role-" + pw.auRole, jit: true},
		{name: "app role", ent: "enterprise_application:" + pw.spApp + ":app-role-" + pw.appRole},
		{name: "app default access", ent: "enterprise_application:" + pw.spApp + ":default-access"},
		{name: "direct license", ent: "license:" + pw.sku + ":assigned", principal: entraUngranted(t, fx, used, "license:"+pw.sku+":assigned", "user", pw.licenseUsers)},
	}
	for i := range cases {
		if cases[i].typ == "" {
			cases[i].typ = "user"
		}
		if cases[i].principal == "" {
			cases[i].principal = user(cases[i].ent)
		}
	}
	fx.roundTrips(t, cases)
}

// Without P2 features, an active directory role is a permanent roleAssignments entry (no PIM request).
func TestProvision_DirectoryRoleActive_WithoutP2_IsAPermanentRoleAssignment(t *testing.T) {
	t.Parallel()
	fx := newEntraFixture(t, 62, entraProvisionerApp, nil, func(cfg *config.Azure) { cfg.SkipEntraIdP2LicenseFeatures = true })
	pw := pickEntraWorld(t, fx.s)
	ent := "directory_role:" + pw.role + ":assigned"
	before := fx.s.Stats()
	fx.roundTrips(t, []roundTrip{{name: "permanent active role", ent: ent, typ: "user", principal: entraUngranted(t, fx, map[string]bool{}, ent, "user", pw.users)}})
	after := fx.s.Stats()
	post := after.Route("POST", "/v1.0/roleManagement/directory/roleAssignments").Requests - before.Route("POST", "/v1.0/roleManagement/directory/roleAssignments").Requests
	del := after.Route("DELETE", "/v1.0/roleManagement/directory/roleAssignments/{id}").Requests - before.Route("DELETE", "/v1.0/roleManagement/directory/roleAssignments/{id}").Requests
	sched := after.Route("POST", "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests").Requests
	if post != 1 || del != 1 || sched != 0 {
		t.Fatalf("POST roleAssignments %d, DELETE %d, schedule requests %d; want 1, 1, 0", post, del, sched)
	}
}

func entStub(id string) *v2.Entitlement {
	typ, rest, _ := strings.Cut(id, ":")
	rid, _, _ := strings.Cut(rest, ":")
	return v2.Entitlement_builder{Id: id, Resource: stub(typ, rid)}.Build()
}

// Refusals and malformed ids fail with the right code and an explanation, before any write: azsim records
// no POST, PUT, PATCH or DELETE.
func TestProvision_RefusalsAndMalformedIDs_FailBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	fx := newEntraFixture(t, 63, entraProvisionerApp, nil, nil)
	pw := pickEntraWorld(t, fx.s)
	var dynamic, synced, mailSec, distribution, m365 string
	fx.s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			mail := g.MailEnabled && !g.IsUnified()
			set := func(dst *string, ok bool) {
				if ok && *dst == "" {
					*dst = g.ID
				}
			}
			set(&dynamic, g.IsDynamic())
			set(&synced, entraSynced(g.OnPremisesSyncEnabled) && !mail)
			set(&m365, g.IsUnified() && !g.IsDynamic())
			set(&mailSec, mail && g.SecurityEnabled)
			set(&distribution, mail && !g.SecurityEnabled)
		}
	})
	if dynamic == "" || synced == "" || mailSec == "" || distribution == "" || m365 == "" {
		t.Fatalf("the tiny world lacks a kind of group: dynamic %q synced %q mail-enabled security %q distribution %q m365 %q",
			dynamic, synced, mailSec, distribution, m365)
	}
	u := pw.users[0]
	user := stub("user", u)
	grants := []struct {
		name      string
		ent       string
		principal *v2.Resource
		code      codes.Code
		want      string
	}{
		{"member of a dynamic group", "group:" + dynamic + ":member", user, codes.FailedPrecondition, "dynamic membership"},
		{"eligible member of a dynamic group", "group:" + dynamic + ":eligible-member", user, codes.FailedPrecondition, "dynamic membership"},
		{"member of an on-premises synced group", "group:" + synced + ":member", user, codes.FailedPrecondition, "synchronized from on-premises Active Directory"},
		{"member of a mail-enabled security group", "group:" + mailSec + ":member", user, codes.FailedPrecondition, "mail-enabled security group, which Exchange Online masters"},
		{"owner of a distribution group", "group:" + distribution + ":owner", user, codes.FailedPrecondition, "distribution group, which Exchange Online masters"},
		{"group nested into a role-assignable group", "group:" + pw.roleGroup + ":member", stub("group", pw.group), codes.FailedPrecondition, "nested into a role-assignable group"},
		{"group made eligible member of a role-assignable group", "group:" + pw.roleGroup + ":eligible-member", stub("group", pw.group), codes.FailedPrecondition, "nested into a role-assignable group"},
		{"group nested into a Microsoft 365 group", "group:" + m365 + ":member", stub("group", pw.group), codes.FailedPrecondition, "cannot have groups as members"},
		{"group as a group owner", "group:" + pw.group + ":owner", stub("group", pw.roleGroup), codes.FailedPrecondition, "cannot be granted to a group principal"},
		{"enterprise application as PIM for Groups eligible", "group:" + pw.group + ":eligible-member", stub("enterprise_application", pw.enterprise), codes.FailedPrecondition, "cannot be granted to a enterprise application"},
		{"directory role to a group that is not role-assignable", "directory_role:" + pw.role + ":assigned", stub("group", pw.group), codes.FailedPrecondition, "is not role-assignable"},
		{"license to a group", "license:" + pw.sku + ":assigned", stub("group", pw.group), codes.FailedPrecondition, "group-based licensing is managed on the group"},
		{"license to an enterprise application", "license:" + pw.sku + ":assigned", stub("enterprise_application", pw.enterprise), codes.FailedPrecondition, "cannot be granted to a enterprise application"},
		{"app role the application does not declare", "enterprise_application:" + pw.spApp + ":app-role-0badc0de-0000-4000-8000-000000000000", user, codes.NotFound, "declares no app role"},
		{"administrative unit membership", "administrative_unit:" + pw.au + ":member", user, codes.Unimplemented, "not provisioned by baton-azure"},
		{"malformed group id", "group:not-a-guid:member", user, codes.InvalidArgument, "expected group:<group object id>:member"},
		{"unknown group slug", "group:" + pw.group + ":admin", user, codes.InvalidArgument, "expected group:<group object id>"},
		{"unknown directory role state", "directory_role:" + pw.role + ":active", user, codes.InvalidArgument, "directory_role:<role definition id>:assigned or :eligible"},
		{"malformed scoped role", "administrative_unit:" + pw.au + ":assigned-role-nope", user, codes.InvalidArgument, "assigned-role-<role definition id>"},
		{"malformed app role", "enterprise_application:" + pw.spApp + ":app-role-nope", user, codes.InvalidArgument, "app-role-<app role id>"},
		{"unknown license slug", "license:" + pw.sku + ":consumed", user, codes.InvalidArgument, "license:<sku id>:assigned"},
		{"malformed principal id", "group:" + pw.group + ":member", stub("user", "not-a-guid"), codes.InvalidArgument, "malformed principal id"},
	}
	var derived, groupLicense *v2.Grant
	for _, g := range fx.first.Grants {
		annos := annotations.Annotations(g.GetAnnotations())
		if derived == nil && annos.Contains(&v2.GrantImmutable{}) && strings.HasPrefix(g.GetId(), "group:") {
			derived = g
		}
		if groupLicense == nil && strings.HasPrefix(g.GetId(), "license:") && g.GetPrincipal().GetId().GetResourceType() == "group" {
			groupLicense = g
		}
	}
	if derived == nil || groupLicense == nil {
		t.Fatalf("the first sync has no derived group grant (%v) or group-based license grant (%v)", derived, groupLicense)
	}
	malformed := v2.Grant_builder{Id: "group:" + pw.group + ":member:user", Entitlement: entStub("group:" + pw.group + ":member"),
		Principal: stub("user", u)}.Build()
	revokes := []struct {
		name  string
		grant *v2.Grant
		code  codes.Code
		want  string
	}{
		{"derived (nested-group) grant", derived, codes.FailedPrecondition, "is derived, not assigned directly"},
		{"group-based license", groupLicense, codes.FailedPrecondition, "group-based license"},
		{"grant id not of its entitlement and principal", malformed, codes.InvalidArgument, "malformed grant id"},
		{"member of a dynamic group", v2.Grant_builder{Id: "group:" + dynamic + ":member:user:" + u, Entitlement: entStub("group:" + dynamic + ":member"),
			Principal: user}.Build(), codes.FailedPrecondition, "dynamic membership"},
	}
	before := entraWrites(fx.s.Stats())
	for _, c := range grants {
		_, err := fx.grant(t.Context(), entStub(c.ent), c.principal)
		if status.Code(err) != c.code || !strings.Contains(err.Error(), c.want) {
			t.Errorf("grant %s: %v; want %v containing %q", c.name, err, c.code, c.want)
		}
	}
	for _, c := range revokes {
		_, err := fx.revoke(t.Context(), c.grant)
		if status.Code(err) != c.code || !strings.Contains(err.Error(), c.want) {
			t.Errorf("revoke %s: %v; want %v containing %q", c.name, err, c.code, c.want)
		}
	}
	if got := entraWrites(fx.s.Stats()); got != before {
		t.Fatalf("refused requests sent %d writes to azsim, want none", got-before)
	}
	if !strings.Contains(func() string { _, err := fx.revoke(t.Context(), derived); return err.Error() }(), "membership of group") {
		t.Fatalf("the derived grant's refusal does not name the group membership it comes from")
	}
}

// The read-only app can read but not write: a grant fails with PermissionDenied naming the permission the
// write needs, and azsim's ground truth is unchanged.
func TestProvision_ReaderApp_PermissionDeniedNamesTheMissingPermission(t *testing.T) {
	t.Parallel()
	fx, _ := serveEntra(t, 64, azsim.ReaderAppName, nil, nil)
	pw := pickEntraWorld(t, fx.s)
	cases := []struct{ ent, principal, want string }{
		{"group:" + pw.group + ":member", pw.users[0], "GroupMember.ReadWrite.All"},
		{"group:" + pw.group + ":eligible-owner", pw.users[1], "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"},
		{"directory_role:" + pw.role + ":eligible", pw.users[2], "RoleEligibilitySchedule.ReadWrite.Directory"},
		{"enterprise_application:" + pw.spApp + ":default-access", pw.users[3], "AppRoleAssignment.ReadWrite.All"},
		{"license:" + pw.sku + ":assigned", pw.licenseUsers[0], "LicenseAssignment.ReadWrite.All"},
	}
	truth := func() string {
		var b strings.Builder
		fx.s.ReadWorld(func(w *world.World) {
			if err := w.WriteTruth(&b); err != nil {
				t.Fatal(err)
			}
		})
		lines := strings.Split(b.String(), "\n")
		slices.Sort(lines) // facts as a set
		return strings.Join(lines, "\n")
	}
	before := truth()
	for _, c := range cases {
		_, err := fx.grant(t.Context(), entStub(c.ent), stub("user", c.principal))
		if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), c.want) {
			t.Errorf("grant %s by the reader app: %v; want PermissionDenied naming %s", c.ent, err, c.want)
		}
	}
	if truth() != before {
		t.Fatal("the tenant changed although every write was refused")
	}
}

// Throttling of a write is codes.Unavailable with a RateLimitDescription reset at Retry-After, so baton
// retries it; through baton's builder the grant then succeeds.
func TestProvision_ThrottledWrite_IsUnavailableWithRetryInfoAndBatonRetries(t *testing.T) {
	t.Parallel()
	fx, b := serveEntra(t, 65, entraProvisionerApp, nil, nil)
	pw := pickEntraWorld(t, fx.s)
	const route = "POST /v1.0/groups/{id}/members/$ref"
	throttleOnce := func() {
		if err := fx.s.SetFaults("none", azsim.FaultRule{Route: route, Kind: azsim.FaultThrottle, Count: 1, RetryAfter: 300 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	ent := entStub("group:" + pw.group + ":member")
	prov, ok := syncers(t, b)["group"].(connectorbuilder.ResourceProvisionerV2Limited)
	if !ok {
		t.Fatal("the group syncer is not a ResourceProvisionerV2")
	}
	throttleOnce()
	_, _, err := prov.Grant(t.Context(), stub("user", pw.users[0]), ent)
	st, _ := status.FromError(err)
	if st.Code() != codes.Unavailable {
		t.Fatalf("throttled grant: %v, want Unavailable", err)
	}
	var reset time.Time
	for _, d := range st.Details() {
		if rl, ok := d.(*v2.RateLimitDescription); ok {
			reset = rl.GetResetAt().AsTime()
		}
	}
	if reset.IsZero() || time.Until(reset) > 2*time.Second {
		t.Fatalf("throttled grant: rate limit reset %v, want about Retry-After (300ms) from now", reset)
	}

	throttleOnce()
	resp, err := fx.grant(t.Context(), ent, stub("user", pw.users[1]))
	if err != nil || len(resp.GetGrants()) != 1 {
		t.Fatalf("grant through baton's builder after one throttled write: %v %v; want the retried grant", resp, err)
	}
	if got := fx.s.Stats().Route("POST", "/v1.0/groups/{id}/members/$ref").Status["429"]; got != 2 {
		t.Fatalf("%d throttled member writes, want 2 (one per grant)", got)
	}
	fx.s.ReadWorld(func(w *world.World) {
		if !w.Group(pw.group).HasMember(pw.users[1]) {
			t.Fatalf("the retried grant did not add the member")
		}
	})
}

// A license for a user without a usage location: Graph refuses it, and the grant explains what to set.
func TestProvision_LicenseWithoutUsageLocation_SaysToSetIt(t *testing.T) {
	t.Parallel()
	fx, _ := serveEntra(t, 66, entraProvisionerApp, nil, nil)
	pw := pickEntraWorld(t, fx.s)
	u := pw.licenseUsers[0]
	fx.s.UpdateWorld(func(w *world.World) {
		if _, err := w.UpdateUser(u, func(x *world.User) { x.UsageLocation = "" }); err != nil {
			t.Fatal(err)
		}
	})
	_, err := fx.grant(t.Context(), entStub("license:"+pw.sku+":assigned"), stub("user", u))
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "set the user's usageLocation") {
		t.Fatalf("license for a user without usage location: %v", err)
	}
	fx.s.ReadWorld(func(w *world.World) {
		if slices.Contains(w.User(u).Licenses, pw.sku) {
			t.Fatal("the license was assigned")
		}
	})
}
