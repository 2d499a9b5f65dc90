package connector

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/config"
)

// FuzzPimDuration: never panics; an accepted value lies within [5m, 366 days] and "" is 8h.
func FuzzPimDuration(f *testing.F) {
	for _, s := range []string{"", "8h", "5m", "4m59s", "8784h", "8784h1s", "-1h", "1d", "720h", "0", "9223372036854775807ns", "1e2h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, err := pimDuration(v)
		if err != nil {
			if !strings.Contains(err.Error(), "pim-default-duration") {
				t.Fatalf("error %q does not name the setting", err)
			}
			return
		}
		if v == "" && d != 8*time.Hour {
			t.Fatalf("default %s, want 8h", d)
		}
		if d < 5*time.Minute || d > maxPIMDuration {
			t.Fatalf("%q accepted as %s, outside [5m, 366d]", v, d)
		}
	})
}

// FuzzResolveSettings feeds arbitrary ids, cloud names and endpoints: resolveSettings never panics, and
// what it accepts is well-formed — a GUID client id, a tenant id without separators, https endpoints
// without a path for Graph.
func FuzzResolveSettings(f *testing.F) {
	f.Add("da8a657a-064c-4a6e-b9d8-f8216b2badaa", "0485a4b9-66d8-4327-8a09-dc61612527a5", "public", "", "", "")
	f.Add("contoso.onmicrosoft.com", "0485a4b9-66d8-4327-8a09-dc61612527a5", "usgov", "graph.microsoft.us", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net")
	f.Add("not/valid", "client", "mars", "graph.example.com/v1.0", "http://login", "ftp://arm")
	f.Add("", "", "", "", "", "")
	f.Add("a b", "DA8A657A-064C-4A6E-B9D8-F8216B2BADAA", "china", "localhost:8443", "https://127.0.0.1:1", "https://[::1]:2/")
	f.Fuzz(func(t *testing.T, tenant, client, cloud, graphDomain, authority, armEndpoint string) {
		s, err := resolveSettings(&config.Azure{AzureTenantId: tenant, AzureClientId: client, AzureClientSecret: "s", Cloud: cloud,
			GraphDomain: graphDomain, AuthorityHost: authority, ArmEndpoint: armEndpoint})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if !guidPattern.MatchString(s.clientID) || !tenantIDPattern.MatchString(s.tenantID) {
			t.Fatalf("accepted tenant %q, client %q", s.tenantID, s.clientID)
		}
		for _, u := range []string{s.authority, s.graphBase, s.arm} {
			if !strings.HasPrefix(u, "https://") || len(u) == len("https://") {
				t.Fatalf("accepted endpoint %q is not https", u)
			}
		}
		if strings.Contains(strings.TrimPrefix(s.graphBase, "https://"), "/") {
			t.Fatalf("graph base %q has a path", s.graphBase)
		}
	})
}
