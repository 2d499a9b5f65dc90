package groundtruth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/baton-azure/baton-azure/internal/c1zread"
	"github.com/baton-azure/baton-azure/internal/groundtruth"
	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// TestExpect_EqualsInProcessSync syncs azsim's tiny tenant in process with each option that changes the
// result and checks that the hashed expectation equals the c1z exactly — the port of pkg/connector's
// test-only expectation agrees with the connector.
func TestExpect_EqualsInProcessSync(t *testing.T) {
	if testing.Short() {
		t.Skip("four whole syncs")
	}
	for _, tc := range []struct {
		name string
		o    groundtruth.Options
	}{
		{"default", groundtruth.Options{}},
		{"no-inheritance", groundtruth.Options{Inheritance: "off"}},
		{"structural-inheritance", groundtruth.Options{Inheritance: "structural"}},
		{"skips", groundtruth.Options{SkipP2: true, SkipADGroups: true, SkipUnusedRoles: true, SkipContainers: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := azsim.New(azsim.Options{Preset: "tiny", Seed: 3, NoP2: tc.o.SkipP2})
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
			cfg := &config.Azure{
				AzureTenantId: s.TenantID(), AzureClientId: creds.ClientID, AzureClientSecret: creds.ClientSecret,
				AuthorityHost: s.LoginURL(), GraphDomain: strings.TrimPrefix(s.GraphURL(), "https://"), ArmEndpoint: s.ARMURL(),
				CaFile: ca, Cloud: "public",
				SkipAdGroups: tc.o.SkipADGroups, SkipUnusedRoles: tc.o.SkipUnusedRoles, SkipEntraIdP2LicenseFeatures: tc.o.SkipP2,
				SkipSyncStorageContainers: tc.o.SkipContainers, RbacInheritance: tc.o.Inheritance,
			}
			b, _, err := connector.New(t.Context(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			path, err := synctest.Sync(t, synctest.Serve(t, b))
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			got := groundtruth.NewDigest()
			if err := c1zread.Walk(context.Background(), path, t.TempDir(), c1zread.Visitor{
				Resource:    func(r *v2.Resource) { groundtruth.FromResource(got, r) },
				Entitlement: func(e *v2.Entitlement) { groundtruth.FromEntitlement(got, e) },
				Grant:       func(g *v2.Grant) { groundtruth.FromGrant(got, g) },
			}); err != nil {
				t.Fatal(err)
			}
			got.Seal()
			want, tol := groundtruth.NewDigest(), groundtruth.NewDigest()
			s.ReadWorld(func(w *world.World) {
				groundtruth.Expect(w, tc.o, want)
				groundtruth.Tolerated(w, tol)
			})
			want.Seal()
			tol.Seal()
			diffs := groundtruth.Compare(want, got, tol)
			n := groundtruth.NewNamer(diffs, false)
			s.ReadWorld(func(w *world.World) { groundtruth.Expect(w, tc.o, n) })
			n.Name(diffs, false)
			for _, d := range diffs {
				t.Logf("%s: want %d, got %d, tolerated %d", d.Kind, d.Want, d.Got, d.Tolerated)
				if !d.Equal() || d.Got == 0 {
					t.Errorf("%s: %d missing (e.g. %v), %d extra", d.Kind, d.Missing, d.MissingExamples, d.Extra)
				}
			}
		})
	}
}

// TestCompare_NamesMissingAndExtra checks the comparison itself on hand-made digests.
func TestCompare_NamesMissingAndExtra(t *testing.T) {
	want, got, tol := groundtruth.NewDigest(), groundtruth.NewDigest(), groundtruth.NewDigest()
	want.Resource("user", "a")
	want.Resource("user", "b")
	want.Grant("group:g:member", "user", "a")
	want.Grant("group:g:member", "user", "a") // duplicates count once
	want.Grant("group:g:member", "user", "c")
	tol.Grant("group:g:member", "user", "c")
	got.Resource("user", "a")
	got.Resource("user", "z")
	got.Grant("group:g:member", "user", "a")
	for _, d := range []*groundtruth.Digest{want, got, tol} {
		d.Seal()
	}
	diffs := groundtruth.Compare(want, got, tol)
	miss := groundtruth.NewNamer(diffs, false)
	miss.Resource("user", "b")
	miss.Name(diffs, false)
	extra := groundtruth.NewNamer(diffs, true)
	extra.Resource("user", "z")
	extra.Name(diffs, true)
	r, g := diffs[groundtruth.Resources], diffs[groundtruth.Grants]
	if r.Missing != 1 || r.Extra != 1 || r.Equal() || len(r.MissingExamples) != 1 || r.MissingExamples[0] != "user/b" ||
		len(r.ExtraExamples) != 1 || r.ExtraExamples[0] != "user/z" {
		t.Errorf("resources diff = %+v", r)
	}
	if !g.Equal() || g.Want != 2 || g.Got != 1 || g.Tolerated != 1 {
		t.Errorf("grants diff = %+v", g)
	}
}
