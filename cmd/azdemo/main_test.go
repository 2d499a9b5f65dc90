package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
		"Subscription Owners (active):", "Try next:"} {
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
}
