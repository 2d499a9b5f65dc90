package reliability

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/internal/groundtruth"
	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// sdkTempPrefixes name the working directories baton-sdk itself makes in TMPDIR (dotc1z's unpacked
// Pebble and SQLite copies); a killed process cannot remove them. Anything else left behind is ours.
var sdkTempPrefixes = []string{"c1z-"}

func isSDKTemp(name string) bool {
	for _, p := range sdkTempPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TestKill9_AtRandomPoints_RerunProducesTheCompleteFile kills the real sync (the whole process group:
// baton-sdk runs the connector as a child process) with SIGKILL at a random point, for several seeds, then
// reruns it into the same output path: the rerun's file equals the ground truth, the killed run left no
// file at -f (or the previous one, unchanged), and neither run left anything of ours in its private TMPDIR.
func TestKill9_AtRandomPoints_RerunProducesTheCompleteFile(t *testing.T) {
	t.Parallel()
	seeds := []uint64{1, 2, 3}
	if soak() {
		seeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 30 + seed})
			dir := t.TempDir()
			out := filepath.Join(dir, "sync.c1z")
			env := "BATON_AZURE_CLIENT_SECRET=" + e.ClientSecret
			// Odd seeds start with a previous good file at -f, which the killed run must leave as it was.
			var prev []byte
			if seed%2 == 1 {
				prev = previousFile(t)
				if err := os.WriteFile(out, prev, 0o600); err != nil {
					t.Fatal(err)
				}
			}

			cmd, _, errOut, tmp := command(t, connectorArgs(e, out), env)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Kill once azsim has served a random number of requests (0–150 of tiny's ~170), or after
			// 60 s: a point anywhere from start-up to the end of the grants.
			r := rand.New(rand.NewPCG(seed, 99))
			at := int64(r.IntN(150))
			deadline := time.Now().Add(60 * time.Second)
			for s.Stats().Requests < at && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			served := s.Stats().Requests
			if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill -9: %v", err)
			}
			werr := cmd.Wait()
			if werr == nil {
				t.Logf("the sync finished before the kill at %d requests", served)
			} else {
				t.Logf("killed after %d requests (%v)", served, werr)
			}
			if werr != nil {
				got, err := os.ReadFile(out)
				switch {
				case prev == nil && err == nil:
					t.Errorf("the killed run left a file at %s (only a finished sync may be there)", out)
				case prev != nil && !bytes.Equal(got, prev):
					t.Errorf("the killed run changed the previous file at %s (err %v)", out, err)
				}
			}
			for _, name := range leftovers(t, tmp) {
				if !isSDKTemp(name) {
					t.Errorf("the killed run left %s in its TMPDIR (not baton-sdk's)", name)
				} else {
					t.Logf("the killed run left baton-sdk's %s in its TMPDIR", name)
				}
			}
			_ = errOut

			rerun := runBinary(t, connectorArgs(e, out), env)
			if rerun.Err != nil {
				t.Fatalf("rerun: %v\n%s", rerun.Err, tail(rerun.Stderr, 3000))
			}
			assertTruth(t, s, out, groundtruth.Options{})
			if left := leftovers(t, rerun.TmpDir); len(left) > 0 {
				t.Errorf("the rerun left %v in its TMPDIR", left)
			}
			if _, err := os.Stat(out + ".partial"); err == nil {
				t.Errorf("%s.partial is still there after a finished sync", out)
			}
		})
	}
}
