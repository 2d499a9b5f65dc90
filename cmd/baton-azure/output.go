package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// oneShotTaskFlags select a one-shot task other than a sync (baton-sdk's cli.MakeMainCommand); with any of
// them set, -f is not the output of a sync and is left alone.
var oneShotTaskFlags = []string{"grant-entitlement", "revoke-grant", "event-feed", "create-account-profile", "create-account-login",
	"create-account-email", "invoke-action", "list-action-schemas", "delete-resource", "delete-resource-type", "rotate-credentials",
	"rotate-credentials-type", "create-ticket", "bulk-create-ticket", "list-ticket-schemas", "get-ticket", "diff-syncs", "compact-syncs"}

// isOneShotSync reports whether the command line asks for a one-shot sync into -f (not service mode, not
// another task).
func isOneShotSync(v *viper.Viper) bool {
	if v.GetString("client-id") != "" {
		return false
	}
	for _, f := range oneShotTaskFlags {
		if v.IsSet(f) && v.GetString(f) != "" && v.GetString(f) != "false" {
			return false
		}
	}
	return v.GetString("file") != ""
}

// keepPreviousFileOnFailure makes a one-shot sync leave the file at -f untouched unless it succeeds.
// baton-sdk writes its c1z on Close even when the sync failed (to resume it later), which would replace
// the last good sync at -f with an unfinished one. Instead the sync runs in FILE.partial — a copy of FILE
// when there is no partial yet, so SQLite files keep their sync history — and only a finished sync is
// renamed over FILE. A failed sync's FILE.partial is kept: the next run resumes it.
func keepPreviousFileOnFailure(cmd *cobra.Command, v *viper.Viper) {
	run := cmd.RunE
	if run == nil {
		return
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		// baton-sdk's main command binds its flags to v when it runs; bind them first to read them here.
		if err := v.BindPFlags(c.Flags()); err != nil {
			return err
		}
		if !isOneShotSync(v) {
			return run(c, args)
		}
		out := v.GetString("file")
		partial := out + ".partial"
		seeded, err := seedPartial(out, partial)
		if err != nil {
			return fmt.Errorf("baton-azure: preparing %s: %w", partial, err)
		}
		v.Set("file", partial)
		if err := run(c, args); err != nil {
			if seeded != nil && unchanged(partial, seeded) {
				// Nothing was written (bad input, failed validation): drop the copy.
				_ = os.Remove(partial)
				fmt.Fprintf(os.Stderr, "baton-azure: the sync failed; %s is unchanged\n", out)
				return err
			}
			fmt.Fprintf(os.Stderr, "baton-azure: the sync failed; %s is unchanged and the unfinished sync is kept in %s "+
				"(the next run resumes it)\n", out, partial)
			return err
		}
		if err := os.Rename(partial, out); err != nil {
			return fmt.Errorf("baton-azure: the sync finished in %s but could not replace %s: %w", partial, out, err)
		}
		return nil
	}
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
