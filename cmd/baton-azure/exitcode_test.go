package main

import (
	"bytes"
	"strings"
	"testing"
)

// Lines as baton-sdk v0.25.0 logs them (captured from real runs, shortened after the status).
const (
	jsonTaskError = `{"level":"error","ts":1795321041.047299,"caller":"connectorrunner/runner.go:266","msg":"runner: error processing on-demand task",` +
		`"error":"runner: error processing task: rpc error: code = FailedPrecondition desc = validate failed: rpc error: code = FailedPrecondition desc = baton-azure: tls"}`
	consoleTaskError = "2026-11-22T04:19:03.540Z\tERROR\tconnectorrunner/runner.go:266\trunner: error processing on-demand task\t" +
		`{"error": "runner: error processing task: rpc error: code = Unauthenticated desc = validate failed: rpc error: code = Unauthenticated desc = bad secret"}`
	otherError = `{"level":"error","msg":"ratelimit: error running client request","error":"rpc error: code = NotFound desc = x"}`
)

func TestTaskErrorExitCode_IsTheCodeLogExitGivesTheLoggedError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, line string
		code       int
		found      bool
	}{
		{"json", jsonTaskError, 9, true},
		{"console", consoleTaskError, 16, true},
		{"status OK is not success", `"msg":"runner: error processing on-demand task","error":"rpc error: code = OK desc = ?"`, 13, true},
		{"unknown status name", `runner: error processing on-demand task {"error": "rpc error: code = Bogus desc = ?"}`, 2, true},
		{"cancelled", `runner: error processing on-demand task {"error": "sync: context canceled"}`, 1, true},
		{"deadline", `runner: error processing on-demand task {"error": "sync: context deadline exceeded"}`, 4, true},
		{"plain error", `runner: error processing on-demand task {"error": "disk full"}`, 2, true},
		{"other message", otherError, 0, false},
	} {
		code, found := taskErrorExitCode(tc.line)
		if code != tc.code || found != tc.found {
			t.Errorf("%s: got (%d, %v), want (%d, %v)", tc.name, code, found, tc.code, tc.found)
		}
	}
}

func TestTaskErrorScanner_PassesStderrThroughAndKeepsTheLastTaskError(t *testing.T) {
	t.Parallel()
	stream := otherError + "\n" + consoleTaskError + "\nsome plain text\n" + jsonTaskError + "\n" + otherError
	var out bytes.Buffer
	s := &taskErrorScanner{out: &out}
	// Fragments that split lines (and the status) anywhere.
	for rest := stream; rest != ""; {
		n := min(7, len(rest))
		if _, err := s.Write([]byte(rest[:n])); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if out.String() != stream {
		t.Errorf("stderr was not passed through unchanged")
	}
	if code, ok := s.Code(); code != 9 || !ok {
		t.Errorf("Code() = (%d, %v), want (9, true): the last task error is the JSON FailedPrecondition", code, ok)
	}

	quiet := &taskErrorScanner{out: &out}
	if _, err := quiet.Write([]byte(otherError + "\n" + strings.Repeat("x", 2*maxScannedLine) + "\n")); err != nil {
		t.Fatal(err)
	}
	if code, ok := quiet.Code(); ok {
		t.Errorf("Code() = %d without a task error", code)
	}
}

func TestTaskErrorScanner_FinalLineWithoutNewlineCounts(t *testing.T) {
	t.Parallel()
	s := &taskErrorScanner{out: &bytes.Buffer{}}
	if _, err := s.Write([]byte(consoleTaskError)); err != nil {
		t.Fatal(err)
	}
	if code, ok := s.Code(); code != 16 || !ok {
		t.Errorf("Code() = (%d, %v), want (16, true)", code, ok)
	}
}
