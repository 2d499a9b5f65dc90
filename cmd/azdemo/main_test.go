package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
	info, err := os.Stat(filepath.Join(dir, "demo", "sync.c1z"))
	if err != nil || info.Size() == 0 {
		t.Fatalf("demo/sync.c1z: %v", err)
	}
	t.Logf("demo c1z %s bytes", strconv.FormatInt(info.Size(), 10))
}
