package connector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/config"
)

const (
	testTenant = "aeb1817a-d4fb-45ab-ba42-e354d387e8c2"
	testClient = "da8a657a-064c-4a6e-b9d8-f8216b2badaa"
)

func validConfig() *config.Azure {
	return &config.Azure{AzureTenantId: testTenant, AzureClientId: testClient, AzureClientSecret: "s3cret-value", Cloud: "public",
		GraphDomain: "graph.microsoft.com"}
}

func TestResolveSettings_BadInput_IsAnActionableError(t *testing.T) {
	t.Parallel()
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(*config.Azure)
		want string
	}{
		"no credentials":        {func(c *config.Azure) { c.AzureClientSecret = "" }, "no credentials: set azure-client-secret"},
		"two auth methods":      {func(c *config.Azure) { c.UseManagedIdentity = true }, "mutually exclusive"},
		"missing tenant":        {func(c *config.Azure) { c.AzureTenantId = "" }, "azure-tenant-id (BATON_AZURE_TENANT_ID) is required"},
		"malformed tenant":      {func(c *config.Azure) { c.AzureTenantId = "contoso/../x" }, "is not a tenant id"},
		"malformed client id":   {func(c *config.Azure) { c.AzureClientId = "my-app" }, "is not a GUID"},
		"missing client id":     {func(c *config.Azure) { c.AzureClientId = "" }, "azure-client-id (BATON_AZURE_CLIENT_ID) is required"},
		"unknown cloud":         {func(c *config.Azure) { c.Cloud = "mars" }, `unknown cloud "mars"`},
		"http authority":        {func(c *config.Azure) { c.AuthorityHost = "http://login.example" }, "authority-host"},
		"http arm endpoint":     {func(c *config.Azure) { c.ArmEndpoint = "http://arm.example" }, "must be an https URL"},
		"graph domain as URL":   {func(c *config.Azure) { c.GraphDomain = "https://graph.microsoft.com/v1.0" }, "must be a host[:port]"},
		"missing CA file":       {func(c *config.Azure) { c.CaFile = "/nonexistent/ca.pem" }, "ca-file"},
		"CA file that is text":  {func(c *config.Azure) { c.CaFile = notPEM }, "holds no PEM certificate"},
		"PIM duration in days":  {func(c *config.Azure) { c.PimDefaultDuration = "7d" }, `pim-default-duration "7d" must be a duration`},
		"PIM duration too long": {func(c *config.Azure) { c.PimDefaultDuration = "9000h" }, "between 5m and 8784h"},
		"unknown inheritance":   {func(c *config.Azure) { c.RbacInheritance = "full" }, `rbac-inheritance "full" is not a mode: use effective`},
		"contradicting inheritance": {func(c *config.Azure) { c.RbacInheritance, c.DisableRbacInheritance = "structural", true },
			"disable-rbac-inheritance contradicts rbac-inheritance=structural"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := validConfig()
			tc.edit(c)
			_, err := resolveSettings(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret-value") {
				t.Fatal("the error message leaks the client secret")
			}
		})
	}
}

func TestResolveSettings_CloudSelectsConsistentEndpoints(t *testing.T) {
	t.Parallel()
	for cloud, want := range map[string][3]string{
		"public":    {"https://login.microsoftonline.com", "https://graph.microsoft.com", "https://management.azure.com"},
		"usgov":     {"https://login.microsoftonline.us", "https://graph.microsoft.us", "https://management.usgovcloudapi.net"},
		"usgov-dod": {"https://login.microsoftonline.us", "https://dod-graph.microsoft.us", "https://management.usgovcloudapi.net"},
		"china":     {"https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", "https://management.chinacloudapi.cn"},
	} {
		c := validConfig()
		c.Cloud = cloud
		s, err := resolveSettings(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := [3]string{s.authority, s.graphBase, s.arm}; got != want {
			t.Errorf("cloud %s: endpoints %v, want %v", cloud, got, want)
		}
	}
	// Explicit overrides win over the cloud, for private clouds and azsim.
	c := validConfig()
	c.AuthorityHost, c.GraphDomain, c.ArmEndpoint = "https://127.0.0.1:1/", "127.0.0.1:2", "https://127.0.0.1:3"
	s, err := resolveSettings(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.authority != "https://127.0.0.1:1" || s.graphBase != "https://127.0.0.1:2" || s.arm != "https://127.0.0.1:3" {
		t.Fatalf("overrides not applied: %+v", s)
	}
}

func TestResolveSettings_EntraNamesAreEquivalent(t *testing.T) {
	t.Parallel()
	c := &config.Azure{EntraTenantId: testTenant, EntraClientId: testClient, EntraClientSecret: "x", Cloud: "public", GraphDomain: "graph.microsoft.com"}
	s, err := resolveSettings(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.tenantID != testTenant || s.clientID != testClient || s.auth != authSecret {
		t.Fatalf("BATON_ENTRA_* not used: %+v", s)
	}
}

func TestConfigurationSchema_MutuallyExclusiveOptions(t *testing.T) {
	t.Parallel()
	// The schema itself declares the conflicts, so baton-sdk refuses them before the connector starts.
	found := map[string]bool{}
	for _, r := range config.Configuration.Constraints {
		var names []string
		for _, f := range r.Fields {
			names = append(names, f.FieldName)
		}
		found[strings.Join(names, ",")] = true
	}
	for _, want := range []string{"azure-client-id,entra-client-id", "azure-client-secret,entra-client-secret",
		"azure-client-secret,entra-client-secret,azure-client-certificate-path,use-workload-identity,use-managed-identity,use-cli-credentials"} {
		if !found[want] {
			t.Errorf("constraint %s not declared", want)
		}
	}
	for _, f := range config.Configuration.Fields {
		if strings.Contains(f.FieldName, "secret") || strings.Contains(f.FieldName, "password") {
			if !f.Secret {
				t.Errorf("field %s is not marked secret", f.FieldName)
			}
		}
	}
}

func TestResolveSettings_PIMDurationDefaultsToEightHours(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": 8 * time.Hour, "720h": 720 * time.Hour, "90m": 90 * time.Minute} {
		c := validConfig()
		c.PimDefaultDuration = in
		s, err := resolveSettings(c)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if s.pimDuration != want {
			t.Errorf("pim-default-duration %q resolved to %v, want %v", in, s.pimDuration, want)
		}
	}
}

func TestResolveSettings_RBACInheritanceModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode    string
		disable bool
		want    rbacInheritance
	}{
		{"", false, inheritEffective},
		{"effective", false, inheritEffective},
		{"structural", false, inheritStructural},
		{"off", false, inheritOff},
		{"", true, inheritOff}, // the older switch alone
		{"effective", true, inheritOff},
		{"off", true, inheritOff},
	} {
		c := validConfig()
		c.RbacInheritance, c.DisableRbacInheritance = tc.mode, tc.disable
		s, err := resolveSettings(c)
		if err != nil {
			t.Errorf("rbac-inheritance=%q disable=%v: %v", tc.mode, tc.disable, err)
		} else if s.inheritance != tc.want {
			t.Errorf("rbac-inheritance=%q disable=%v: mode %d, want %d", tc.mode, tc.disable, s.inheritance, tc.want)
		}
	}
}
