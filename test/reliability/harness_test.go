// Package reliability is baton-azure's fault suite: whole syncs against azsim under throttling storms,
// server errors, connection resets and early token revocation; hard failures that must stop the sync
// without touching the previous file; kill -9 and rerun; churn during a sync; bad input at the CLI; and
// secrets that must never leak. Every test compares with azsim's ground truth (internal/groundtruth).
//
// `go test ./test/reliability/` runs the short suite (the tiny tenant); `make soak` sets
// BATON_AZURE_SOAK=1, which runs the storms on the small and medium tenants with realistic Retry-After
// values and writes the figures table of docs/reliability.md (BATON_AZURE_SOAK_REPORT=FILE).
package reliability

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// soak reports whether the long variants run (make soak).
func soak() bool { return os.Getenv("BATON_AZURE_SOAK") == "1" }

// startSim starts azsim on loopback with a state directory (ca.pem, endpoints.json) and returns it with
// its endpoints.
func startSim(t testing.TB, o azsim.Options) (*azsim.Server, azsim.Endpoints) {
	t.Helper()
	if o.StateDir == "" {
		o.StateDir = filepath.Join(t.TempDir(), "azsim")
	}
	s, err := azsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	e, err := s.Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}

// configOf is the connector configuration that reads azsim as its reader app.
func configOf(e azsim.Endpoints) *config.Azure {
	return &config.Azure{
		AzureTenantId: e.TenantID, AzureClientId: e.ClientID, AzureClientSecret: e.ClientSecret,
		AuthorityHost: e.AuthorityHost, GraphDomain: e.Graph, ArmEndpoint: e.ARM, CaFile: e.CAFile, Cloud: "public",
	}
}

// syncInProcess runs a whole sync of cfg in process (baton-sdk's syncer over loopback gRPC) into a new c1z.
func syncInProcess(t testing.TB, cfg *config.Azure) (string, error) {
	t.Helper()
	b, _, err := connector.New(context.Background(), cfg, nil)
	if err != nil {
		return "", err
	}
	return synctest.Sync(t, synctest.Serve(t, b))
}

// compareTruth compares a c1z with azsim's current ground truth; it returns the three diffs and a
// description of the first differences.
func compareTruth(t testing.TB, s *azsim.Server, path string, o groundtruth.Options) ([]groundtruth.Diff, string) {
	t.Helper()
	got := digestOf(t, path)
	want, tol := groundtruth.NewDigest(), groundtruth.NewDigest()
	s.ReadWorld(func(w *world.World) {
		groundtruth.Expect(w, o, want)
		groundtruth.Tolerated(w, tol)
	})
	want.Seal()
	tol.Seal()
	diffs := groundtruth.Compare(want, got, tol)
	n := groundtruth.NewNamer(diffs, false)
	s.ReadWorld(func(w *world.World) { groundtruth.Expect(w, o, n) })
	n.Name(diffs, false)
	var b strings.Builder
	for _, d := range diffs {
		if !d.Equal() {
			fmt.Fprintf(&b, "%s: want %d, got %d: %d missing %v, %d extra; ", d.Kind, d.Want, d.Got, d.Missing, d.MissingExamples, d.Extra)
		}
	}
	return diffs, b.String()
}

// assertTruth fails the test unless the c1z equals azsim's ground truth exactly (nothing missing, nothing
// extra) and is not empty.
func assertTruth(t testing.TB, s *azsim.Server, path string, o groundtruth.Options) []groundtruth.Diff {
	t.Helper()
	diffs, msg := compareTruth(t, s, path, o)
	if msg != "" {
		t.Errorf("%s differs from ground truth: %s", path, msg)
	}
	for _, d := range diffs {
		if d.Got == 0 {
			t.Errorf("%s holds no %s", path, d.Kind)
		}
	}
	return diffs
}

func digestOf(t testing.TB, path string) *groundtruth.Digest {
	t.Helper()
	got := groundtruth.NewDigest()
	if err := c1zread.Walk(context.Background(), path, t.TempDir(), c1zread.Visitor{
		Resource:    func(r *v2.Resource) { groundtruth.FromResource(got, r) },
		Entitlement: func(e *v2.Entitlement) { groundtruth.FromEntitlement(got, e) },
		Grant:       func(g *v2.Grant) { groundtruth.FromGrant(got, g) },
	}); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	got.Seal()
	return got
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// binary builds cmd/baton-azure once per test process and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the baton-azure binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "reliability-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "baton-azure")
		buildOut, buildErr = exec.Command("go", "build", "-o", binPath, "../../cmd/baton-azure").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build baton-azure: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// run is one execution of the real binary.
type run struct {
	Stdout, Stderr string
	Err            error
	ExitCode       int
	TmpDir         string // the run's TMPDIR
}

// connectorArgs are the flags that point the binary at azsim (the secret goes through the environment).
func connectorArgs(e azsim.Endpoints, c1z string) []string {
	return []string{"-f", c1z, "--azure-tenant-id", e.TenantID, "--azure-client-id", e.ClientID,
		"--authority-host", e.AuthorityHost, "--graph-domain", e.Graph, "--arm-endpoint", e.ARM, "--ca-file", e.CAFile}
}

// command prepares the binary with args, a clean environment (no BATON_/AZURE_ variables of the
// caller), extra env and a private TMPDIR.
func command(t testing.TB, args []string, env ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, string) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), args...)
	full := []string{"HOME=" + t.TempDir(), "TMPDIR=" + tmp}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") && !strings.HasPrefix(kv, "AZURE_") && !strings.HasPrefix(kv, "HOME=") &&
			!strings.HasPrefix(kv, "TMPDIR=") {
			full = append(full, kv)
		}
	}
	cmd.Env = append(full, env...)
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut, tmp
}

// runBinary runs the binary to completion.
func runBinary(t testing.TB, args []string, env ...string) run {
	t.Helper()
	cmd, out, errOut, tmp := command(t, args, env...)
	err := cmd.Run()
	r := run{Stdout: out.String(), Stderr: errOut.String(), Err: err, TmpDir: tmp}
	if cmd.ProcessState != nil {
		r.ExitCode = cmd.ProcessState.ExitCode()
	}
	return r
}

// leftovers lists what a run left in its TMPDIR.
func leftovers(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// ownersReadSeparately gives a group more owners than Graph expands inline with the group listing (20), so
// the sync reads the group's /groups/{id}/owners on its own, inside a $batch — the per-group read the
// fault tests refuse or answer 404. It returns the group's owner count.
func ownersReadSeparately(t testing.TB, s *azsim.Server, group string) int {
	t.Helper()
	var n int
	s.UpdateWorld(func(w *world.World) {
		for i := range 21 {
			u := &world.User{ID: fmt.Sprintf("00000000-0000-4000-8200-%012d", i+1), DisplayName: fmt.Sprintf("Extra owner %d", i),
				UserPrincipalName: fmt.Sprintf("extra.owner%d@%s", i, w.Tenant.DefaultDomain), AccountEnabled: true, UserType: "Member"}
			if err := w.AddUser(u); err != nil {
				t.Fatal(err)
			}
			if err := w.AddGroupOwner(group, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
				t.Fatal(err)
			}
		}
		n = len(w.Group(group).Owners)
	})
	return n
}
