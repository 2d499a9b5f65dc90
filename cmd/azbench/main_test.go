package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/internal/groundtruth"
	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// TestBench_Tiny builds baton-azure, benchmarks a sync of azsim's tiny tenant with it (latency and
// throttling off) and checks the report: counts, equality with the ground truth, memory, requests.
func TestBench_Tiny(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the baton-azure binary and runs a sync")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "baton-azure")
	build := exec.Command("go", "build", "-o", bin, "../baton-azure")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "bench")
	jsonPath := filepath.Join(dir, "report.json")
	// An unfinished sync left by an earlier run must not be resumed: the run starts from nothing.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "sync.c1z.partial"), []byte("not a c1z"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	r, code, err := run(context.Background(), "azbench (test)", []string{"--preset", "tiny", "--profile", "off", "--throttle", "off",
		"--baton-azure", bin, "--out", out, "--json", jsonPath, "--workers", "2"}, &stdout, &stderr)
	if err != nil || code != exitOK {
		t.Fatalf("azbench: exit %d, %v\nstderr:\n%s\nstdout:\n%s", code, err, stderr.String(), stdout.String())
	}
	if !r.OK || r.WallS <= 0 {
		t.Errorf("report: ok %v, wall %v s", r.OK, r.WallS)
	}
	// The tiny tenant: 24 users, 12 groups; everything else non-empty.
	if r.Counts == nil || r.Counts.ResourcesByType["user"] != 24 || r.Counts.ResourcesByType["group"] != 12 ||
		r.Counts.Entitlements == 0 || r.Counts.Grants == 0 || r.Counts.DerivedGrants == 0 {
		t.Errorf("counts = %+v", r.Counts)
	}
	if r.Truth == nil || !r.Truth.Equal {
		t.Errorf("truth = %+v, want equal", r.Truth)
	}
	if procAvailable {
		if r.Memory.PeakSumBytes <= 0 || len(r.Memory.Processes) < 2 {
			t.Errorf("memory = %+v, want a peak and the parent and connector processes", r.Memory)
		}
		// The processes share the binary's pages: their PSS sum is below their RSS sum.
		if r.Memory.PeakPSSSumBytes <= 0 || r.Memory.PeakPSSSumBytes >= r.Memory.PeakSumBytes {
			t.Errorf("peak PSS sum %d, want between 0 and the RSS sum %d", r.Memory.PeakPSSSumBytes, r.Memory.PeakSumBytes)
		}
		child := false
		for _, p := range r.Memory.Processes {
			child = child || (strings.Contains(p.Cmd, "_connector-service") && p.PeakRSSBytes > 0)
		}
		if !child {
			t.Errorf("no measured _connector-service child among %+v", r.Memory.Processes)
		}
	}
	if r.Requests.ByService["graph"].Requests == 0 || r.Requests.ByService["arm"].Requests == 0 || r.Graph.RU == 0 ||
		r.Graph.PhaseS <= 0 || r.Graph.Utilisation <= 0 {
		t.Errorf("requests %+v, graph %+v", r.Requests.ByService, r.Graph)
	}
	if r.Log == nil || r.Log.WorkerCount != 2 || len(r.Log.StepDurationsMs) == 0 || len(r.Log.Phases) == 0 {
		t.Errorf("log = %+v, want phases, step durations and 2 workers", r.Log)
	}
	if r.C1Z.Bytes == 0 {
		t.Error("c1z size 0")
	}
	// The JSON report is the same report.
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Counts == nil || back.Counts.Grants != r.Counts.Grants || back.Truth == nil || !back.Truth.Equal {
		t.Errorf("report.json does not match: %+v", back.Counts)
	}
	md := stdout.String()
	for _, want := range []string{"# azbench: tiny tenant", "equals ground truth: yes", "## Graph budget", "_connector-service",
		"| user | 24 |", "machine |", "git commit |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// The secret never reaches the command line (it goes through the environment).
	for _, p := range r.Memory.Processes {
		if strings.Contains(p.Cmd, "client-secret") {
			t.Errorf("secret on a command line: %s", p.Cmd)
		}
	}
}

func TestBench_FailedSyncExitsNonZero(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a process")
	}
	// A "binary" that fails at once stands for a failing sync.
	dir := t.TempDir()
	bin := filepath.Join(dir, "fail.sh")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho '{\"level\":\"error\",\"ts\":1,\"msg\":\"boom\"}'\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	r, code, err := run(context.Background(), "azbench (test)", []string{"--preset", "tiny", "--profile", "off", "--baton-azure", bin,
		"--out", filepath.Join(dir, "bench"), "--quiet"}, &stdout, &stderr)
	if code != exitFailed || err == nil || r == nil || r.OK || r.ExitCode != 7 {
		t.Fatalf("exit %d, err %v, report %+v", code, err, r)
	}
	if r.Log == nil || len(r.Log.Errors) != 1 || !strings.Contains(stdout.String(), "FAILED") {
		t.Errorf("log %+v; markdown:\n%s", r.Log, stdout.String())
	}
}

func TestTruthOptions(t *testing.T) {
	o, other := truthOptions([]string{"--disable-rbac-inheritance", "--skip-ad-groups=true", "--skip-unused-roles=false",
		"--skip-sync-storage-containers", "--log-level=debug"})
	want := groundtruth.Options{Inheritance: "off", SkipADGroups: true, SkipContainers: true}
	if o != want || len(other) != 1 || other[0] != "--log-level=debug" {
		t.Errorf("truthOptions = %+v, %v", o, other)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"12GiB": 12 << 30, "1500MiB": 1500 << 20, "2GB": 2e9, "0": 0, "1.5GiB": 3 << 29} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseBytes("lots"); err == nil {
		t.Error("parseBytes(lots): no error")
	}
}

// TestARMReadMeter: reads are what the polls show taken, refill included, and a lower bound when a
// full bucket overflows between polls.
func TestARMReadMeter(t *testing.T) {
	m := newARMReadMeter()
	t0 := time.Unix(1000, 0)
	key := "arm|sub|s1|p|read"
	m.poll([]azsim.BucketState{{Key: key, Capacity: 250, PerSecond: 25, Level: 240}}, t0)                       // 10 taken since creation
	m.poll([]azsim.BucketState{{Key: key, Capacity: 250, PerSecond: 25, Level: 232.5}}, t0.Add(time.Second/10)) // +2.5 refill, 10 taken
	m.poll([]azsim.BucketState{{Key: "arm|sub|s1|p|write", Capacity: 200, PerSecond: 10, Level: 0}}, t0.Add(time.Second/5))
	if got := m.reads["s1"]; got != 20 {
		t.Errorf("reads = %v, want 20", got)
	}
	if m.min["s1"] != 232.5 {
		t.Errorf("min = %v", m.min["s1"])
	}
}

func TestBench_RefusesAnOutputDirectoryInUse(t *testing.T) {
	if !procAvailable {
		t.Skip("the output directory is locked on Linux only")
	}
	out := filepath.Join(t.TempDir(), "bench")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	held, err := lockDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var stdout, stderr bytes.Buffer
	_, code, err := run(context.Background(), "azbench (test)", []string{"--preset", "tiny", "--profile", "off",
		"--baton-azure", os.Args[0], "--out", out, "--quiet"}, &stdout, &stderr)
	if code != exitUsage || err == nil || !strings.Contains(err.Error(), "another azbench is using") {
		t.Fatalf("exit %d, err %v; want a usage error naming the directory in use", code, err)
	}
}
