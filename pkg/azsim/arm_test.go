package azsim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/v2"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// armFixture is an in-process simulator with an ARM token of the reader app.
type armFixture struct {
	s   *azsim.Server
	tok string
}

func newARMFixture(t *testing.T, o azsim.Options) *armFixture {
	t.Helper()
	o.NoListener = true
	s := start(t, o)
	return &armFixture{s: s, tok: token(t, s, readerApp(t, s), "https://management.core.windows.net//.default")}
}

func (f *armFixture) get(t *testing.T, path string) (int, map[string]any) {
	t.Helper()
	status, m, _ := call(t, f.s, http.MethodGet, f.s.ARMURL()+path, f.tok, nil)
	return status, m
}

func TestVHost_UnmodifiedClientsWithDefaultCloud(t *testing.T) {
	t.Parallel()
	// Only the transport (a hosts-file-like dialer and the CA) differs from production configuration:
	// no Cloud, no DisableInstanceDiscovery, the public-cloud hostnames and scopes.
	s := start(t, azsim.Options{VHostAddr: "127.0.0.1:0"})
	app := readerApp(t, s)
	opts := azcore.ClientOptions{Transport: s.HTTPClient()}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), app.ClientID, app.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: opts})
	must(t, err)
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	must(t, err)
	status, m, _ := call(t, s, http.MethodGet, "https://graph.microsoft.com/v1.0/organization", tok.Token, nil)
	if status != http.StatusOK || items(m)[0]["id"] != s.TenantID() {
		t.Fatalf("GET https://graph.microsoft.com/v1.0/organization: %d %v", status, m)
	}
	subs, err := armsubscriptions.NewClient(cred, &arm.ClientOptions{ClientOptions: opts})
	must(t, err)
	var want int
	s.ReadWorld(func(w *world.World) { want = len(w.Subscriptions) })
	if n := countPages(t, subs.NewListPager(nil)); n != want {
		t.Fatalf("subscriptions via https://management.azure.com: %d, want %d", n, want)
	}
	// A token for the public cloud is refused by another cloud's hostnames.
	status, m, _ = call(t, s, http.MethodGet, "https://graph.microsoft.us/v1.0/organization", tok.Token, nil)
	if code, _ := errCode(m); status != 401 || code != "InvalidAuthenticationToken" {
		t.Fatalf("public-cloud token on graph.microsoft.us: %d %v", status, m)
	}
}

func TestARMPaging_SmallPages_ReturnEveryAssignmentOnce(t *testing.T) {
	t.Parallel()
	f := newARMFixture(t, azsim.Options{ARMPageSize: 3})
	var sub string
	want := map[string]bool{}
	f.s.ReadWorld(func(w *world.World) {
		sub = w.Subscriptions[0].ID
		for _, a := range w.ARMAssignments {
			if a.Eligible {
				continue
			}
			// at the subscription, below it, or above it (management groups, root)
			if strings.HasPrefix(strings.ToLower(a.Scope), "/subscriptions/"+sub) || !strings.HasPrefix(a.Scope, "/subscriptions/") &&
				isAncestorMG(w, a.Scope, w.Subscriptions[0].Parent) {
				want[a.Name] = true
			}
		}
	})
	got, pages := drain(t, f.s, f.s.ARMURL()+"/subscriptions/"+sub+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01", f.tok, nil)
	if pages < 2 {
		t.Fatalf("expected several pages of 3, got %d", pages)
	}
	seen := map[string]bool{}
	for _, a := range got {
		name := a["name"].(string)
		if seen[name] || !want[name] {
			t.Errorf("assignment %s: duplicate=%v expected=%v", name, seen[name], want[name])
		}
		seen[name] = true
	}
	if len(seen) != len(want) {
		t.Errorf("got %d assignments, want %d", len(seen), len(want))
	}
}

// isAncestorMG reports whether scope is the management group mg or one of its ancestors.
func isAncestorMG(w *world.World, scope, mg string) bool {
	for m := w.ManagementGroup(mg); m != nil; m = w.ManagementGroup(m.Parent) {
		if strings.EqualFold(m.Scope(), scope) {
			return true
		}
		if m.Parent == "" {
			break
		}
	}
	return false
}

func TestARMRoleAssignments_FilterSemantics(t *testing.T) {
	t.Parallel()
	s := start(t, azsim.Options{NoListener: true})
	cred := secretCredential(t, s)
	ra, err := armauthorization.NewRoleAssignmentsClient("", cred, &arm.ClientOptions{ClientOptions: clientOptions(s), DisableRPRegistration: true})
	must(t, err)
	var sub, principal string
	var ghosts, conditions int
	wantForPrincipal := 0
	s.ReadWorld(func(w *world.World) {
		sub = w.Subscriptions[0].ID
		for _, a := range w.ARMAssignments {
			if a.Ghost {
				ghosts++
			}
			if a.Condition != "" {
				conditions++
			}
			if !a.Eligible && a.PrincipalType == "User" && !a.Ghost && strings.HasPrefix(a.Scope, "/subscriptions/"+sub) && principal == "" {
				principal = a.PrincipalID
			}
		}
		for _, a := range w.ARMAssignments {
			if !a.Eligible && a.PrincipalID == principal && (strings.HasPrefix(a.Scope, "/subscriptions/"+sub) ||
				!strings.HasPrefix(a.Scope, "/subscriptions/") && isAncestorMG(w, a.Scope, w.Subscriptions[0].Parent)) {
				wantForPrincipal++
			}
		}
	})
	if ghosts == 0 || conditions == 0 || principal == "" {
		t.Fatalf("tiny needs ghost assignments (%d), conditions (%d) and a user assignment", ghosts, conditions)
	}
	scope := "/subscriptions/" + sub
	var list []*armauthorization.RoleAssignment
	for p := ra.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{
		Filter: to.Ptr("principalId eq '" + principal + "'")}); p.More(); {
		page, err := p.NextPage(context.Background())
		must(t, err)
		list = append(list, page.Value...)
	}
	if len(list) != wantForPrincipal {
		t.Fatalf("principalId filter: %d assignments, want %d", len(list), wantForPrincipal)
	}
	for _, a := range list {
		if *a.Properties.PrincipalID != principal || *a.Properties.PrincipalType != armauthorization.PrincipalTypeUser {
			t.Errorf("principalId filter returned %+v", a.Properties)
		}
	}
	_, err = ra.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("roleName eq 'x'")}).NextPage(context.Background())
	if err == nil || !strings.Contains(err.Error(), "UnsupportedFilter") {
		t.Fatalf("unsupported filter: %v", err)
	}
}

func TestARMErrors_MatchARM(t *testing.T) {
	t.Parallel()
	f := newARMFixture(t, azsim.Options{})
	limited, err := f.s.App("azsim-limited")
	must(t, err)
	limitedTok := token(t, f.s, limited, "https://management.azure.com/.default")
	var sub string
	f.s.ReadWorld(func(w *world.World) { sub = w.Subscriptions[0].ID })
	for _, tc := range []struct {
		path, tok, code, msgPart string
		status                   int
	}{
		{"/subscriptions", f.tok, "MissingApiVersionParameter", "api-version", 400},
		{"/subscriptions?api-version=2099-01-01", f.tok, "InvalidApiVersionParameter", "2022-12-01", 400},
		{"/subscriptions/" + sub + "/resourcegroups/nope?api-version=2025-04-01", f.tok, "ResourceGroupNotFound", "nope", 404},
		{"/subscriptions/00000000-0000-0000-0000-000000000000?api-version=2022-12-01", f.tok, "SubscriptionNotFound", "could not be found", 404},
		{"/subscriptions/" + sub + "/resourcegroups?api-version=2025-04-01", limitedTok, "AuthorizationFailed",
			"does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '/subscriptions/" + sub + "'", 403},
		{"/subscriptions/" + sub + "/providers/Microsoft.Nope/things?api-version=2022-01-01", f.tok, "InvalidResourceType", "", 404},
	} {
		status, m, _ := call(t, f.s, http.MethodGet, f.s.ARMURL()+tc.path, tc.tok, nil)
		code, msg := errCode(m)
		if status != tc.status || code != tc.code || !strings.Contains(msg, tc.msgPart) {
			t.Errorf("GET %s: %d %s %q; want %d %s containing %q", tc.path, status, code, msg, tc.status, tc.code, tc.msgPart)
		}
	}
	// The limited app sees no subscriptions at all, as ARM lists only readable ones.
	status, m, _ := call(t, f.s, http.MethodGet, f.s.ARMURL()+"/subscriptions?api-version=2022-12-01", limitedTok, nil)
	if status != 200 || len(items(m)) != 0 {
		t.Fatalf("limited app subscriptions: %d %v", status, m)
	}
}

func TestARMPIM_TenantWithoutP2_IsRefused(t *testing.T) {
	t.Parallel()
	f := newARMFixture(t, azsim.Options{NoP2: true})
	var sub string
	f.s.ReadWorld(func(w *world.World) { sub = w.Subscriptions[0].ID })
	status, m := f.get(t, "/subscriptions/"+sub+"/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01")
	if code, _ := errCode(m); status != 400 || code != "AadPremiumLicenseRequired" {
		t.Fatalf("ARM PIM without P2: %d %v", status, m)
	}
}

func TestARMStorage_ReportsSharedKeyAccessAndIdentity(t *testing.T) {
	t.Parallel()
	f := newARMFixture(t, azsim.Options{})
	type acct struct {
		shared   *bool
		identity string
	}
	want := map[string]acct{}
	var subs []string
	f.s.ReadWorld(func(w *world.World) {
		for _, s := range w.Subscriptions {
			subs = append(subs, s.ID)
		}
		for _, a := range w.StorageAccounts {
			want[strings.ToLower(a.Scope())] = acct{a.AllowSharedKeyAccess, a.IdentityPrincipalID}
		}
	})
	got := 0
	for _, sub := range subs {
		list, _ := drain(t, f.s, f.s.ARMURL()+"/subscriptions/"+sub+"/providers/Microsoft.Storage/storageAccounts?api-version=2025-01-01", f.tok, nil)
		for _, a := range list {
			got++
			w := want[strings.ToLower(a["id"].(string))]
			props := a["properties"].(map[string]any)
			v, has := props["allowSharedKeyAccess"]
			if (w.shared == nil) == has || (has && v != *w.shared) {
				t.Errorf("%s: allowSharedKeyAccess %v (present %v), want %v", a["id"], v, has, w.shared)
			}
			id, _ := a["identity"].(map[string]any)
			if (w.identity != "") != (id != nil) || (id != nil && id["principalId"] != w.identity) {
				t.Errorf("%s: identity %v, want principal %q", a["id"], id, w.identity)
			}
		}
	}
	if got != len(want) {
		t.Fatalf("listed %d storage accounts, want %d", got, len(want))
	}
}
