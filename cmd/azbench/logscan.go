package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"time"
)

// phaseMarkers are baton-sdk v0.25.0 log messages that start (or end) a phase of a sync, with the name
// azbench reports. Only the first occurrence of each counts.
var phaseMarkers = []struct{ msg, name string }{
	{"Syncing resource types...", "resource types"},
	{"Syncing resources...", "resources"},
	{"Syncing static entitlements...", "static entitlements"},
	{"Syncing entitlements...", "entitlements"},
	{"Syncing grants...", "grants"},
	{"sync data collection complete", "data collection complete"},
	{"Expanding grants...", "grant expansion"},
	{"topological projection: expansion complete", "expansion complete"},
	{"deferred grant index build complete", "grant index built"},
	{"grant digest build complete", "grant digest built"},
	{"Sync complete.", "sync complete"},
}

// Phase is the time a phase marker was logged, in seconds since the sync started.
type Phase struct {
	Name string  `json:"name"`
	At   float64 `json:"at_s"`
}

// SyncLog is what azbench reads from the connector's JSON log.
type SyncLog struct {
	Phases []Phase `json:"phases"`
	// From baton-sdk's "Sync complete." line.
	StepDurationsMs map[string]int64          `json:"sync_step_durations_ms,omitempty"`
	StepsTotalMs    int64                     `json:"sync_steps_total_ms,omitempty"`
	WorkerCount     int                       `json:"worker_count,omitempty"`
	CallStats       map[string]map[string]any `json:"connector_call_stats,omitempty"`
	// Errors are the first error-level messages (with their error field).
	Errors []string `json:"errors,omitempty"`
	// Warnings counts warn-level lines.
	Warnings int `json:"warnings"`
}

// scanLog reads the connector's JSON log; start is when the sync process was started.
func scanLog(path string, start time.Time) (*SyncLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := &SyncLog{}
	seen := map[string]bool{}
	names := map[string]string{}
	for _, m := range phaseMarkers {
		names[m.msg] = m.name
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var rec struct {
			Level string                    `json:"level"`
			TS    float64                   `json:"ts"`
			Msg   string                    `json:"msg"`
			Error string                    `json:"error"`
			Steps map[string]int64          `json:"sync_step_durations_ms"`
			Total int64                     `json:"sync_steps_total_ms"`
			Work  int                       `json:"worker_count"`
			Calls map[string]map[string]any `json:"connector_call_stats"`
		}
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		if name, ok := names[rec.Msg]; ok && !seen[rec.Msg] {
			seen[rec.Msg] = true
			sec, frac := math.Modf(rec.TS)
			at := time.Unix(int64(sec), int64(frac*1e9)).Sub(start).Seconds()
			out.Phases = append(out.Phases, Phase{Name: name, At: math.Round(at*10) / 10})
		}
		if rec.Msg == "Sync complete." {
			out.StepDurationsMs, out.StepsTotalMs, out.WorkerCount, out.CallStats = rec.Steps, rec.Total, rec.Work, rec.Calls
		}
		switch rec.Level {
		case "error", "fatal", "panic", "dpanic":
			if len(out.Errors) < 5 {
				msg := rec.Msg
				if rec.Error != "" {
					msg += ": " + rec.Error
				}
				out.Errors = append(out.Errors, msg)
			}
		case "warn":
			out.Warnings++
		}
	}
	return out, sc.Err()
}
