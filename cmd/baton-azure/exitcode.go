package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
)

// taskErrorMessage is what baton-sdk v0.25.0 logs (connectorrunner, error level) with the error of a failed
// one-shot task — before it stops the connector subprocess, so before the os.Exit(0) race described in
// output.go can end the process. The error is the one exit.LogExit would turn into the exit code.
const taskErrorMessage = "runner: error processing on-demand task"

// maxScannedLine bounds how much of one stderr line is kept for scanning; the status code comes first.
const maxScannedLine = 64 << 10

var rpcCodePattern = regexp.MustCompile(`rpc error: code = ([A-Za-z]+) desc`)

// taskErrorScanner passes the inner process's stderr through unchanged and remembers the exit code
// baton-sdk would have exited with for the last task error it logged, so the outer process can report the
// right code when the inner one was cut short by baton-sdk's os.Exit(0).
type taskErrorScanner struct {
	out io.Writer

	mu   sync.Mutex
	line []byte
	code int // 0: no task error seen
}

func (s *taskErrorScanner) Write(p []byte) (int, error) {
	n, err := s.out.Write(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			s.keep(rest)
			break
		}
		s.keep(rest[:i])
		s.endLine()
		rest = rest[i+1:]
	}
	return n, err
}

func (s *taskErrorScanner) keep(b []byte) {
	if room := maxScannedLine - len(s.line); room > 0 {
		s.line = append(s.line, b[:min(room, len(b))]...)
	}
}

func (s *taskErrorScanner) endLine() {
	if code, ok := taskErrorExitCode(string(s.line)); ok {
		s.code = code
	}
	s.line = s.line[:0]
}

// Code returns the exit code of the last task error logged (false when none was).
func (s *taskErrorScanner) Code() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.line) > 0 {
		s.endLine()
	}
	return s.code, s.code != 0
}

// taskErrorExitCode reads a log line (JSON or console format) and, when it is baton-sdk's task error,
// returns the code exit.LogExit gives that error: the first gRPC status in its chain, else 1 for a
// cancelled context, 4 for a deadline, 2 (Unknown) for anything else.
func taskErrorExitCode(line string) (int, bool) {
	i := strings.Index(line, taskErrorMessage)
	if i < 0 {
		return 0, false
	}
	rest := line[i+len(taskErrorMessage):]
	if m := rpcCodePattern.FindStringSubmatch(rest); m != nil {
		if m[1] == codes.OK.String() {
			return int(codes.Internal), true // as exit.LogExit: an error must not exit 0
		}
		for c := codes.Canceled; c <= codes.Unauthenticated; c++ {
			if c.String() == m[1] {
				return int(c), true
			}
		}
		return int(codes.Unknown), true
	}
	switch {
	case strings.Contains(rest, "context canceled"):
		return int(codes.Canceled), true
	case strings.Contains(rest, "context deadline exceeded"):
		return int(codes.DeadlineExceeded), true
	}
	return int(codes.Unknown), true
}
