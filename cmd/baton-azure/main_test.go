package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The test binary doubles as baton-azure when BATON_AZURE_RUN_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("BATON_AZURE_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	env := []string{"BATON_AZURE_RUN_MAIN=1", "HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") && !strings.HasPrefix(kv, "AZURE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

func TestCLI_HelpCapabilitiesAndConfig_WorkWithoutCredentials(t *testing.T) {
	t.Parallel()
	out, _, err := runMain(t, "--help")
	if err != nil || !strings.Contains(out, "--azure-client-id") || !strings.Contains(out, "BATON_AZURE_CLIENT_SECRET") {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	for _, sub := range []string{"capabilities", "config"} {
		out, errOut, err := runMain(t, sub)
		if err != nil {
			t.Fatalf("%s: %v\n%s", sub, err, errOut)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s did not print JSON: %v\n%s", sub, err, out)
		}
	}
}

// TestGeneratedFiles_AreFresh fails when baton_capabilities.json or config_schema.json no longer match
// the binary; `make generate` rewrites them.
func TestGeneratedFiles_AreFresh(t *testing.T) {
	t.Parallel()
	for sub, file := range map[string]string{"capabilities": "../../baton_capabilities.json", "config": "../../config_schema.json"} {
		out, errOut, err := runMain(t, sub)
		if err != nil {
			t.Fatalf("%s: %v\n%s", sub, err, errOut)
		}
		committed, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s missing: run `make generate`", file)
		}
		if strings.TrimSpace(string(committed)) != strings.TrimSpace(out) {
			t.Errorf("%s is stale: run `make generate` and commit the result", file)
		}
	}
}

func TestCLI_BadConfiguration_FailsWithAnActionableMessage(t *testing.T) {
	t.Parallel()
	_, errOut, err := runMain(t, "--azure-tenant-id", "not/valid", "--azure-client-id", "da8a657a-064c-4a6e-b9d8-f8216b2badaa",
		"--azure-client-secret", "topsecret-value", "-f", "x.c1z")
	if err == nil {
		t.Fatal("a malformed tenant id was accepted")
	}
	if !strings.Contains(errOut, "is not a tenant id") {
		t.Errorf("stderr lacks the reason:\n%s", errOut)
	}
	if strings.Contains(errOut, "topsecret-value") {
		t.Error("the client secret appears in the output")
	}
	_, errOut, err = runMain(t, "--azure-client-secret", "a", "--use-managed-identity", "-f", "x.c1z")
	if err == nil || !strings.Contains(errOut, "none of the others can be") {
		t.Fatalf("conflicting credentials: err=%v\n%s", err, errOut)
	}
}

func TestPermissions_ManifestFollowsTheOptions(t *testing.T) {
	t.Parallel()
	out, errOut, err := runMain(t, "permissions", "--json")
	if err != nil {
		t.Fatalf("permissions: %v\n%s", err, errOut)
	}
	var full struct {
		Graph []string `json:"graph_application_permissions"`
		Azure []string `json:"azure_roles"`
	}
	if err := json.Unmarshal([]byte(out), &full); err != nil {
		t.Fatal(err)
	}
	has := func(list []string, p string) bool {
		for _, x := range list {
			if x == p {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"User.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory", "AuditLog.Read.All",
		"RoleEligibilitySchedule.Read.Directory", "PrivilegedEligibilitySchedule.Read.AzureADGroup"} {
		if !has(full.Graph, p) {
			t.Errorf("default manifest lacks %s: %v", p, full.Graph)
		}
	}
	if has(full.Graph, "MailboxSettings.Read") || len(full.Azure) == 0 {
		t.Errorf("default manifest: %+v", full)
	}
	for _, p := range full.Graph {
		if strings.Contains(p, "ReadWrite") {
			t.Errorf("read-only manifest asks for %s", p)
		}
	}
	out, _, err = runMain(t, "permissions", "--json", "--skip-entra-id-p2-license-features", "--mailboxSettings", "--entra-only")
	if err != nil {
		t.Fatal(err)
	}
	var small struct {
		Graph []string `json:"graph_application_permissions"`
		Azure []string `json:"azure_roles"`
	}
	if err := json.Unmarshal([]byte(out), &small); err != nil {
		t.Fatal(err)
	}
	if has(small.Graph, "AuditLog.Read.All") || has(small.Graph, "RoleEligibilitySchedule.Read.Directory") ||
		!has(small.Graph, "MailboxSettings.Read") || len(small.Azure) != 0 {
		t.Errorf("manifest with P2 skipped, mailbox on, Entra only: %+v", small)
	}
}

func TestPermissions_ProvisioningAddsTheWriteSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args        []string
		want, avoid []string
	}{
		{[]string{"--provisioning"}, []string{"GroupMember.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "LicenseAssignment.ReadWrite.All",
			"User.ReadWrite.All", "RoleEligibilitySchedule.ReadWrite.Directory", "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
			"User.Read.All"}, nil},
		{[]string{"--provisioning", "--skip-entra-id-p2-license-features"}, []string{"RoleManagement.ReadWrite.Directory"},
			[]string{"RoleEligibilitySchedule.ReadWrite.Directory", "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"}},
	} {
		out, errOut, err := runMain(t, append([]string{"permissions", "--json"}, tc.args...)...)
		if err != nil {
			t.Fatalf("permissions %v: %v\n%s", tc.args, err, errOut)
		}
		var m struct {
			Graph []string `json:"graph_application_permissions"`
			Azure []string `json:"azure_roles"`
		}
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		for _, p := range tc.want {
			if !slices.Contains(m.Graph, p) {
				t.Errorf("permissions %v lacks %s: %v", tc.args, p, m.Graph)
			}
		}
		for _, p := range tc.avoid {
			if slices.Contains(m.Graph, p) {
				t.Errorf("permissions %v asks for %s, which it does not need", tc.args, p)
			}
		}
		if !slices.ContainsFunc(m.Azure, func(r string) bool { return strings.HasPrefix(r, "User Access Administrator") }) {
			t.Errorf("permissions %v names no Azure role that can write assignments: %v", tc.args, m.Azure)
		}
	}
}
