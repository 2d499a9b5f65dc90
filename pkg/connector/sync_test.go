package connector_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// simConfig starts azsim (port mode, so the connector's real TLS and CA-file path is used) and returns
// a configuration pointing the connector at it.
func simConfig(t testing.TB, o azsim.Options, app string) (*azsim.Server, *config.Azure) {
	t.Helper()
	s, err := azsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	creds, err := s.App(app)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, s.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, &config.Azure{
		AzureTenantId: s.TenantID(), AzureClientId: creds.ClientID, AzureClientSecret: creds.ClientSecret,
		AuthorityHost: s.LoginURL(), GraphDomain: strings.TrimPrefix(s.GraphURL(), "https://"), ArmEndpoint: s.ARMURL(),
		CaFile: ca, Cloud: "public",
	}
}

func syncFile(t *testing.T, cfg *config.Azure) *synctest.File {
	t.Helper()
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	path, err := synctest.Sync(t, synctest.Serve(t, b))
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return synctest.Read(t, path)
}

func fileSets(f *synctest.File) *expectation {
	got := &expectation{resources: map[string]bool{}, entitlements: map[string]bool{}, grants: map[string]bool{}}
	for _, r := range f.Resources {
		got.resources[r.GetId().GetResourceType()+"/"+r.GetId().GetResource()] = true
	}
	for _, e := range f.Entitlements {
		got.entitlements[e.GetId()] = true
	}
	for _, g := range f.Grants {
		p := g.GetPrincipal().GetId()
		got.grants[key(g.GetEntitlement().GetId(), p.GetResourceType(), p.GetResource())] = true
	}
	return got
}

// diff reports what is missing from and extra in got, by kind, with a few examples. Keys in tolerated
// may be missing (see cycleGrants).
func diff(t *testing.T, kind string, want, got, tolerated map[string]bool) {
	t.Helper()
	var missing, extra []string
	tolerate := 0
	for k := range want {
		if !got[k] {
			if tolerated[k] {
				tolerate++
				continue
			}
			missing = append(missing, k)
		}
	}
	if tolerate > 0 {
		t.Logf("%s: %d derived grants inside a group nesting cycle not materialised by baton-sdk (known limitation)", kind, tolerate)
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: %d expected, %d synced; %d missing %v; %d extra %v", kind, len(want), len(got),
			len(missing), head(missing), len(extra), head(extra))
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func assertEqualsTruth(t *testing.T, s *azsim.Server, f *synctest.File, o expectOpts) {
	t.Helper()
	var want *expectation
	var cycle map[string]bool
	s.ReadWorld(func(w *world.World) { want, cycle = expect(w, o), cycleGrants(w) })
	got := fileSets(f)
	diff(t, "resources", want.resources, got.resources, nil)
	diff(t, "entitlements", want.entitlements, got.entitlements, nil)
	diff(t, "grants", want.grants, got.grants, cycle)
}

func TestSync_TinyTenant_EqualsGroundTruth(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 1}, azsim.ReaderAppName)
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
	if len(f.Grants) < 100 {
		t.Fatalf("only %d grants synced from tiny", len(f.Grants))
	}
	checkAzureDetails(t, s, f)
	t.Run("ARM is read once per subscription, management group and storage account, never per resource group", func(t *testing.T) {
		got := armRequests(s)
		var mgs, subs, accounts int
		s.ReadWorld(func(w *world.World) {
			mgs, subs, accounts = len(w.ManagementGroups), len(w.Subscriptions), len(w.StorageAccounts)
		})
		for route, want := range map[string]int64{
			"GET {scope}/providers/Microsoft.Authorization/roleAssignments":                  int64(mgs + subs),
			"GET {scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances": int64(mgs + subs),
			"GET {scope}/providers/Microsoft.Authorization/roleDefinitions":                  int64(mgs + subs),
			"POST /providers/Microsoft.Management/getEntities":                               1,
			"GET /subscriptions/{sub}/resourcegroups":                                        int64(subs),
			"GET /subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts":           int64(subs),
			"GET " + containersRoute:                                                         int64(accounts),
		} {
			if got[route] != want {
				t.Errorf("%s: %d requests, want %d", route, got[route], want)
			}
		}
	})
}

const containersRoute = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers"

// armRequests counts azsim's ARM requests by "METHOD route".
func armRequests(s *azsim.Server) map[string]int64 {
	out := map[string]int64{}
	for _, r := range s.Stats().Routes {
		if r.Service == "arm" {
			out[r.Method+" "+r.Route] += r.Requests
		}
	}
	return out
}

func TestSync_TenantWithoutP2_WithSkipFlag_EqualsGroundTruth(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 2, NoP2: true}, azsim.ReaderAppName)
	cfg.SkipEntraIdP2LicenseFeatures = true
	assertEqualsTruth(t, s, syncFile(t, cfg), expectOpts{skipP2: true})
}

func TestSync_TenantWithoutP2_WithoutSkipFlag_FailsNamingTheFlag(t *testing.T) {
	t.Parallel()
	_, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 2, NoP2: true}, azsim.ReaderAppName)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = synctest.Sync(t, synctest.Serve(t, b))
	if err == nil || !strings.Contains(err.Error(), "skip-entra-id-p2-license-features") {
		t.Fatalf("sync of a P2-less tenant without the flag: err = %v, want one naming skip-entra-id-p2-license-features", err)
	}
}

func TestSync_Flags_ChangeWhatIsSynced(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		set  func(*config.Azure)
		opts expectOpts
	}{
		"skip-ad-groups":               {func(c *config.Azure) { c.SkipAdGroups = true }, expectOpts{skipADGroups: true}},
		"skip-unused-roles":            {func(c *config.Azure) { c.SkipUnusedRoles = true }, expectOpts{skipUnusedRoles: true}},
		"skip-sync-storage-containers": {func(c *config.Azure) { c.SkipSyncStorageContainers = true }, expectOpts{skipContainers: true}},
		"disable-rbac-inheritance":     {func(c *config.Azure) { c.DisableRbacInheritance = true }, expectOpts{inheritance: "off"}},
		"rbac-inheritance=off":         {func(c *config.Azure) { c.RbacInheritance = "off" }, expectOpts{inheritance: "off"}},
		"rbac-inheritance=structural":  {func(c *config.Azure) { c.RbacInheritance = "structural" }, expectOpts{inheritance: "structural"}},
		"skip-unused-roles and disable-rbac-inheritance": {func(c *config.Azure) { c.SkipUnusedRoles, c.DisableRbacInheritance = true, true },
			expectOpts{skipUnusedRoles: true, inheritance: "off"}},
		"skip-unused-roles and rbac-inheritance=structural": {func(c *config.Azure) { c.SkipUnusedRoles, c.RbacInheritance = true, "structural" },
			expectOpts{skipUnusedRoles: true, inheritance: "structural"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 3}, azsim.ReaderAppName)
			tc.set(cfg)
			f := syncFile(t, cfg)
			assertEqualsTruth(t, s, f, tc.opts)
		})
	}
}

// resourcesOf returns the synced resources of a type by id.
func resourcesOf(f *synctest.File, typ string) map[string]*v2.Resource {
	out := map[string]*v2.Resource{}
	for _, r := range f.Resources {
		if r.GetId().GetResourceType() == typ {
			out[r.GetId().GetResource()] = r
		}
	}
	return out
}
