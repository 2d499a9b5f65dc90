package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// oneShotTaskFlags select a one-shot task other than a sync (baton-sdk's cli.MakeMainCommand); with any of
// them set, -f is not the output of a sync and is left alone.
var oneShotTaskFlags = []string{"grant-entitlement", "revoke-grant", "event-feed", "create-account-profile", "create-account-login",
	"create-account-email", "invoke-action", "list-action-schemas", "delete-resource", "delete-resource-type", "rotate-credentials",
	"rotate-credentials-type", "create-ticket", "bulk-create-ticket", "list-ticket-schemas", "get-ticket", "diff-syncs", "compact-syncs"}

// innerDoneEnv, set by the outer process for every one-shot run, names the marker file the inner process
// creates when — and only when — baton-sdk reported success; innerFileEnv, set for a sync, makes the inner
// process sync into that file instead of -f.
const (
	innerDoneEnv = "BATON_AZURE_ONESHOT_DONE"
	innerFileEnv = "BATON_AZURE_ONESHOT_FILE"
)

// isServiceMode reports whether the command line runs the connector as a ConductorOne service.
func isServiceMode(v *viper.Viper) bool {
	return v.GetString("client-id") != ""
}

// isOneShotSync reports whether the command line asks for a one-shot sync into -f (not service mode, not
// another task).
func isOneShotSync(v *viper.Viper) bool {
	if isServiceMode(v) {
		return false
	}
	for _, f := range oneShotTaskFlags {
		if v.IsSet(f) && v.GetString(f) != "" && v.GetString(f) != "false" {
			return false
		}
	}
	return v.GetString("file") != ""
}

// guardOneShotRuns makes one-shot runs exit 0 only when they succeeded, and makes a one-shot sync leave the
// file at -f untouched unless it succeeds.
//
// baton-sdk v0.25.0 calls os.Exit(0) from a goroutine when its connector subprocess is stopped at the end
// of a run (internal/connector.wrapper.runServer), which races with the caller: a failed sync, grant or
// revoke could exit 0, and a successful sync could exit before its file is in place. So a one-shot run
// happens in a child process (this binary again, with innerDoneEnv and, for a sync, innerFileEnv set)
// that creates a marker file only after baton-sdk returned success; the parent exits 0 only when the
// marker exists. When
// the race cut a failed child short, the parent still exits with the error's gRPC code: baton-sdk logs the
// task's error before it stops the connector subprocess, and the parent reads it from the child's stderr
// (exitcode.go).
//
// baton-sdk also writes its c1z on close even when the sync failed (to resume it later), which would
// replace the last good sync at -f with an unfinished one. Instead the sync runs in FILE.partial — a copy
// of FILE when there is no partial yet, so SQLite files keep their sync history — and only a finished sync
// is renamed over FILE. A failed sync's FILE.partial is kept: the next run resumes it.
func guardOneShotRuns(cmd *cobra.Command, v *viper.Viper) {
	run := cmd.RunE
	if run == nil {
		return
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		// baton-sdk's main command binds its flags to v when it runs; bind them first to read them here.
		if err := v.BindPFlags(c.Flags()); err != nil {
			return err
		}
		if marker := os.Getenv(innerDoneEnv); marker != "" {
			if file := os.Getenv(innerFileEnv); file != "" {
				v.Set("file", file)
			}
			if err := run(c, args); err != nil {
				return err
			}
			return os.WriteFile(marker, nil, 0o600)
		}
		switch {
		case isServiceMode(v):
			return run(c, args)
		case isOneShotSync(v):
			return syncInChild(v.GetString("file"))
		default:
			return taskInChild()
		}
	}
}

// syncInChild runs a one-shot sync into out.partial in a child process and renames it over out when the
// child reported success; otherwise it exits with the error's code, leaving out untouched.
func syncInChild(out string) error {
	partial := out + ".partial"
	done := partial + ".done"
	seeded, err := seedPartial(out, partial)
	if err != nil {
		return fmt.Errorf("baton-azure: preparing %s: %w", partial, err)
	}
	if err := os.Remove(done); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	stderr := &taskErrorScanner{out: os.Stderr}
	code, err := runInner(stderr, innerFileEnv+"="+partial, innerDoneEnv+"="+done)
	if err != nil {
		return fmt.Errorf("baton-azure: running the sync: %w", err)
	}
	if _, err := os.Stat(done); err == nil {
		_ = os.Remove(done)
		if err := os.Rename(partial, out); err != nil {
			return fmt.Errorf("baton-azure: the sync finished in %s but could not replace %s: %w", partial, out, err)
		}
		return nil
	}
	if seeded != nil && unchanged(partial, seeded) {
		_ = os.Remove(partial) // nothing was written (bad input, failed validation): drop the copy
		fmt.Fprintf(os.Stderr, "baton-azure: the sync did not complete; %s is unchanged\n", out)
	} else {
		fmt.Fprintf(os.Stderr, "baton-azure: the sync did not complete; %s is unchanged and the unfinished sync is kept in %s "+
			"(the next run resumes it)\n", out, partial)
	}
	os.Exit(failureCode(stderr, code))
	return nil
}

// taskInChild runs a one-shot task other than a sync in a child process and returns nil when the child
// reported success; otherwise it exits with the error's code.
func taskInChild() error {
	dir, err := os.MkdirTemp("", "baton-azure-task-")
	if err != nil {
		return fmt.Errorf("baton-azure: preparing the run: %w", err)
	}
	marker := filepath.Join(dir, "done")
	stderr := &taskErrorScanner{out: os.Stderr}
	code, err := runInner(stderr, innerDoneEnv+"="+marker)
	_, statErr := os.Stat(marker)
	_ = os.RemoveAll(dir)
	if err != nil {
		return fmt.Errorf("baton-azure: running the task: %w", err)
	}
	if statErr == nil {
		return nil
	}
	os.Exit(failureCode(stderr, code))
	return nil
}

// failureCode is the exit code of a child that did not report success: the gRPC code of the task error it
// logged, else its own exit code, else (it exited 0 without reporting success) 1.
func failureCode(stderr *taskErrorScanner, code int) int {
	if logged, ok := stderr.Code(); ok {
		return logged
	}
	if code == 0 {
		return 1
	}
	return code
}

// runInner runs this binary again with the same arguments and env (innerDoneEnv and innerFileEnv
// assignments) added, with its stderr written to stderr, and returns its exit code. SIGINT and SIGTERM are
// passed on; on Linux the child dies with this process.
func runInner(stderr io.Writer, env ...string) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	child := exec.Command(self, os.Args[1:]...) // #nosec G204 -- this binary with its own arguments
	child.Env = append(os.Environ(), env...)
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, stderr
	// The connector subprocess shares the pipe; do not wait long for it once the child is gone.
	child.WaitDelay = 5 * time.Second
	child.SysProcAttr = childProcAttr()
	// Linux sends the parent-death signal when the thread that started the child exits: keep it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := child.Start(); err != nil {
		return 0, err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			_ = child.Process.Signal(s)
		}
	}()
	err = child.Wait()
	if state := child.ProcessState; state != nil && (err == nil || errors.Is(err, exec.ErrWaitDelay) || errors.As(err, new(*exec.ExitError))) {
		// The child exited (a lingering connector subprocess holding stderr open is not an error of the sync).
		switch code := state.ExitCode(); {
		case code > 0:
			return code, nil
		case code < 0:
			return 1, nil // killed by a signal
		}
		return 0, nil
	}
	return 0, err
}

// seedPartial copies out to partial when partial does not exist yet (an existing partial is an
// unfinished sync to resume) and returns the copy's file info (nil when nothing was copied).
func seedPartial(out, partial string) (fs.FileInfo, error) {
	if _, err := os.Stat(partial); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	src, err := os.Open(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()
	tmp := partial + ".copy"
	dst, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, partial); err != nil {
		return nil, err
	}
	return os.Stat(partial)
}

// unchanged reports whether path is still the file described by before (same size and modification time).
func unchanged(path string, before fs.FileInfo) bool {
	now, err := os.Stat(path)
	return err == nil && now.Size() == before.Size() && now.ModTime().Equal(before.ModTime())
}
