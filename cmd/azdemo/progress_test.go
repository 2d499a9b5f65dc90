package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgress_FollowsBatonSDKLogLines feeds the progress display the log lines baton-sdk writes and checks
// the phase, resource type and counts it shows.
func TestProgress_FollowsBatonSDKLogLines(t *testing.T) {
	t.Parallel()
	p := newProgress()
	steps := []struct {
		line    string
		changed bool
		want    string
	}{
		{`{"level":"info","msg":"Syncing resources..."}`, true, "resources        resources 0 (0 types), requests 7"},
		{`{"level":"info","msg":"Synced resources","resource_type_id":"user","count":24}`, true, "resources        user                               resources 24 (1 types), requests 7"},
		{`{"level":"info","msg":"Synced resources","resource_type_id":"group","count":12}`, true, "resources        group                              resources 36 (2 types), requests 7"},
		{`not json`, false, "resources        group                              resources 36 (2 types), requests 7"},
		{`{"level":"info","msg":"Syncing grants...","synced":3}`, true, "grants           resources 36 (2 types), requests 7"},
		{`{"level":"info","msg":"Syncing grants","resource_type_id":"group","synced":5}`, true, "grants           group 5/12                         resources 36 (2 types), requests 7"},
		{`{"level":"info","msg":"Synced grants","resource_type_id":"group","count":12,"total":12}`, false, "grants           group 12/12                        resources 36 (2 types), requests 7"},
		{`{"level":"info","msg":"Synced entitlements","resource_type_id":"user","count":24,"total":24}`, true, "entitlements     user 24/24                         resources 36 (2 types), requests 7"},
		{`{"level":"info","msg":"Sync complete."}`, true, "complete         resources 36 (2 types), requests 7"},
	}
	for _, s := range steps {
		if got := p.observe([]byte(s.line)); got != s.changed {
			t.Errorf("observe(%s) changed = %v, want %v", s.line, got, s.changed)
		}
		if got := p.line(7, 1500*time.Millisecond); got != "[  1.5s] "+s.want {
			t.Errorf("after %s:\n got %q\nwant %q", s.line, got, "[  1.5s] "+s.want)
		}
	}
	if got := p.resourceCounts(); got != "group=12 user=24" {
		t.Errorf("resourceCounts = %q", got)
	}
}

// TestFollower_ReturnsOnlyWholeLines: a line the connector is still writing waits for its newline.
func TestFollower_ReturnsOnlyWholeLines(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	r := &growing{b: &buf}
	f := newFollower(r)
	buf.WriteString("one\ntw")
	if got := f.lines(); len(got) != 1 || string(got[0]) != "one\n" {
		t.Fatalf("lines = %q", got)
	}
	buf.WriteString("o\n")
	if got := f.lines(); len(got) != 1 || string(got[0]) != "two\n" {
		t.Fatalf("lines = %q", got)
	}
	if got := f.lines(); len(got) != 0 {
		t.Fatalf("lines = %q", got)
	}
}

// growing reads what has been written to b so far, like a log file another process appends to.
type growing struct {
	b   *strings.Builder
	off int
}

func (g *growing) Read(p []byte) (int, error) {
	s := g.b.String()[g.off:]
	if s == "" {
		return 0, io.EOF
	}
	n := copy(p, s)
	g.off += n
	return n, nil
}

// TestFollow_LiveLineOnATerminalPlainLinesOtherwise runs the display over a finished log: on a terminal it
// rewrites one line (carriage return, erase line) and ends with a newline; otherwise it writes plain lines.
func TestFollow_LiveLineOnATerminalPlainLinesOtherwise(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "sync.log")
	content := `{"msg":"Syncing resources..."}
{"msg":"Synced resources","resource_type_id":"user","count":24}
{"msg":"Syncing grants","resource_type_id":"group","synced":3}
{"msg":"Sync complete."}
`
	if err := os.WriteFile(log, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, live := range []bool{true, false} {
		done := make(chan error, 1)
		done <- nil
		var out strings.Builder
		if err := follow(&out, live, log, done, func() int64 { return 42 }, time.Now()); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		hasControl := strings.Contains(text, "\r\033[K")
		if hasControl != live || !strings.HasSuffix(text, "synced resources: user=24\n") || !strings.Contains(text, "requests 42") {
			t.Errorf("live=%v: output %q", live, text)
		}
		if !live && strings.Count(text, "\n") != 5 { // resources, resources/user, grants/group, complete, the counts
			t.Errorf("plain output should have one line per change and the counts: %q", text)
		}
	}
	done := make(chan error, 1)
	done <- errors.New("exit status 7")
	if err := follow(io.Discard, false, log, done, func() int64 { return 0 }, time.Now()); err == nil || !strings.Contains(err.Error(), log) {
		t.Errorf("a failed connector: %v, want an error naming the log", err)
	}
}
