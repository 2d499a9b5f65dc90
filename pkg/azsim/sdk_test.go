package azsim_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v2"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// modes are the addressing modes every SDK test runs under.
func modes() map[string]azsim.Options {
	return map[string]azsim.Options{
		"ports":      {},
		"vhost":      {VHostAddr: "127.0.0.1:0"},
		"in-process": {NoListener: true},
	}
}

func start(t *testing.T, o azsim.Options) *azsim.Server {
	t.Helper()
	s, err := azsim.New(o)
	if err != nil {
		t.Fatalf("azsim.New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// clientOptions configures an unmodified Azure SDK client for the simulator: endpoints and transport
// only. In virtual-host mode the endpoints are the real public-cloud ones.
func clientOptions(s *azsim.Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud: cloud.Configuration{
			ActiveDirectoryAuthorityHost: s.LoginURL() + "/",
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: s.ARMURL(), Audience: "https://management.core.windows.net/"},
			},
		},
		Transport: s.HTTPClient(),
	}
}

func readerApp(t *testing.T, s *azsim.Server) azsim.AppCredentials {
	t.Helper()
	app, err := s.App(azsim.ReaderAppName)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func secretCredential(t *testing.T, s *azsim.Server) azcore.TokenCredential {
	t.Helper()
	app := readerApp(t, s)
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), app.ClientID, app.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func certificateCredential(t *testing.T, s *azsim.Server) azcore.TokenCredential {
	t.Helper()
	app := readerApp(t, s)
	pemBytes, cert, err := azsim.NewClientCertificate("test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddClientCertificate(app.ClientID, cert); err != nil {
		t.Fatal(err)
	}
	certs, key, err := azidentity.ParseCertificates(pemBytes, nil)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := azidentity.NewClientCertificateCredential(s.TenantID(), app.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true, SendCertificateChain: true})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// graphScope is the scope a client derives from the Graph host it is configured with.
func graphScope(s *azsim.Server) string { return s.GraphURL() + "/.default" }

func TestAzidentity_SecretAndCertificate_ObtainGraphAndARMTokens(t *testing.T) {
	t.Parallel()
	for name, o := range modes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := start(t, o)
			for credName, cred := range map[string]azcore.TokenCredential{
				"secret": secretCredential(t, s), "certificate": certificateCredential(t, s),
			} {
				for _, scope := range []string{graphScope(s), "https://graph.microsoft.com/.default",
					"https://management.core.windows.net//.default", "https://management.azure.com/.default"} {
					tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
					if err != nil {
						t.Fatalf("%s %s: GetToken: %v", credName, scope, err)
					}
					if tok.Token == "" || !tok.ExpiresOn.After(tok.RefreshOn) && !tok.RefreshOn.IsZero() {
						t.Fatalf("%s %s: unusable token %+v", credName, scope, tok)
					}
					aud := jwtClaim(t, tok.Token, "aud")
					want := strings.TrimSuffix(scope, "/.default")
					if aud != want {
						t.Errorf("%s %s: aud = %q, want %q", credName, scope, aud, want)
					}
				}
			}
		})
	}
}

func jwtClaim(t *testing.T, tok, claim string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT")
	}
	var claims map[string]any
	b, err := decodeSegment(parts[1])
	if err != nil || json.Unmarshal(b, &claims) != nil {
		t.Fatalf("token claims unreadable: %v", err)
	}
	return fmt.Sprint(claims[claim])
}

func TestARMSDK_EveryClientListsTheWorld(t *testing.T) {
	t.Parallel()
	for name, o := range modes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := start(t, o)
			cred := secretCredential(t, s)
			armOpts := &arm.ClientOptions{ClientOptions: clientOptions(s), DisableRPRegistration: true}
			ctx := context.Background()
			var w struct {
				subs, mgs                  int
				firstSub, rgName, tenantID string
				rgs, accounts, containers  int
				identities                 int
				account                    *world.StorageAccount
				rootMG                     string
			}
			s.ReadWorld(func(wd *world.World) {
				w.subs, w.mgs, w.tenantID = len(wd.Subscriptions), len(wd.ManagementGroups), wd.Tenant.ID
				w.firstSub = wd.Subscriptions[0].ID
				for _, rg := range wd.ResourceGroups {
					if rg.SubscriptionID == w.firstSub {
						w.rgs++
					}
				}
				for _, a := range wd.StorageAccounts {
					if a.SubscriptionID == w.firstSub {
						w.accounts++
						if w.account == nil {
							w.account = a
						}
					}
				}
				for _, c := range wd.Containers {
					if c.Account == w.account {
						w.containers++
					}
				}
				for _, u := range wd.Identities {
					if u.SubscriptionID == w.firstSub {
						w.identities++
					}
				}
				w.rootMG = wd.Tenant.ID
			})

			subs, err := armsubscriptions.NewClient(cred, armOpts)
			must(t, err)
			got := 0
			for pager := subs.NewListPager(nil); pager.More(); {
				page, err := pager.NextPage(ctx)
				must(t, err)
				got += len(page.Value)
			}
			if got != w.subs {
				t.Errorf("subscriptions: got %d, want %d", got, w.subs)
			}
			tenants, err := armsubscriptions.NewTenantsClient(cred, armOpts)
			must(t, err)
			tp := tenants.NewListPager(nil)
			tpage, err := tp.NextPage(ctx)
			must(t, err)
			if len(tpage.Value) != 1 || *tpage.Value[0].TenantID != w.tenantID {
				t.Errorf("tenants: got %+v", tpage.Value)
			}

			rgc, err := armresources.NewResourceGroupsClient(w.firstSub, cred, armOpts)
			must(t, err)
			if n := countPages(t, rgc.NewListPager(nil)); n != w.rgs {
				t.Errorf("resource groups: got %d, want %d", n, w.rgs)
			}

			mgc, err := armmanagementgroups.NewClient(cred, armOpts)
			must(t, err)
			if n := countPages(t, mgc.NewListPager(nil)); n != w.mgs {
				t.Errorf("management groups: got %d, want %d", n, w.mgs)
			}
			root, err := mgc.Get(ctx, w.rootMG, &armmanagementgroups.ClientGetOptions{
				Expand: to.Ptr(armmanagementgroups.ManagementGroupExpandTypeChildren), Recurse: to.Ptr(true)})
			must(t, err)
			if seen := countTree(root.Properties.Children); seen.mgs != w.mgs-1 || seen.subs != w.subs {
				t.Errorf("management group tree: %d groups and %d subscriptions below root, want %d and %d", seen.mgs, seen.subs, w.mgs-1, w.subs)
			}

			ac, err := armstorage.NewAccountsClient(w.firstSub, cred, armOpts)
			must(t, err)
			if n := countPages(t, ac.NewListPager(nil)); n != w.accounts {
				t.Errorf("storage accounts: got %d, want %d", n, w.accounts)
			}
			bc, err := armstorage.NewBlobContainersClient(w.firstSub, cred, armOpts)
			must(t, err)
			if n := countPages(t, bc.NewListPager(w.account.ResourceGroup, w.account.Name, nil)); n != w.containers {
				t.Errorf("containers: got %d, want %d", n, w.containers)
			}

			ic, err := armmsi.NewUserAssignedIdentitiesClient(w.firstSub, cred, armOpts)
			must(t, err)
			if n := countPages(t, ic.NewListBySubscriptionPager(nil)); n != w.identities {
				t.Errorf("user-assigned identities: got %d, want %d", n, w.identities)
			}

			scope := "/subscriptions/" + w.firstSub
			ra, err := armauthorization.NewRoleAssignmentsClient(w.firstSub, cred, armOpts)
			must(t, err)
			// The SDK sends this $filter unencoded; only an HTTP/2 server accepts it.
			atScope := countPages(t, ra.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("atScope()")}))
			all := countPages(t, ra.NewListForScopePager(scope, nil))
			if atScope == 0 || all <= atScope {
				t.Errorf("role assignments at %s: atScope()=%d, all=%d; want 0 < atScope < all", scope, atScope, all)
			}
			rd, err := armauthorization.NewRoleDefinitionsClient(cred, armOpts)
			must(t, err)
			if n := countPages(t, rd.NewListPager(scope, &armauthorization.RoleDefinitionsClientListOptions{Filter: to.Ptr("roleName eq 'Reader'")})); n != 1 {
				t.Errorf("role definitions named Reader: got %d, want 1", n)
			}
			ei, err := armauthorization.NewRoleEligibilityScheduleInstancesClient(cred, armOpts)
			must(t, err)
			countPages(t, ei.NewListForScopePager(scope, nil))
			ai, err := armauthorization.NewRoleAssignmentScheduleInstancesClient(cred, armOpts)
			must(t, err)
			countPages(t, ai.NewListForScopePager(scope, nil))
		})
	}
}

type treeCount struct{ mgs, subs int }

func countTree(children []*armmanagementgroups.ManagementGroupChildInfo) treeCount {
	var c treeCount
	for _, ch := range children {
		if ch.Type != nil && *ch.Type == armmanagementgroups.ManagementGroupChildTypeSubscriptions {
			c.subs++
			continue
		}
		c.mgs++
		sub := countTree(ch.Children)
		c.mgs += sub.mgs
		c.subs += sub.subs
	}
	return c
}

// pager is the shape of every azcore pager.
type pager[T any] interface {
	More() bool
	NextPage(context.Context) (T, error)
}

// countPages drains a pager and counts the items of every page's Value slice.
func countPages[T any](t *testing.T, p pager[T]) int {
	t.Helper()
	n := 0
	for p.More() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("NextPage: %v", err)
		}
		n += valueLen(page)
	}
	return n
}

func valueLen(page any) int {
	b, _ := json.Marshal(page)
	var m struct {
		Value []json.RawMessage `json:"value"`
	}
	_ = json.Unmarshal(b, &m)
	return len(m.Value)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTransport_TLSIsVerifiedByCA(t *testing.T) {
	t.Parallel()
	s := start(t, azsim.Options{})
	// A client without the CA must fail the handshake; never disable verification.
	_, err := http.Get(s.GraphURL() + "/v1.0/users")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("plain client: err = %v, want a certificate verification error", err)
	}
	block, _ := pem.Decode(s.CACertPEM())
	if block == nil {
		t.Fatal("CACertPEM is not PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	must(t, err)
	if !ca.IsCA {
		t.Fatal("CACertPEM is not a CA certificate")
	}
	resp, err := s.HTTPClient().Get(s.GraphURL() + "/v1.0/users")
	must(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated Graph call: status %d, want 401", resp.StatusCode)
	}
}
