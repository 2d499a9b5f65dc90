package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/baton-azure/baton-azure/internal/c1zread"
)

// TestDemo_SyncsTinyWithTheRealBinary builds baton-azure, runs the demo against azsim's tiny tenant (the
// connector as a separate process, secret through the environment) and checks the summary.
func TestDemo_SyncsTinyWithTheRealBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the baton-azure binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "baton-azure")
	build := exec.Command("go", "build", "-o", bin, "../baton-azure")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--dir", filepath.Join(dir, "demo"), "--baton-azure", bin, "--preset", "tiny", "--latency", "off"}, &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"sync complete", "Global Administrators (active):", "Global Administrators (eligible, PIM):",
		"Subscription Owners (active):", "Try next"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	// The tiny tenant has 24 users; the summary counts what the file holds.
	if !strings.Contains(text, "  user                         24\n") {
		t.Errorf("demo summary does not count the 24 users of tiny:\n%s", text)
	}
	if strings.Contains(text, "(none)") && strings.Index(text, "(none)") < strings.Index(text, "Subscription Owners") {
		t.Errorf("tiny has Global Administrators, active and eligible, but the summary shows none:\n%s", text)
	}
	// The client secret and bearer tokens never reach the connector's log.
	endpoints, err := os.ReadFile(filepath.Join(dir, "demo", "azsim", "endpoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(endpoints, &e); err != nil || e.ClientSecret == "" {
		t.Fatalf("endpoints.json: %v", err)
	}
	logText, err := os.ReadFile(filepath.Join(dir, "demo", "sync.log"))
	if err != nil {
		t.Fatal(err)
	}
	jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.`)
	if bytes.Contains(logText, []byte(e.ClientSecret)) || jwt.Match(logText) {
		t.Error("the sync log contains the client secret or a JWT")
	}
	info, err := os.Stat(filepath.Join(dir, "demo", "sync.c1z"))
	if err != nil || info.Size() == 0 {
		t.Fatalf("demo/sync.c1z: %v", err)
	}
	t.Logf("demo c1z %s bytes", strconv.FormatInt(info.Size(), 10))

	c1z := filepath.Join(dir, "demo", "sync.c1z")
	f, err := c1zread.Read(context.Background(), c1z, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("progress", func(t *testing.T) { checkProgress(t, text) })
	t.Run("baton CLI commands", func(t *testing.T) {
		for _, want := range []string{"bin/baton -f " + c1z + " stats", "bin/baton -f " + c1z + " resources -t user",
			"bin/baton -f " + c1z + " grants -e directory_role:" + globalAdministrator + ":assigned"} {
			if !strings.Contains(text, want) {
				t.Errorf("the demo does not suggest %q:\n%s", want, text)
			}
		}
	})
	t.Run("provisioning example names real ids", func(t *testing.T) { checkExample(t, text, c1z, f) })
	t.Run("env prints the provisioner's variables", func(t *testing.T) {
		var env bytes.Buffer
		if err := runEnv([]string{"--state-dir", filepath.Join(dir, "demo", "azsim"), "--app", "baton-azure-provisioner"}, &env); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"BATON_AZURE_TENANT_ID", "BATON_AZURE_CLIENT_ID", "BATON_AZURE_CLIENT_SECRET",
			"BATON_AUTHORITY_HOST", "BATON_GRAPH_DOMAIN", "BATON_ARM_ENDPOINT", "BATON_CA_FILE"} {
			if !regexp.MustCompile(`(?m)^export ` + name + `='[^']+'$`).MatchString(env.String()) {
				t.Errorf("azdemo env lacks %s:\n%s", name, env.String())
			}
		}
		if strings.Contains(env.String(), e.ClientSecret) {
			t.Error("azdemo env --app baton-azure-provisioner printed the reader's secret")
		}
		err := runEnv([]string{"--state-dir", filepath.Join(dir, "demo", "azsim"), "--app", "nope"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "baton-azure-provisioner") {
			t.Errorf("an unknown app should be refused naming the known ones, got %v", err)
		}
	})
}

// checkProgress: without a terminal the demo logs one plain line per phase and resource type, each with the
// elapsed time, the resource count and the requests served so far, then the resources synced per type.
func checkProgress(t *testing.T, text string) {
	t.Helper()
	progressLine := regexp.MustCompile(`(?m)^\[ *\d+\.\ds\] (resources|entitlements|grants|expanding grants) +(\S+( \d+/\d+)? +)?resources (\d+) \(\d+ types\), requests (\d+)$`)
	seen := map[string]bool{}
	lastRequests := -1
	for _, m := range progressLine.FindAllStringSubmatch(text, -1) {
		seen[m[1]] = true
		n, _ := strconv.Atoi(m[5])
		if n < lastRequests {
			t.Errorf("request count went down: %q after %d", m[0], lastRequests)
		}
		lastRequests = n
	}
	for _, phase := range []string{"resources", "entitlements", "grants"} {
		if !seen[phase] {
			t.Errorf("no progress line for phase %q:\n%s", phase, text)
		}
	}
	if !regexp.MustCompile(`(?m)^\[ *\d+\.\ds\] resources +user +resources \d+`).MatchString(text) ||
		!regexp.MustCompile(`(?m)^\[ *\d+\.\ds\] grants +group \d+/12 +resources`).MatchString(text) {
		t.Errorf("no progress line names the user resource type or the grants of tiny's 12 groups:\n%s", text)
	}
	if !regexp.MustCompile(`synced resources: .*\buser=24\b`).MatchString(text) {
		t.Errorf("the final counts do not show the 24 users:\n%s", text)
	}
	if strings.Contains(text, "\r") || strings.Contains(text, "\033[") {
		t.Error("a non-terminal output holds terminal control characters")
	}
}

// checkExample: the provisioning example adds an existing enabled user to an existing plain security group
// it is not yet a member of, both named by ids found in the synced file.
func checkExample(t *testing.T, text, c1z string, f *c1zread.File) {
	t.Helper()
	m := regexp.MustCompile(`bin/baton-azure -f ` + regexp.QuoteMeta(c1z) + ` --grant-entitlement group:([0-9a-f-]{36}):member \\\n +--grant-principal ([0-9a-f-]{36}) --grant-principal-type user`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no grant example with ids:\n%s", text)
	}
	groupID, userID := m[1], m[2]
	var group, user *v2.Resource
	for _, r := range f.Resources {
		switch {
		case r.GetId().GetResourceType() == "group" && r.GetId().GetResource() == groupID:
			group = r
		case r.GetId().GetResourceType() == "user" && r.GetId().GetResource() == userID:
			user = r
		}
	}
	if group == nil || user == nil {
		t.Fatalf("the example's group %s (found %v) or user %s (found %v) is not in the demo c1z", groupID, group != nil, userID, user != nil)
	}
	if !plainSecurityGroup(group) {
		t.Errorf("the example's group %s is not a plain security group: %v", groupID, group)
	}
	for _, g := range f.Grants {
		if g.GetEntitlement().GetId() == "group:"+groupID+":member" && g.GetPrincipal().GetId().GetResource() == userID {
			t.Errorf("the example grants a membership the user already has: %s", g.GetId())
		}
	}
	if !strings.Contains(text, "add "+user.GetDisplayName()+" to the security group "+group.GetDisplayName()) {
		t.Errorf("the example does not name the user and group:\n%s", text)
	}
	if !strings.Contains(text, `eval "$(bin/azdemo env --app baton-azure-provisioner)"`) {
		t.Errorf("the example does not say how to authenticate as the provisioner:\n%s", text)
	}
}
