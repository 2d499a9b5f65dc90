package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func TestChurn_CLI_PostsToTheAdminPlaneAndPrintsTheSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := azsim.New(azsim.Options{Preset: "tiny", StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var before int
	s.ReadWorld(func(w *world.World) { before = len(w.Users) })
	var out, errb bytes.Buffer
	err = run(context.Background(), []string{"churn", "--state-dir", dir, "--users", "10", "--memberships", "10", "--seed", "4"}, &out, &errb)
	if err != nil {
		t.Fatalf("azsim churn: %v\n%s", err, errb.String())
	}
	var sum azsim.ChurnSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || sum.Seed != 4 || len(sum.UsersAdded) == 0 || len(sum.MembershipsAdded) == 0 {
		t.Fatalf("summary: %v %s", err, out.String())
	}
	if !strings.Contains(errb.String(), "churn seed=4") {
		t.Fatalf("stderr: %s", errb.String())
	}
	var after int
	s.ReadWorld(func(w *world.World) { after = len(w.Users) })
	if after != before+len(sum.UsersAdded)-len(sum.UsersRemoved) {
		t.Fatalf("users %d -> %d, summary +%d -%d", before, after, len(sum.UsersAdded), len(sum.UsersRemoved))
	}
	// --url and --ca work without a state directory; bad input is an error.
	out.Reset()
	if err := run(context.Background(), []string{"churn", "--url", s.AdminURL(), "--ca", filepath.Join(dir, "ca.pem"), "--rbac", "10"}, &out, &errb); err != nil {
		t.Fatalf("--url/--ca: %v", err)
	}
	if err := run(context.Background(), []string{"churn", "--url", s.AdminURL(), "--ca", filepath.Join(dir, "ca.pem"), "--users", "200"}, &out, &errb); err == nil {
		t.Fatal("--users 200 accepted")
	}
	if err := run(context.Background(), []string{"churn"}, &out, &errb); err == nil {
		t.Fatal("churn without --url accepted")
	}
	_ = os.Remove(filepath.Join(dir, "endpoints.json"))
}
