package reliability

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/baton-azure/baton-azure/internal/c1zread"
	"github.com/baton-azure/baton-azure/internal/groundtruth"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

var (
	goodOnce  sync.Once
	goodBytes []byte
	goodErr   string
)

// previousFile returns the bytes of a good c1z of tiny (seed 21), synced once by the real binary: the
// "previous sync" a failed run must leave untouched.
func previousFile(t *testing.T) []byte {
	t.Helper()
	goodOnce.Do(func() {
		_, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 21})
		path := filepath.Join(t.TempDir(), "good.c1z")
		r := runBinary(t, connectorArgs(e, path), "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret)
		if r.Err != nil {
			goodErr = r.Err.Error() + "\n" + r.Stderr
			return
		}
		goodBytes, _ = os.ReadFile(path)
	})
	if goodBytes == nil {
		t.Fatalf("the good sync failed: %s", goodErr)
	}
	return goodBytes
}

// TestHardFailures_FailNamingTheObjectAndFix_PreviousFileUntouched runs the real binary against failures
// that retrying cannot fix. Each must end the sync with exit code != 0 and an error that names the object
// and what to do, and leave the c1z already at the output path byte-for-byte unchanged and readable.
func TestHardFailures_FailNamingTheObjectAndFix_PreviousFileUntouched(t *testing.T) {
	t.Parallel()
	var sub, subName, group, groupName string
	{
		s, err := azsim.New(azsim.Options{Preset: "tiny", Seed: 21, NoListener: true})
		if err != nil {
			t.Fatal(err)
		}
		s.ReadWorld(func(w *world.World) {
			sub, subName = w.Subscriptions[0].ID, w.Subscriptions[0].DisplayName
			for _, g := range w.Groups {
				if len(g.Owners) > 0 {
					group, groupName = g.ID, g.DisplayName
					break
				}
			}
		})
		s.Close()
	}
	_ = subName
	_ = groupName
	for _, tc := range []struct {
		name   string
		rules  []azsim.FaultRule
		secret string // overrides the right secret
		// manyOwners gives the group enough owners to be read on its own (ownersReadSeparately).
		manyOwners bool
		want       []string // in stderr
		code       int      // exit code: the gRPC code of the error
	}{
		{name: "403 on one subscription", rules: []azsim.FaultRule{{Route: "arm", Path: "/subscriptions/" + sub + "*", Kind: azsim.FaultForbidden}},
			want: []string{sub, "403", "Reader"}, code: 7},
		// (Members are read in delta rounds of 25 groups, owners inline with the group listing unless a group
		// shows 20 — then they are its own read, inside a $batch: the group gets 21 more owners.)
		{name: "403 on one group's owners", manyOwners: true, rules: []azsim.FaultRule{{Route: "graph", Path: "/v1.0/groups/" + group + "/owners*", Kind: azsim.FaultForbidden}},
			want: []string{group, "403", "baton-azure permissions"}, code: 7},
		{name: "invalid client secret", secret: "not-the-secret-0000", want: []string{"AADSTS7000215", "secret"}, code: 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prev := previousFile(t)
			s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 21, FaultRules: tc.rules})
			if tc.manyOwners {
				ownersReadSeparately(t, s, group)
			}
			path := filepath.Join(t.TempDir(), "sync.c1z")
			if err := os.WriteFile(path, prev, 0o600); err != nil {
				t.Fatal(err)
			}
			secret := e.ClientSecret
			if tc.secret != "" {
				secret = tc.secret
			}
			r := runBinary(t, connectorArgs(e, path), "BATON_AZURE_CLIENT_SECRET="+secret)
			if r.Err == nil || r.ExitCode == 0 {
				t.Fatalf("the sync succeeded (exit %d); want a failure\n%s", r.ExitCode, r.Stderr)
			}
			if r.ExitCode != tc.code {
				t.Errorf("exit code %d, want %d", r.ExitCode, tc.code)
			}
			if strings.Contains(r.Stderr, "retrying operation") && tc.code != 0 {
				t.Error("a permanent failure was retried")
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Stderr+r.Stdout, w) {
					t.Errorf("the output does not name %q:\n%s", w, tail(r.Stderr, 3000))
				}
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(after, prev) {
				t.Fatalf("the previous c1z at the output path changed (err %v, %d → %d bytes)", err, len(prev), len(after))
			}
			if _, err := c1zread.Read(context.Background(), path, t.TempDir()); err != nil {
				t.Errorf("the previous c1z is no longer readable: %v", err)
			}
			if !strings.Contains(r.Stderr, path+" is unchanged") {
				t.Errorf("stderr does not say the previous file is unchanged:\n%s", tail(r.Stderr, 1000))
			}
			if tc.rules != nil && s.Stats().Faults["forbidden"] == 0 {
				t.Error("azsim never refused a request: the failure did not happen")
			}
			if left := leftovers(t, r.TmpDir); len(left) > 0 {
				t.Errorf("the failed run left %v in its TMPDIR", left)
			}
		})
	}
}

// TestGroupDeletedMidSync_ItsGrantsAreSkippedWithAWarning answers 404 for the owners of one group, as
// Graph does when the group is deleted between the group list and that read (its members, read in delta
// rounds over 25 groups, then simply no longer come back). baton-azure leaves out that group's grants with
// a warning naming it and goes on with the other reads of the same $batch and page — a NotFound returned
// to baton-sdk would make it skip the whole type-scoped call. The sync succeeds and the file equals the
// ground truth except for exactly that group's owner grants.
func TestGroupDeletedMidSync_ItsGrantsAreSkippedWithAWarning(t *testing.T) {
	t.Parallel()
	binary(t)
	s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 22})
	var group string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if len(g.Owners) > 0 && len(g.Members) > 0 {
				group = g.ID
				break
			}
		}
	})
	if group == "" {
		t.Fatal("tiny has no group with members and owners")
	}
	ownersReadSeparately(t, s, group)
	if err := s.SetFaults("none", azsim.FaultRule{Route: "graph", Path: "/v1.0/groups/" + group + "/owners*", Kind: azsim.FaultNotFound}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	r := runBinary(t, connectorArgs(e, path), "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret)
	if r.Err != nil {
		t.Fatalf("sync: %v\n%s", r.Err, tail(r.Stderr, 3000))
	}
	if !strings.Contains(r.Stderr, group) || !strings.Contains(r.Stderr, "was not found") {
		t.Errorf("no warning names the group %s:\n%s", group, tail(r.Stderr, 3000))
	}
	if st := s.Stats(); st.Faults["not_found"] == 0 {
		t.Fatal("the 404 never fired: the test proves nothing")
	}
	// The file equals the truth of the tenant without that group's owners: the skip is limited to that
	// read; every other read of its batch and page is in the file.
	s.UpdateWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if g.ID == group {
				g.Owners = nil
			}
		}
	})
	assertTruth(t, s, path, groundtruth.Options{})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestFailedSync_RerunResumesFromThePartialFile fails a sync on a permanent 403 (owners of one group),
// lifts the refusal and reruns: baton-sdk resumes the unfinished sync kept in FILE.partial (it logs
// "resumed previous sync"), the file at -f then equals the ground truth and the partial is gone.
func TestFailedSync_RerunResumesFromThePartialFile(t *testing.T) {
	t.Parallel()
	binary(t)
	s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 23})
	var group string
	s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if len(g.Owners) > 0 {
				group = g.ID
			}
		}
	})
	ownersReadSeparately(t, s, group)
	if err := s.SetFaults("none", azsim.FaultRule{Route: "graph", Path: "/v1.0/groups/" + group + "/owners*", Kind: azsim.FaultForbidden}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "sync.c1z")
	env := "BATON_AZURE_CLIENT_SECRET=" + e.ClientSecret
	if r := runBinary(t, connectorArgs(e, out), env); r.Err == nil {
		t.Fatal("the sync succeeded despite the 403")
	}
	if _, err := os.Stat(out + ".partial"); err != nil {
		t.Fatalf("no unfinished sync kept: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the failed sync wrote the output file")
	}
	if err := s.SetFaults("none"); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, connectorArgs(e, out), env)
	if r.Err != nil {
		t.Fatalf("rerun: %v\n%s", r.Err, tail(r.Stderr, 3000))
	}
	if !strings.Contains(r.Stderr, "resumed previous sync") {
		t.Errorf("the rerun did not resume the unfinished sync:\n%s", tail(r.Stderr, 2000))
	}
	assertTruth(t, s, out, groundtruth.Options{})
	if _, err := os.Stat(out + ".partial"); err == nil {
		t.Error("the partial file is still there after the finished sync")
	}
}
