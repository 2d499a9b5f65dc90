package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// progress follows a sync through baton-sdk's JSON log lines (the connector runs as a separate process and
// writes its log to a file): the phase, the resource type being worked on and the counts reported so far.
type progress struct {
	phase        string
	resourceType string
	resources    map[string]int // resources synced per type ("Synced resources")
	done         int            // resources of resourceType whose entitlements or grants are synced
}

func newProgress() *progress {
	return &progress{phase: "starting", resources: map[string]int{}}
}

// logLine is the part of a baton-sdk log line the progress display reads.
type logLine struct {
	Msg          string `json:"msg"`
	ResourceType string `json:"resource_type_id"`
	Count        *int   `json:"count"`
	Synced       *int   `json:"synced"`
}

// phaseOf maps baton-sdk's log messages that start a phase to the phase's name.
func phaseOf(msg string) (string, bool) {
	switch msg {
	case "Syncing resource types...":
		return "resource types", true
	case "Syncing resources...":
		return "resources", true
	case "Syncing entitlements...", "Syncing static entitlements...":
		return "entitlements", true
	case "Syncing grants...":
		return "grants", true
	case "Expanding grants...", "Expanding grants":
		return "expanding grants", true
	case "Sync complete.":
		return "complete", true
	}
	return "", false
}

// observe reads one log line and reports whether the phase or resource type changed.
func (p *progress) observe(line []byte) bool {
	var l logLine
	if json.Unmarshal(line, &l) != nil || l.Msg == "" {
		return false
	}
	before := p.phase + "/" + p.resourceType
	if ph, ok := phaseOf(l.Msg); ok {
		p.phase, p.resourceType = ph, ""
	}
	n := 0
	if l.Count != nil {
		n = *l.Count
	} else if l.Synced != nil {
		n = *l.Synced
	}
	switch l.Msg {
	case "Synced resources":
		p.phase, p.resourceType = "resources", l.ResourceType
		p.resources[l.ResourceType] = n
	case "Syncing entitlements", "Synced entitlements":
		p.phase, p.resourceType, p.done = "entitlements", l.ResourceType, n
	case "Syncing grants", "Synced grants":
		p.phase, p.resourceType, p.done = "grants", l.ResourceType, n
	}
	return p.phase+"/"+p.resourceType != before
}

// line renders the current state in one line: phase, resource type, counts, requests to azsim, elapsed.
func (p *progress) line(requests int64, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%5.1fs] %-16s", elapsed.Seconds(), p.phase)
	if p.resourceType != "" {
		of := ""
		if p.phase == "entitlements" || p.phase == "grants" {
			of = fmt.Sprintf(" %d/%d", p.done, p.resources[p.resourceType])
		}
		fmt.Fprintf(&b, " %-34s", p.resourceType+of)
	}
	total := 0
	for _, n := range p.resources {
		total += n
	}
	fmt.Fprintf(&b, " resources %d (%d types), requests %d", total, len(p.resources), requests)
	return b.String()
}

// resourceCounts lists "type=count" pairs in type order (for the plain log of a finished phase).
func (p *progress) resourceCounts() string {
	types := make([]string, 0, len(p.resources))
	for t := range p.resources {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, 0, len(types))
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%s=%d", t, p.resources[t]))
	}
	return strings.Join(parts, " ")
}

// follower reads whole lines appended to a growing log file.
type follower struct {
	r    *bufio.Reader
	part []byte
}

func newFollower(f io.Reader) *follower { return &follower{r: bufio.NewReaderSize(f, 64<<10)} }

// lines returns the complete lines appended since the last call.
func (f *follower) lines() [][]byte {
	var out [][]byte
	for {
		b, err := f.r.ReadBytes('\n')
		if err != nil { // io.EOF: keep the partial line for the next call
			f.part = append(f.part, b...)
			return out
		}
		out = append(out, append(f.part, b...))
		f.part = nil
	}
}

// isTerminal reports whether w is a character device (a terminal), where the progress is one live line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// follow shows the sync's progress until done delivers the connector's exit: on a terminal one line
// rewritten in place, otherwise a plain line whenever the phase or resource type changes.
func follow(out io.Writer, live bool, logPath string, done <-chan error, requests func() int64, start time.Time) error {
	f, err := os.Open(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	lines := newFollower(f)
	p := newProgress()
	interval := time.Second
	if live {
		interval = 200 * time.Millisecond
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastPrinted := time.Now()
	update := func() {
		for _, l := range lines.lines() {
			if p.observe(l) && !live {
				fmt.Fprintln(out, p.line(requests(), time.Since(start)))
				lastPrinted = time.Now()
			}
		}
		switch {
		case live:
			fmt.Fprintf(out, "\r\033[K%s", p.line(requests(), time.Since(start)))
		case time.Since(lastPrinted) >= 5*time.Second: // a heartbeat while one step takes long
			fmt.Fprintln(out, p.line(requests(), time.Since(start)))
			lastPrinted = time.Now()
		}
	}
	for {
		select {
		case err := <-done:
			update()
			if live {
				fmt.Fprintln(out)
			}
			if err != nil {
				return fmt.Errorf("baton-azure failed (%v); see %s", err, logPath)
			}
			if c := p.resourceCounts(); c != "" {
				fmt.Fprintf(out, "[%5.1fs] synced resources: %s\n", time.Since(start).Seconds(), c)
			}
			return nil
		case <-tick.C:
			update()
		}
	}
}
