package connector

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/config"
)

func TestParseScope_ClassifiesEveryARMScope(t *testing.T) {
	t.Parallel()
	const sub = "/subscriptions/1F3A5C2E-0000-4000-8000-00000000000A"
	for in, want := range map[string]armScope{
		"/": {kind: scopeRoot, key: "/"},
		"":  {kind: scopeRoot, key: "/"},
		"/providers/Microsoft.Management/managementGroups/MG-Platform": {kind: scopeMG, key: "/providers/microsoft.management/managementgroups/mg-platform", mg: "mg-platform"},
		sub + "/": {kind: scopeSubscription, key: strings.ToLower(sub), sub: "1f3a5c2e-0000-4000-8000-00000000000a"},
		sub + "/resourceGroups/RG-Web": {kind: scopeResourceGroup, key: strings.ToLower(sub) + "/resourcegroups/rg-web",
			sub: "1f3a5c2e-0000-4000-8000-00000000000a", rg: "rg-web"},
		sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st": {kind: scopeStorageAccount,
			key: strings.ToLower(sub) + "/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st", sub: "1f3a5c2e-0000-4000-8000-00000000000a", rg: "rg"},
		sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/logs": {kind: scopeContainer,
			key: strings.ToLower(sub) + "/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st/blobservices/default/containers/logs",
			sub: "1f3a5c2e-0000-4000-8000-00000000000a", rg: "rg"},
		sub + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv": {kind: scopeOtherResource,
			key: strings.ToLower(sub) + "/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv", sub: "1f3a5c2e-0000-4000-8000-00000000000a", rg: "rg"},
		sub + "/providers/Microsoft.Security/pricings/x": {kind: scopeOtherResource,
			key: strings.ToLower(sub) + "/providers/microsoft.security/pricings/x", sub: "1f3a5c2e-0000-4000-8000-00000000000a"},
		"/providers/Microsoft.Management/managementGroups": {kind: scopeUnknown, key: "/providers/microsoft.management/managementgroups"},
		"/tenants/x": {kind: scopeUnknown, key: "/tenants/x"},
	} {
		if got := parseScope(in); got != want {
			t.Errorf("parseScope(%q) = %+v, want %+v", in, got, want)
		}
	}
	container := parseScope(sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/logs")
	account := container.parentInSubscription()
	rg := account.parentInSubscription()
	if account.kind != scopeStorageAccount || rg.kind != scopeResourceGroup || rg.parentInSubscription().kind != scopeSubscription {
		t.Errorf("parents: %+v %+v %+v", account, rg, rg.parentInSubscription())
	}
}

func TestRolePrivileged_WritesRoleAssignmentsOrReachesData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		r    roleDef
		want bool
	}{
		{"Owner", roleDef{actions: []string{"*"}}, true},
		{"Contributor", roleDef{actions: []string{"*"}, notActions: []string{"Microsoft.Authorization/*/Write"}}, true},
		{"Reader", roleDef{actions: []string{"*/read"}}, false},
		{"User Access Administrator", roleDef{actions: []string{"*/read", "Microsoft.Authorization/*"}}, true},
		{"RBAC Administrator", roleDef{actions: []string{"Microsoft.Authorization/roleAssignments/write"}}, true},
		{"assignment writer with it excluded", roleDef{actions: []string{"Microsoft.Authorization/*"},
			notActions: []string{"Microsoft.Authorization/roleAssignments/*"}}, false},
		{"Storage Blob Data Reader", roleDef{dataActions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"}}, true},
		{"Storage Account Contributor (lists keys)", roleDef{actions: []string{"Microsoft.Storage/storageAccounts/*"}}, true},
		{"Virtual Machine Contributor", roleDef{actions: []string{"Microsoft.Compute/virtualMachines/*", "Microsoft.Authorization/*/read"}}, false},
	} {
		if got := tc.r.privileged(); got != tc.want {
			t.Errorf("%s: privileged = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// simCfg starts azsim (port mode) and configures the reader app against it.
func simCfg(t *testing.T, o azsim.Options) (*azsim.Server, *config.Azure) {
	t.Helper()
	s, err := azsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	creds, err := s.App(azsim.ReaderAppName)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, s.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, &config.Azure{AzureTenantId: s.TenantID(), AzureClientId: creds.ClientID, AzureClientSecret: creds.ClientSecret,
		AuthorityHost: s.LoginURL(), GraphDomain: strings.TrimPrefix(s.GraphURL(), "https://"), ArmEndpoint: s.ARMURL(), CaFile: ca}
}

// enumerate drives a type-scoped RBAC enumeration to the end as the syncer would (fan-out, then every
// enqueued cursor page by page), calling next() for the connector of each call, and returns the grant ids
// and the number of calls.
func enumerate(t *testing.T, typ string, next func() *Connector) ([]string, int) {
	t.Helper()
	var ids []string
	calls := 0
	queue := []string{""}
	for len(queue) > 0 {
		tok := queue[0]
		queue = queue[1:]
		c := next()
		var grants []*v2.Grant
		var res *rs.SyncOpResults
		var err error
		opts := rs.SyncOpAttrs{SyncID: "sync-1", PageToken: pagination.Token{Token: tok}}
		if typ == typeSubscription {
			grants, res, err = c.subscriptionGrants(t.Context(), opts)
		} else {
			grants, res, err = c.managementGroupGrants(t.Context(), opts)
		}
		calls++
		if err != nil {
			t.Fatalf("%s grants, token %q: %v", typ, tok, err)
		}
		for _, g := range grants {
			ids = append(ids, g.GetId())
		}
		if res.NextPageToken != "" {
			if res.NextPageToken == tok {
				t.Fatalf("token %q did not advance", tok)
			}
			queue = append(queue, res.NextPageToken)
		}
		spawn := &v2.EnqueuePageTokens{}
		annos := annotations.Annotations(res.Annotations)
		if ok, _ := annos.Pick(spawn); ok {
			queue = append(queue, spawn.GetPageTokens()...)
		}
	}
	sort.Strings(ids)
	return ids, calls
}

// TestRBACCursors_ResumedInAFreshProcess_EmitTheSameGrants runs every page of the subscription and
// management-group enumerations on a new connector (nothing cached, as after a restart from a checkpoint)
// with tiny pages, and compares with one connector running them in one go.
func TestRBACCursors_ResumedInAFreshProcess_EmitTheSameGrants(t *testing.T) {
	t.Parallel()
	_, cfg := simCfg(t, azsim.Options{Preset: "tiny", Seed: 11, ARMPageSize: 2})
	for _, typ := range []string{typeSubscription, typeManagementGroup} {
		one, err := newConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := enumerate(t, typ, func() *Connector { return one })
		got, calls := enumerate(t, typ, func() *Connector {
			c, err := newConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.pageSize = 3
			return c
		})
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: resumed enumeration emitted %d grants, uninterrupted %d", typ, len(got), len(want))
		}
		if len(want) == 0 || calls < 10 {
			t.Errorf("%s: %d grants in %d calls: pages were not small", typ, len(want), calls)
		}
		dup := map[string]bool{}
		for _, id := range want {
			if dup[id] {
				t.Errorf("%s: grant %s emitted twice", typ, id)
			}
			dup[id] = true
		}
	}
}

func TestRBACCursor_MalformedTokens_AreInvalidArgument(t *testing.T) {
	t.Parallel()
	c := &Connector{s: &settings{}}
	for _, tok := range []string{"{", `{"p":"a"}`, "not json"} {
		if _, err := parseCursor(tok); err == nil {
			t.Errorf("parseCursor(%q) accepted", tok)
		}
		if _, _, err := c.subscriptionGrants(t.Context(), rs.SyncOpAttrs{PageToken: pagination.Token{Token: tok}}); err == nil ||
			!strings.Contains(err.Error(), "malformed page token") {
			t.Errorf("subscription grants with token %q: %v", tok, err)
		}
	}
}
