package connector_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// setReaderAzureRole replaces the reader app's Azure role assignments with one assignment of role at scope
// (a custom role is added to the world first).
func setReaderAzureRole(t *testing.T, s *azsim.Server, scope string, role *world.ARMRoleDefinition) {
	t.Helper()
	creds, err := s.App(azsim.ReaderAppName)
	if err != nil {
		t.Fatal(err)
	}
	s.UpdateWorld(func(w *world.World) {
		sp := w.ServicePrincipalByAppID(creds.ClientID)
		var mine []*world.ARMRoleAssignment
		for _, a := range w.ARMAssignments {
			if a.PrincipalID == sp.ID {
				mine = append(mine, a)
			}
		}
		for _, a := range mine {
			w.RemoveARMAssignment(a.Scope, a.Name, a.Eligible)
		}
		if w.ARMRole(role.Name) == nil {
			w.ARMRoles = append(w.ARMRoles, role)
			w.Reindex()
		}
		w.AddARMAssignment(&world.ARMRoleAssignment{Name: "0b5e1c2d-0000-4000-8000-000000000001", Scope: scope,
			RoleDefinition: role.Name, PrincipalID: sp.ID, PrincipalType: "ServicePrincipal"})
	})
}

// subscriptionLister may list subscriptions and management groups and nothing else.
var subscriptionLister = &world.ARMRoleDefinition{Name: "5c3e0b9a-0000-4000-8000-00000000abcd", RoleName: "Subscription Lister",
	Type: "CustomRole", AssignableScopes: []string{"/"}, Permissions: []world.Permission{{Actions: []string{
		"Microsoft.Resources/subscriptions/read", "Microsoft.Management/managementGroups/read"}}}}

func attrs() rs.SyncOpAttrs { return rs.SyncOpAttrs{SyncID: "s1"} }

// TestAzure_ScopesTheAppCannotRead_FailNamingTheMissingRole gives the app a role that lists subscriptions
// and management groups but reads nothing in them: every read inside is an error naming the role to
// assign and where (never an empty page), and the sync fails.
func TestAzure_ScopesTheAppCannotRead_FailNamingTheMissingRole(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 21}, azsim.ReaderAppName)
	var root, sub, account string
	s.ReadWorld(func(w *world.World) {
		root, sub, account = w.ManagementGroups[0].Name, w.Subscriptions[0].ID, lower(w.StorageAccounts[0].Scope())
	})
	setReaderAzureRole(t, s, "/providers/Microsoft.Management/managementGroups/"+root, subscriptionLister)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sy := syncers(t, b)
	subs, _, err := sy["subscription"].List(t.Context(), nil, attrs())
	if err != nil || len(subs) == 0 {
		t.Fatalf("listing subscriptions (allowed): %d, %v", len(subs), err)
	}
	subID := v2.ResourceId_builder{ResourceType: "subscription", Resource: sub}.Build()
	rootID := v2.ResourceId_builder{ResourceType: "management_group", Resource: lower(root)}.Build()
	needsReader := "the app needs Reader at /subscriptions/" + lower(sub)
	check := func(what string, n int, err error, want string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: nil error with %d items", what, n)
			return
		}
		if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v (%v), want PermissionDenied naming %q", what, status.Code(err), err, want)
		}
	}
	for _, typ := range []string{"resource_group", "storage_account", "role", "deleted_principal"} {
		r, _, err := sy[typ].List(t.Context(), subID, attrs())
		check("List "+typ+" of a subscription", len(r), err, needsReader)
	}
	cts, _, err := sy["container"].List(t.Context(), v2.ResourceId_builder{ResourceType: "storage_account", Resource: account}.Build(), attrs())
	check("List containers", len(cts), err, "the app needs Reader at "+account)
	dp, _, err := sy["deleted_principal"].List(t.Context(), rootID, attrs())
	check("List deleted principals of the root group", len(dp), err, "Management Group Reader")
	es, _, err := sy["subscription"].Entitlements(t.Context(), stub("subscription", sub), attrs())
	check("Entitlements of a subscription", len(es), err, needsReader)
	cursor := fmt.Sprintf(`{"s":%q,"p":"a"}`, sub)
	gs, _, err := sy["subscription"].(connectorbuilder.TypeScopedGrantsSyncer).GrantsForResourceType(t.Context(), "subscription",
		rs.SyncOpAttrs{SyncID: "s1", PageToken: pagination.Token{Token: cursor}})
	check("Grants of a subscription", len(gs), err, needsReader)

	_, err = synctest.Sync(t, synctest.Serve(t, b))
	if err == nil || !strings.Contains(err.Error(), "the app needs") {
		t.Fatalf("sync: %v, want a failure naming the missing role", err)
	}
}

// TestAzure_WithoutManagementGroupAccess_FailsNamingManagementGroupReader gives the app Reader on one
// subscription only: the management groups above it (whose assignments apply to it) cannot be read.
func TestAzure_WithoutManagementGroupAccess_FailsNamingManagementGroupReader(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 22}, azsim.ReaderAppName)
	var subScope string
	var reader *world.ARMRoleDefinition
	s.ReadWorld(func(w *world.World) { subScope, reader = w.Subscriptions[0].Scope(), w.ARMRole(world.RoleReader) })
	setReaderAzureRole(t, s, subScope, reader)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sy := syncers(t, b)
	for _, typ := range []string{"management_group", "subscription"} {
		r, _, err := sy[typ].List(t.Context(), nil, attrs())
		if status.Code(err) != codes.PermissionDenied || !strings.Contains(fmt.Sprint(err), "Management Group Reader") {
			t.Errorf("List %s: %d items, %v; want PermissionDenied naming Management Group Reader", typ, len(r), err)
		}
	}
}

func TestAzure_TenantWithoutP2_WithoutSkipFlag_FailsNamingTheFlag(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 23, NoP2: true}, azsim.ReaderAppName)
	var sub string
	s.ReadWorld(func(w *world.World) { sub = w.Subscriptions[0].ID })
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = syncers(t, b)["deleted_principal"].List(t.Context(), v2.ResourceId_builder{ResourceType: "subscription", Resource: sub}.Build(), attrs())
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(fmt.Sprint(err), "skip-entra-id-p2-license-features") ||
		!strings.Contains(fmt.Sprint(err), "Azure role assignments") {
		t.Fatalf("eligible Azure assignments of a P2-less tenant: %v, want FailedPrecondition naming the flag", err)
	}
}

func TestValidate_ReadsARM_AndFailsClearlyWhenItIsUnreachable(t *testing.T) {
	t.Parallel()
	_, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 24}, azsim.ReaderAppName)
	cfg.ArmEndpoint = "https://127.0.0.1:1"
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Validate(t.Context())
	if err == nil || status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "Azure Resource Manager at https://127.0.0.1:1") {
		t.Fatalf("Validate with an unreachable ARM endpoint: %v", err)
	}
}

// TestAzure_NextLinkToAnotherHost_FailsTheSync_TheTokenIsNeverSent makes ARM answer with next links to
// another host: the sync must fail (PermissionDenied), not follow them and not end with partial data.
func TestAzure_NextLinkToAnotherHost_FailsTheSync_TheTokenIsNeverSent(t *testing.T) {
	t.Parallel()
	_, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 25, ARMPageSize: 1,
		FaultRules: []azsim.FaultRule{{Route: "GET {scope}/providers/Microsoft.Authorization/roleAssignments", Kind: azsim.FaultForeignNextLink}}},
		azsim.ReaderAppName)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = synctest.Sync(t, synctest.Serve(t, b))
	if err == nil || !strings.Contains(err.Error(), "refusing to follow") {
		t.Fatalf("sync with foreign ARM next links: %v", err)
	}
}

// TestAzure_ThrottledARM_IsRetriedAndTheSyncStaysComplete throttles every third ARM request, four times
// (429 with an integer Retry-After, as ARM's token bucket answers): the sync waits, retries and still
// equals the truth.
func TestAzure_ThrottledARM_IsRetriedAndTheSyncStaysComplete(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 26,
		FaultRules: []azsim.FaultRule{{Route: "arm", Kind: azsim.FaultThrottle, Every: 3, Count: 4, RetryAfter: time.Second}}},
		azsim.ReaderAppName)
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
	if st := s.Stats(); st.Faults["throttle"] == 0 {
		t.Fatalf("no request was throttled: %+v", st.Faults)
	}
}
