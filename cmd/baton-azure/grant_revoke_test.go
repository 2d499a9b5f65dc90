package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// This is the CLI-level provisioning test connectors run in CI (scripts/grant-revoke.sh elsewhere), in Go:
// the real baton-azure binary (this test binary, see TestMain) syncs azsim into a c1z, grants with
// --grant-entitlement/--grant-principal, grants again (idempotent), syncs, finds the grant with the baton CLI
// built from baton-sdk v0.25.0 (tools/go.mod), revokes it twice with --revoke-grant, syncs and checks it is
// gone — and that azsim's own state agrees at each step.

// readerRole is the built-in Azure Reader role.
const readerRole = "acdd72a7-3385-48ef-bd42-f606fba81ae7"

var buildBaton = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "baton-cli-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "baton")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/conductorone/baton-sdk/cmd/baton")
	cmd.Dir = filepath.Join("..", "..", "tools")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string {
	return "go build baton (tools/go.mod): " + e.err.Error() + "\n" + e.out
}

// cliEnv is what a user exports to point baton-azure at azsim with the provisioner app.
type cliEnv struct {
	t   *testing.T
	sim *azsim.Server
	dir string
	env []string
}

func newCLIEnv(t *testing.T, seed uint64) *cliEnv {
	t.Helper()
	sim, err := azsim.New(azsim.Options{Preset: "tiny", Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	app, err := sim.App("baton-azure-provisioner")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, sim.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"BATON_AZURE_RUN_MAIN=1", "HOME=" + dir, "TMPDIR=" + t.TempDir(),
		"BATON_AZURE_TENANT_ID=" + sim.TenantID(), "BATON_AZURE_CLIENT_ID=" + app.ClientID, "BATON_AZURE_CLIENT_SECRET=" + app.ClientSecret,
		"BATON_AUTHORITY_HOST=" + sim.LoginURL(), "BATON_GRAPH_DOMAIN=" + strings.TrimPrefix(sim.GraphURL(), "https://"),
		"BATON_ARM_ENDPOINT=" + sim.ARMURL(), "BATON_CA_FILE=" + ca, "BATON_LOG_FORMAT=json"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") && !strings.HasPrefix(kv, "AZURE_") && !strings.HasPrefix(kv, "TMPDIR=") &&
			!strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return &cliEnv{t: t, sim: sim, dir: dir, env: env}
}

// connector runs baton-azure with args against the c1z of the environment and fails the test on a non-zero exit.
func (e *cliEnv) connector(args ...string) string {
	e.t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-f", filepath.Join(e.dir, "sync.c1z")}, args...)...)
	cmd.Env, cmd.Dir = e.env, e.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("baton-azure %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// grantsOf lists the grants of an entitlement in the c1z with the baton CLI: principal id → grant id.
func (e *cliEnv) grantsOf(baton, entitlementID string) map[string]string {
	e.t.Helper()
	cmd := exec.Command(baton, "grants", "-f", filepath.Join(e.dir, "sync.c1z"), "-e", entitlementID, "-o", "json")
	cmd.Dir = e.dir
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("baton grants -e %s: %v", entitlementID, err)
	}
	var doc struct {
		Grants []struct {
			Grant struct {
				ID        string `json:"id"`
				Principal struct {
					ID struct {
						Resource string `json:"resource"`
					} `json:"id"`
				} `json:"principal"`
			} `json:"grant"`
		} `json:"grants"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		e.t.Fatalf("baton grants printed no JSON: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, g := range doc.Grants {
		got[g.Grant.Principal.ID.Resource] = g.Grant.ID
	}
	return got
}

// writes counts azsim's answered write requests.
func writes(sim *azsim.Server) int64 {
	var n int64
	for _, r := range sim.Stats().Routes {
		switch r.Method {
		case "POST", "PUT", "PATCH", "DELETE":
			if !strings.Contains(r.Route, "token") && !strings.Contains(r.Route, "$batch") && !strings.Contains(r.Route, "getByIds") {
				n += r.Requests
			}
		}
	}
	return n
}

func TestCLI_GrantRevoke_RoundTripsThroughTheRealBinaryAndTheBatonCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the baton CLI and runs six syncs")
	}
	t.Parallel()
	baton, err := buildBaton()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		// pick chooses an entitlement and candidate principals without direct access (the test takes the
		// first that holds it in no way, nested groups included); held reports azsim's truth.
		pick func(w *world.World) (entitlementID, principalType string, candidates []string)
		held func(w *world.World, principalID string) bool
	}{
		{
			name: "group member",
			pick: func(w *world.World) (string, string, []string) {
				g := plainSecurityGroup(w)
				return "group:" + g.ID + ":member", "user", usersOutside(w, g.Members)
			},
			held: func(w *world.World, uid string) bool {
				return slices.ContainsFunc(plainSecurityGroup(w).Members, func(r world.Ref) bool { return r.ID == uid })
			},
		},
		{
			name: "Azure Reader on a subscription",
			pick: func(w *world.World) (string, string, []string) {
				sub := w.Subscriptions[0]
				return "subscription:" + sub.ID + ":role:" + readerRole + ":active", "user", usersWithoutAzureRole(w)
			},
			held: func(w *world.World, uid string) bool {
				scope := w.Subscriptions[0].Scope()
				return slices.ContainsFunc(w.ARMAssignments, func(a *world.ARMRoleAssignment) bool {
					return !a.Eligible && a.PrincipalID == uid && strings.EqualFold(a.Scope, scope) && a.RoleDefinition == readerRole
				})
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newCLIEnv(t, 11)
			var ent, ptype, pid string
			var candidates []string
			e.sim.ReadWorld(func(w *world.World) { ent, ptype, candidates = tc.pick(w) })
			truth := func() (held bool) {
				e.sim.ReadWorld(func(w *world.World) { held = tc.held(w, pid) })
				return held
			}

			e.connector()
			holders := e.grantsOf(baton, ent)
			if len(holders) == 0 {
				t.Fatalf("the first sync shows no grant of %s: the test would prove nothing", ent)
			}
			for _, c := range candidates {
				if _, ok := holders[c]; !ok {
					pid = c
					break
				}
			}
			if pid == "" || truth() {
				t.Fatalf("no candidate principal without %s", ent)
			}
			before := writes(e.sim)
			grant := []string{"--grant-entitlement", ent, "--grant-principal", pid, "--grant-principal-type", ptype}
			e.connector(grant...)
			if !truth() {
				t.Fatalf("azsim does not show %s granted to %s", ent, pid)
			}
			afterGrant := writes(e.sim)
			e.connector(grant...) // again: GrantAlreadyExists, exit 0, no second write
			if w := writes(e.sim); w != afterGrant {
				t.Errorf("the second grant wrote %d more requests; want none (idempotent)", w-afterGrant)
			}
			if afterGrant == before {
				t.Error("the grant made no write request")
			}

			e.connector()
			grantID, ok := e.grantsOf(baton, ent)[pid]
			if !ok {
				t.Fatalf("after the grant and a sync, baton grants -e %s does not list %s", ent, pid)
			}
			e.connector("--revoke-grant", grantID)
			if truth() {
				t.Fatalf("azsim still shows %s held by %s after --revoke-grant", ent, pid)
			}
			afterRevoke := writes(e.sim)
			e.connector("--revoke-grant", grantID) // again: GrantAlreadyRevoked, exit 0, no write
			if w := writes(e.sim); w != afterRevoke {
				t.Errorf("the second revoke wrote %d more requests; want none (idempotent)", w-afterRevoke)
			}
			e.connector()
			if _, ok := e.grantsOf(baton, ent)[pid]; ok {
				t.Errorf("after the revoke and a sync, %s still lists %s", ent, pid)
			}
		})
	}
}

// plainSecurityGroup is the first assigned-membership, cloud-only, non-role-assignable security group.
func plainSecurityGroup(w *world.World) *world.Group {
	for _, g := range w.Groups {
		if g.SecurityEnabled && !g.MailEnabled && !g.IsDynamic() && !g.IsUnified() && !g.IsAssignableToRole &&
			(g.OnPremisesSyncEnabled == nil || !*g.OnPremisesSyncEnabled) {
			return g
		}
	}
	panic("azsim tiny has no plain security group")
}

// usersOutside are the enabled member users not directly in refs.
func usersOutside(w *world.World, refs []world.Ref) []string {
	var out []string
	for _, u := range w.Users {
		if u.UserType == "Member" && u.AccountEnabled && !slices.ContainsFunc(refs, func(r world.Ref) bool { return r.ID == u.ID }) {
			out = append(out, u.ID)
		}
	}
	return out
}

// usersWithoutAzureRole are the enabled member users with no Azure role assignment of their own.
func usersWithoutAzureRole(w *world.World) []string {
	var out []string
	for _, u := range w.Users {
		if u.UserType == "Member" && u.AccountEnabled &&
			!slices.ContainsFunc(w.ARMAssignments, func(a *world.ARMRoleAssignment) bool { return a.PrincipalID == u.ID }) {
			out = append(out, u.ID)
		}
	}
	return out
}

// TestCLI_RefusedGrant_ExitsNonZeroNamingTheReasonAndWritesNothing: a grant into a dynamic-membership group
// fails before any write, with a message that says why and where to change it.
func TestCLI_RefusedGrant_ExitsNonZeroNamingTheReasonAndWritesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sync with the real binary")
	}
	t.Parallel()
	e := newCLIEnv(t, 12)
	var group, user string
	e.sim.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if g.IsDynamic() {
				group = g.ID
				break
			}
		}
		user = usersOutside(w, nil)[0]
	})
	if group == "" {
		t.Fatal("azsim tiny has no dynamic group")
	}
	e.connector()
	before := writes(e.sim)
	cmd := exec.Command(os.Args[0], "-f", filepath.Join(e.dir, "sync.c1z"), "--grant-entitlement", "group:"+group+":member",
		"--grant-principal", user, "--grant-principal-type", "user")
	cmd.Env, cmd.Dir = e.env, e.dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a grant into dynamic group %s succeeded:\n%s", group, out)
	}
	if code := cmd.ProcessState.ExitCode(); code != 9 {
		t.Errorf("exit code %d, want 9 (FailedPrecondition)", code)
	}
	if !strings.Contains(string(out), "dynamic") || !strings.Contains(string(out), "FailedPrecondition") {
		t.Errorf("the refusal does not say the group is dynamic (FailedPrecondition):\n%s", out)
	}
	if w := writes(e.sim); w != before {
		t.Errorf("the refused grant sent %d write requests", w-before)
	}
}

// TestCLI_DisableUser_RunsOnlyWithProvisioning: baton-sdk serves resource actions in every mode; the real
// binary refuses disable_user without --provisioning (exit 9, nothing written) and runs it with -p.
func TestCLI_DisableUser_RunsOnlyWithProvisioning(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary")
	}
	t.Parallel()
	e := newCLIEnv(t, 14)
	var user string
	e.sim.ReadWorld(func(w *world.World) {
		for _, u := range w.Users {
			if u.AccountEnabled && (u.OnPremisesSyncEnabled == nil || !*u.OnPremisesSyncEnabled) {
				user = u.ID
				break
			}
		}
	})
	enabled := func() bool {
		var on bool
		e.sim.ReadWorld(func(w *world.World) { on = w.User(user).AccountEnabled })
		return on
	}
	invoke := func(extra ...string) (*exec.Cmd, string) {
		args := append([]string{"-f", filepath.Join(e.dir, "sync.c1z"), "--invoke-action", "disable_user", "--invoke-action-resource-type", "user",
			"--invoke-action-args", `{"resource_id": {"resource_type_id": "user", "resource_id": "` + user + `"}}`}, extra...)
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env, cmd.Dir = e.env, e.dir
		out, _ := cmd.CombinedOutput()
		return cmd, string(out)
	}
	before := writes(e.sim)
	cmd, out := invoke()
	if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(out, "--provisioning") {
		t.Errorf("disable_user without --provisioning: exit %d, want non-zero naming --provisioning:\n%s", code, out)
	}
	if w := writes(e.sim); w != before || !enabled() {
		t.Fatalf("the refused action wrote %d requests (user enabled: %v)", w-before, enabled())
	}
	if cmd, out := invoke("--provisioning"); cmd.ProcessState.ExitCode() != 0 || enabled() {
		t.Fatalf("disable_user with --provisioning: exit %d, user enabled %v:\n%s", cmd.ProcessState.ExitCode(), enabled(), out)
	}
}
