package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/baton-azure/baton-azure/internal/groundtruth"
)

// Report is azbench's result, written as JSON (--json) and rendered as Markdown.
type Report struct {
	Date     string   `json:"date"`
	Command  string   `json:"command"`
	Machine  Machine  `json:"machine"`
	Build    Build    `json:"build"`
	Settings Settings `json:"settings"`

	OK       bool    `json:"ok"`
	ExitCode int     `json:"exit_code"` // of the baton-azure process (-1: killed)
	Error    string  `json:"error,omitempty"`
	WallS    float64 `json:"wall_s"` // start of the baton-azure process to its exit

	Log      *SyncLog    `json:"log,omitempty"`
	Requests Requests    `json:"requests"`
	Graph    GraphBudget `json:"graph"`
	ARM      ARMReads    `json:"arm"`
	Memory   Memory      `json:"memory"`
	Disk     []Disk      `json:"disk"`
	CPU      CPU         `json:"cpu"`
	C1Z      C1Z         `json:"c1z"`
	Counts   *Counts     `json:"counts,omitempty"`
	Truth    *Truth      `json:"truth,omitempty"`
	Targets  []Target    `json:"targets"`
	Timeline []sample    `json:"timeline"`
	Notes    []string    `json:"notes,omitempty"`
}

// Machine is where the benchmark ran.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemBytes int64  `json:"mem_bytes"`
	OS       string `json:"os"`
	// Load is the 1-minute load average when the sync started and ended: the machine may be shared.
	LoadStart float64 `json:"load_start"`
	LoadEnd   float64 `json:"load_end"`
}

// Build identifies the code measured.
type Build struct {
	GitCommit     string `json:"git_commit"`
	GitDirty      bool   `json:"git_dirty"`
	GoAzbench     string `json:"go_azbench"`
	Binary        string `json:"binary"`
	GoBinary      string `json:"go_binary,omitempty"`
	BinaryVCS     string `json:"binary_vcs_revision,omitempty"`
	BinaryVCSMods bool   `json:"binary_vcs_modified,omitempty"`
}

// Settings are the benchmark's options.
type Settings struct {
	Preset        string   `json:"preset"`
	Seed          uint64   `json:"seed"`
	Latency       string   `json:"latency"`
	Throttle      string   `json:"throttle"`
	Faults        string   `json:"faults"`
	Workers       string   `json:"workers,omitempty"`
	ConnectorArgs []string `json:"connector_args,omitempty"`
	SyncEnv       []string `json:"sync_env,omitempty"`
	CompareTruth  bool     `json:"compare_truth"`
	Out           string   `json:"out"`
}

// Requests are what azsim served, by service and by route template.
type Requests struct {
	Total     int64                   `json:"total"`
	ByService map[string]ServiceStats `json:"by_service"`
	Routes    []RouteRow              `json:"routes"`
	Faults    map[string]int64        `json:"faults,omitempty"`
}

// ServiceStats sums one service's routes.
type ServiceStats struct {
	Requests  int64 `json:"requests"`
	Bytes     int64 `json:"bytes"`
	RU        int64 `json:"ru,omitempty"`
	Status429 int64 `json:"status_429"`
	Status5xx int64 `json:"status_5xx"`
	Other4xx  int64 `json:"status_4xx_other"`
	Throttled int64 `json:"throttled"` // refused by azsim's throttling buckets (the rest of the 429s are injected faults)
}

// RouteRow is one route template's counters.
type RouteRow struct {
	Service   string           `json:"service"`
	Method    string           `json:"method"`
	Route     string           `json:"route"`
	Requests  int64            `json:"requests"`
	Bytes     int64            `json:"bytes"`
	RU        int64            `json:"ru,omitempty"`
	Status    map[string]int64 `json:"status"`
	Throttled int64            `json:"throttled,omitempty"`
	Faults    map[string]int64 `json:"faults,omitempty"`
}

// GraphBudget is how much of Graph's resource-unit budget the sync used.
type GraphBudget struct {
	RU           int64   `json:"ru"`
	Requests     int64   `json:"requests"`
	Status429    int64   `json:"status_429"`
	Pct429       float64 `json:"pct_429"`
	PhaseStartS  float64 `json:"phase_start_s"` // first Graph request completed, since the sync started
	PhaseEndS    float64 `json:"phase_end_s"`   // last Graph request completed
	PhaseS       float64 `json:"phase_s"`
	RUPerSecond  float64 `json:"ru_per_s_budget"` // the throttle profile's refill rate (L: 800)
	Budget       string  `json:"budget_profile"`
	Utilisation  float64 `json:"utilisation"`            // RU ÷ (rate × phase)
	WithBurst    float64 `json:"utilisation_with_burst"` // RU ÷ (bucket size + rate × phase)
	Window10sRU  []int64 `json:"ru_per_10s,omitempty"`   // RU charged in consecutive 10 s windows from the phase start
	TimingSource string  `json:"timing_source"`
}

// ARMReads are the ARM requests by subscription, as far as azsim shows them.
type ARMReads struct {
	Requests       int64        `json:"requests"`
	Status429      int64        `json:"status_429"`
	Pct429         float64      `json:"pct_429"`
	BySubscription []ARMSubRead `json:"by_subscription,omitempty"`
	Method         string       `json:"method"`
}

// ARMSubRead is one subscription's (or the tenant scope's) reads.
type ARMSubRead struct {
	Scope        string  `json:"scope"`
	Name         string  `json:"name,omitempty"`
	ReadsAtLeast int64   `json:"reads_at_least"`
	MinTokens    float64 `json:"min_tokens_left"`
	Capacity     float64 `json:"capacity"`
}

// Memory is the resident memory of the sync's processes.
type Memory struct {
	Processes    []ProcMem `json:"processes"`
	PeakSumBytes int64     `json:"peak_sum_bytes"` // the largest sum over one sample
	// PeakPSSSumBytes is the largest sum of the processes' PSS over one sample (every fifth): shared pages
	// (the binary, mapped by every process of the sync) counted once. 0 when not measured.
	PeakPSSSumBytes int64 `json:"peak_pss_sum_bytes"`
	Samples         int   `json:"samples"`
	IntervalMs      int   `json:"interval_ms"`
	Available       bool  `json:"available"`
}

// ProcMem is one process of the sync.
type ProcMem struct {
	PID           int     `json:"pid"`
	Role          string  `json:"role"`
	Cmd           string  `json:"cmd"`
	PeakRSSBytes  int64   `json:"peak_rss_bytes"` // max of the sampled VmRSS
	PeakPSSBytes  int64   `json:"peak_pss_bytes"` // max of the sampled PSS (smaps_rollup)
	HighWaterMark int64   `json:"vmhwm_bytes"`    // the kernel's peak RSS (VmHWM) at the last sample
	FirstSeenS    float64 `json:"first_seen_s"`
	LastSeenS     float64 `json:"last_seen_s"`
}

// Disk is the free space of the filesystem the sync writes to (its c1z and, through TMPDIR, its temporary files).
type Disk struct {
	Path      string `json:"path"`
	FreeStart int64  `json:"free_start_bytes"`
	FreeMin   int64  `json:"free_min_bytes"`
	PeakUsed  int64  `json:"peak_used_bytes"` // free at start − fewest free: what the sync took at most (other processes included)
	Guard     int64  `json:"guard_bytes"`     // the sync is stopped below this much free space (--min-free-disk)
}

// CPU is where the two cores' time went.
type CPU struct {
	SyncUserS float64 `json:"sync_user_s"`
	SyncSysS  float64 `json:"sync_sys_s"`
	AzsimS    float64 `json:"azsim_and_azbench_s"` // this process (azsim in-process + polling) during the sync
	Utilised  float64 `json:"cores_busy"`          // (sync + azsim CPU) ÷ wall
	AnalysisS float64 `json:"analysis_s"`          // reading the c1z and comparing with the ground truth
}

// C1Z is the synced file.
type C1Z struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// Counts are what the c1z holds.
type Counts struct {
	ResourcesByType    map[string]int64 `json:"resources_by_type"`
	Resources          int64            `json:"resources"`
	Entitlements       int64            `json:"entitlements"`
	EntitlementsByType map[string]int64 `json:"entitlements_by_type"`
	Grants             int64            `json:"grants"`
	DerivedGrants      int64            `json:"derived_grants"` // sources name another entitlement (nested groups, inheritance)
	GrantsByType       map[string]int64 `json:"grants_by_type"` // by the entitlement's resource type
}

// Truth is the comparison with azsim's ground truth.
type Truth struct {
	Equal   bool                `json:"equal"`
	Kinds   []groundtruth.Diff  `json:"kinds"`
	Options groundtruth.Options `json:"options"`
	Note    string              `json:"note,omitempty"`
}

// Target is one of issue #7's targets.
type Target struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// bytesIEC formats a byte count.
func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// thousands formats an integer with thin separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func pct(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) }

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// markdown renders the report.
func (r *Report) markdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	s := r.Settings
	p("# azbench: %s tenant (seed %d)\n\n", s.Preset, s.Seed)
	p("| | |\n|---|---|\n")
	p("| date | %s |\n", r.Date)
	p("| command | `%s` |\n", r.Command)
	p("| machine | %s, %d cores, %s RAM, %s; load average %.2f at start, %.2f at end |\n", r.Machine.CPU, r.Machine.Cores,
		bytesIEC(r.Machine.MemBytes), r.Machine.OS, r.Machine.LoadStart, r.Machine.LoadEnd)
	dirty := ""
	if r.Build.GitDirty {
		dirty = " (uncommitted changes)"
	}
	p("| git commit | %s%s |\n", r.Build.GitCommit, dirty)
	vcs := ""
	if r.Build.BinaryVCS != "" {
		vcs = ", built from " + r.Build.BinaryVCS[:min(12, len(r.Build.BinaryVCS))]
		if r.Build.BinaryVCSMods {
			vcs += " with uncommitted changes"
		}
	}
	p("| Go | %s (azbench, azsim); %s (%s%s) |\n", r.Build.GoAzbench, r.Build.GoBinary, r.Build.Binary, vcs)
	workers := s.Workers
	if workers == "" {
		workers = "baton-sdk default"
		if r.Log != nil && r.Log.WorkerCount > 0 {
			workers += fmt.Sprintf(" (%d)", r.Log.WorkerCount)
		}
	}
	args := "none"
	if len(s.ConnectorArgs) > 0 {
		args = "`" + strings.Join(s.ConnectorArgs, " ") + "`"
	}
	p("| azsim | preset %s, seed %d, throttle %s, latency %s, faults %s (in-process, HTTPS on loopback) |\n", s.Preset, s.Seed, s.Throttle, s.Latency, s.Faults)
	env := ""
	if len(s.SyncEnv) > 0 {
		env = ", environment `" + strings.Join(s.SyncEnv, " ") + "`"
	}
	p("| sync | `baton-azure -f %s`, workers %s, extra args %s%s |\n\n", r.C1Z.Path, workers, args, env)

	status := "**OK**"
	if !r.OK {
		status = "**FAILED** (" + r.Error + ")"
	}
	truth := "not compared"
	if r.Truth != nil {
		truth = yes(r.Truth.Equal)
	}
	p("## Result\n\n%s — wall %.1f s, peak RSS %s (sum of the sync's processes), c1z %s, equals ground truth: %s\n\n",
		status, r.WallS, bytesIEC(r.Memory.PeakSumBytes), bytesIEC(r.C1Z.Bytes), truth)
	if r.Log != nil && len(r.Log.Errors) > 0 {
		p("Errors logged by the sync:\n\n")
		for _, e := range r.Log.Errors {
			p("    %s\n", e)
		}
		p("\n")
	}

	p("## Targets (issue #7; defined for `large`, L throttling, bench latency)\n\n| target | goal | measured | met |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		p("| %s | %s | %s | %s |\n", t.Name, t.Target, t.Measured, yes(t.Met))
	}
	p("\n")

	if r.Log != nil {
		p("## Where the time goes\n\nPhase starts (from the connector's log, seconds since the process started):\n\n")
		p("| phase | at |\n|---|---|\n")
		for _, ph := range r.Log.Phases {
			p("| %s | %.1f s |\n", ph.Name, ph.At)
		}
		p("| process exit | %.1f s |\n\n", r.WallS)
		if len(r.Log.StepDurationsMs) > 0 {
			p("baton-sdk `sync_step_durations_ms` (the grant expansion after data collection is not a step): ")
			keys := slices.Sorted(maps.Keys(r.Log.StepDurationsMs))
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s %s", k, thousands(r.Log.StepDurationsMs[k])))
			}
			p("%s; total %s ms.\n\n", strings.Join(parts, ", "), thousands(r.Log.StepsTotalMs))
		}
	}

	p("## Requests\n\n| service | requests | RU | 429 | of which throttled by budget | 5xx | other 4xx | bytes |\n|---|---|---|---|---|---|---|---|\n")
	for _, svc := range slices.Sorted(maps.Keys(r.Requests.ByService)) {
		st := r.Requests.ByService[svc]
		p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", svc, thousands(st.Requests), thousands(st.RU), thousands(st.Status429),
			thousands(st.Throttled), thousands(st.Status5xx), thousands(st.Other4xx), bytesIEC(st.Bytes))
	}
	if len(r.Requests.Faults) > 0 {
		p("\nInjected faults: %s\n", kv(r.Requests.Faults))
	}
	p("\nBy endpoint:\n\n| service | endpoint | requests | RU | 429 | 5xx |\n|---|---|---|---|---|---|\n")
	for _, rt := range r.Requests.Routes {
		p("| %s | `%s %s` | %s | %s | %s | %s |\n", rt.Service, rt.Method, rt.Route, thousands(rt.Requests), thousands(rt.RU),
			thousands(rt.Status["429"]), thousands(sum5xx(rt.Status)))
	}
	p("\n")

	g := r.Graph
	p("## Graph budget\n\n")
	p("%s RU in %s requests; Graph phase %.1f s (%.1f s → %.1f s); budget %s = %.0f RU/s.\n\n", thousands(g.RU), thousands(g.Requests),
		g.PhaseS, g.PhaseStartS, g.PhaseEndS, g.Budget, g.RUPerSecond)
	p("- **utilisation** = RU ÷ (rate × phase) = **%s**\n", pct(g.Utilisation))
	p("- counting the bucket's initial burst (RU ÷ (bucket + rate × phase)) = %s\n", pct(g.WithBurst))
	p("- 429s: %s of %s Graph requests (%s)\n", thousands(g.Status429), thousands(g.Requests), pct(g.Pct429))
	if len(g.Window10sRU) > 0 {
		var ws []string
		for i, v := range g.Window10sRU {
			if i == 60 {
				ws = append(ws, fmt.Sprintf("… (%d more in report.json)", len(g.Window10sRU)-60))
				break
			}
			ws = append(ws, thousands(v))
		}
		p("- RU per 10 s window (budget %s): %s\n", thousands(int64(g.RUPerSecond*10)), strings.Join(ws, " · "))
	}
	p("\n_%s_\n\n", g.TimingSource)

	a := r.ARM
	p("## ARM\n\n%s requests, %s answered 429 (%s).\n\n", thousands(a.Requests), thousands(a.Status429), pct(a.Pct429))
	if len(a.BySubscription) > 0 {
		p("| subscription | reads (at least) | fewest read tokens left (of %s) |\n|---|---|---|\n", fmt.Sprint(a.BySubscription[0].Capacity))
		for _, sr := range a.BySubscription {
			name := sr.Scope
			if sr.Name != "" {
				name = sr.Name + " (" + sr.Scope + ")"
			}
			p("| %s | %s | %.0f |\n", name, thousands(sr.ReadsAtLeast), sr.MinTokens)
		}
		p("\n")
	}
	p("_%s_\n\n", a.Method)

	m := r.Memory
	p("## Memory\n\n")
	if !m.Available {
		p("Not measured (azbench reads /proc; Linux only).\n\n")
	} else {
		p("Peak RSS, summed over the sync's processes at one sample: **%s** (%d samples every %d ms).", bytesIEC(m.PeakSumBytes), m.Samples, m.IntervalMs)
		if m.PeakPSSSumBytes > 0 {
			p(" Peak PSS, summed the same way (every fifth sample): **%s** — RSS counts the pages the processes share (the binary's code, mapped by each) once per process, PSS once in all.", bytesIEC(m.PeakPSSSumBytes))
		}
		p("\n\n| pid | process | peak RSS (sampled) | peak PSS | VmHWM | alive |\n|---|---|---|---|---|---|\n")
		for _, pm := range m.Processes {
			p("| %d | %s | %s | %s | %s | %.1f–%.1f s |\n", pm.PID, pm.Role, bytesIEC(pm.PeakRSSBytes), bytesIEC(pm.PeakPSSBytes), bytesIEC(pm.HighWaterMark), pm.FirstSeenS, pm.LastSeenS)
		}
		p("\n")
	}
	for _, d := range r.Disk {
		p("Disk (%s): %s free at start, %s at the fullest — the sync (and anything else on the machine) took up to **%s** of temporary and c1z space.\n\n",
			d.Path, bytesIEC(d.FreeStart), bytesIEC(d.FreeMin), bytesIEC(d.PeakUsed))
	}
	c := r.CPU
	p("CPU: the sync used %.1f s user + %.1f s system; azsim (in azbench's process, with the polling) %.1f s; %.2f of %d cores busy on average.\n\n",
		c.SyncUserS, c.SyncSysS, c.AzsimS, c.Utilised, r.Machine.Cores)

	if r.Counts != nil {
		ct := r.Counts
		p("## Contents of the c1z (%s)\n\n| resource type | resources | entitlements | grants |\n|---|---|---|---|\n", bytesIEC(r.C1Z.Bytes))
		types := map[string]bool{}
		for _, mm := range []map[string]int64{ct.ResourcesByType, ct.EntitlementsByType, ct.GrantsByType} {
			for k := range mm {
				types[k] = true
			}
		}
		for _, t := range slices.Sorted(maps.Keys(types)) {
			p("| %s | %s | %s | %s |\n", t, thousands(ct.ResourcesByType[t]), thousands(ct.EntitlementsByType[t]), thousands(ct.GrantsByType[t]))
		}
		p("| **total** | %s | %s | %s (%s derived) |\n\n", thousands(ct.Resources), thousands(ct.Entitlements), thousands(ct.Grants), thousands(ct.DerivedGrants))
	}
	if r.Truth != nil {
		p("## Ground truth\n\n| | expected | synced | missing | extra | tolerated |\n|---|---|---|---|---|---|\n")
		for _, d := range r.Truth.Kinds {
			p("| %s | %s | %s | %s | %s | %s |\n", d.Kind, thousands(int64(d.Want)), thousands(int64(d.Got)), thousands(int64(d.Missing)),
				thousands(int64(d.Extra)), thousands(int64(d.Tolerated)))
		}
		for _, d := range r.Truth.Kinds {
			for _, e := range d.MissingExamples {
				p("\n- missing %s: `%s`", d.Kind, e)
			}
			for _, e := range d.ExtraExamples {
				p("\n- extra %s: `%s`", d.Kind, e)
			}
		}
		p("\n\n_%s_\n\n", r.Truth.Note)
	}
	if len(r.Notes) > 0 {
		p("## Notes\n\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
		p("\n")
	}
}

func kv(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %s", k, thousands(m[k])))
	}
	return strings.Join(parts, ", ")
}

func sum5xx(status map[string]int64) int64 {
	var n int64
	for k, v := range status {
		if strings.HasPrefix(k, "5") {
			n += v
		}
	}
	return n
}

// peakMemory is the measured value of the memory target: the RSS sum (what the target is defined on), with
// the PSS sum beside it when measured.
func peakMemory(m Memory) string {
	if m.PeakPSSSumBytes > 0 {
		return fmt.Sprintf("%s (PSS %s)", bytesIEC(m.PeakSumBytes), bytesIEC(m.PeakPSSSumBytes))
	}
	return bytesIEC(m.PeakSumBytes)
}
