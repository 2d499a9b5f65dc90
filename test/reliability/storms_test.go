package reliability

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/internal/groundtruth"
	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// stormProfile is one fault profile of the storm suite.
type stormProfile struct {
	name, what string
	// rules returns the profile's fault rules; soak selects realistic delays and no caps.
	rules func(soak bool) []azsim.FaultRule
	// named is an azsim profile (flaky, storm) used instead of rules.
	named string
	// tokenLifetime, when set, is the lifetime of azsim's access tokens.
	tokenLifetime time.Duration
	// soakOnly profiles run only under make soak (the short suite keeps to the ones the issue names).
	soakOnly bool
}

// retryAfter is the Retry-After azsim sends: realistic in the soak, short in the unit suite.
func retryAfter(soak bool) time.Duration {
	if soak {
		return time.Second
	}
	return 50 * time.Millisecond
}

// capped limits a rule to n injections in the short suite: faults without Retry-After cost baton-azure's
// default wait (5 s) each, which the soak pays in full.
func capped(soak bool, n int) int {
	if soak {
		return 0
	}
	return n
}

func fivexx(p float64, count int) []azsim.FaultRule {
	var out []azsim.FaultRule
	for _, st := range []int{500, 502, 503, 504} {
		out = append(out, azsim.FaultRule{Route: "*", Kind: azsim.FaultError, Status: st, Probability: p, Count: count})
	}
	return out
}

var stormProfiles = []stormProfile{
	{name: "baseline", soakOnly: true, what: "no faults: the reference wall time"},
	{name: "throttle-retry-after", what: "10 % of Graph and ARM requests answer 429 with Retry-After (1 s in the soak)",
		rules: func(soak bool) []azsim.FaultRule {
			return []azsim.FaultRule{{Route: "*", Kind: azsim.FaultThrottle, Probability: 0.10, RetryAfter: retryAfter(soak)}}
		}},
	{name: "throttle-no-retry-after", what: "5 % of requests answer 429 without Retry-After (baton-azure waits 5 s)",
		rules: func(soak bool) []azsim.FaultRule {
			return []azsim.FaultRule{{Route: "*", Kind: azsim.FaultThrottle, Probability: 0.05, NoRetryAfter: true, Count: capped(soak, 4)}}
		}},
	{name: "5xx", what: "2 % of requests answer 500, 502, 503 or 504 (0.5 % each)",
		rules: func(soak bool) []azsim.FaultRule { return fivexx(0.005, capped(soak, 2)) }},
	{name: "reset", what: "1 % of requests are cut off mid-body (headers and half the body, then a reset)",
		rules: func(soak bool) []azsim.FaultRule {
			return []azsim.FaultRule{{Route: "*", Kind: azsim.FaultReset, Probability: 0.01}}
		}},
	{name: "token-revocation", what: "tokens live 60 s, and every 25th Graph or ARM request finds its token revoked early: 401 " +
		"\"token expired\" long before its expiry (deterministic, unlike an age limit: a 60 s token is inside azidentity's " +
		"5 min refresh window, so how old tokens get depends on timing)",
		tokenLifetime: time.Minute,
		rules: func(bool) []azsim.FaultRule {
			return []azsim.FaultRule{{Route: "*", Kind: azsim.FaultTokenExpired, MaxTokenAge: time.Nanosecond, Every: 25}}
		}},
	{name: "flaky", named: azsim.FaultsFlaky, soakOnly: true, what: "azsim's flaky profile: 2 % 5xx, 1 % 429 (Retry-After 1 s), 0.5 % resets"},
	{name: "storm", named: azsim.FaultsStorm, soakOnly: true, what: "azsim's storm profile: 10 % 429 (Retry-After 1.5 s), 2 % 429 without Retry-After, 2 % 5xx"},
}

// stormResult is one row of the figures table.
type stormResult struct {
	Preset, Profile         string
	Requests, Faults, Throt int64
	Wall                    time.Duration
	Diffs                   []groundtruth.Diff
	Err                     error
}

func (r stormResult) row() string {
	verdict := "equal"
	if r.Err != nil {
		verdict = "sync failed: " + r.Err.Error()
	} else {
		var parts []string
		for _, d := range r.Diffs {
			parts = append(parts, fmt.Sprintf("%d %s", d.Got, d.Kind))
			if !d.Equal() {
				verdict = fmt.Sprintf("DIFFERS (%s: %d missing, %d extra)", d.Kind, d.Missing, d.Extra)
			}
		}
		verdict += ": " + strings.Join(parts, ", ") + ", 0 missing, 0 extra"
	}
	return fmt.Sprintf("| %s | %s | %d | %d | %d | %.1f s | %s |", r.Preset, r.Profile, r.Requests, r.Faults, r.Throt,
		r.Wall.Seconds(), verdict)
}

// TestStorms_SyncUnderEachFaultProfile_EqualsGroundTruth syncs a tenant under each fault profile: every
// injected fault is retried (by baton-sdk's syncer, on the Unavailable status and Retry-After that
// baton-azure returns) and the file equals the ground truth — nothing missing, nothing extra. The unit
// suite syncs tiny with short delays; make soak syncs small and medium with realistic ones and writes the
// figures table to BATON_AZURE_SOAK_REPORT.
func TestStorms_SyncUnderEachFaultProfile_EqualsGroundTruth(t *testing.T) {
	if !soak() {
		t.Parallel()
	} // in the soak the storms run first and alone, so that their wall times are the sync's own
	presets := []string{"tiny"}
	if soak() {
		presets = strings.Fields(envOr("BATON_AZURE_SOAK_PRESETS", "small medium"))
	}
	var mu sync.Mutex
	var results []stormResult
	t.Cleanup(func() { writeStormReport(t, results) })
	for _, preset := range presets {
		for _, p := range stormProfiles {
			if p.soakOnly && !soak() {
				continue
			}
			if only := os.Getenv("BATON_AZURE_SOAK_PROFILES"); only != "" && !slices.Contains(strings.Fields(only), p.name) {
				continue
			}
			t.Run(preset+"/"+p.name, func(t *testing.T) {
				if !soak() {
					t.Parallel()
				}
				o := azsim.Options{Preset: preset, Seed: 11, Faults: p.named, TokenLifetime: p.tokenLifetime}
				if p.rules != nil {
					o.FaultRules = p.rules(soak())
				}
				s, e := startSim(t, o)
				start := time.Now()
				path, err := syncInProcess(t, configOf(e))
				r := stormResult{Preset: preset, Profile: p.name, Wall: time.Since(start), Err: err}
				st := s.Stats()
				r.Requests, r.Throt = st.Requests, st.Throttled
				for kind, n := range st.Faults {
					r.Faults += n
					if strings.HasPrefix(kind, "throttle") {
						r.Throt += n
					}
				}
				if err != nil {
					t.Fatalf("sync under %s failed: %v", p.name, err)
				}
				r.Diffs = assertTruth(t, s, path, groundtruth.Options{})
				if r.Faults == 0 && p.name != "baseline" {
					t.Errorf("azsim injected no fault: the %s profile did not happen", p.name)
				}
				t.Logf("%s: %d requests, %d faults injected and retried (%v), wall %s", p.name, r.Requests, r.Faults, st.Faults, r.Wall)
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			})
		}
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// writeStormReport writes the figures table (markdown) when BATON_AZURE_SOAK_REPORT names a file.
func writeStormReport(t *testing.T, results []stormResult) {
	path := os.Getenv("BATON_AZURE_SOAK_REPORT")
	if path == "" || len(results) == 0 {
		return
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Preset > results[j].Preset })
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s UTC.\n\n", time.Now().UTC().Format("2006-01-02 15:04"))
	b.WriteString("| tenant | profile | requests | faults injected (= retries) | 429s | wall time | result vs truth |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		b.WriteString(r.row() + "\n")
	}
	b.WriteString("\nProfiles:\n\n")
	for _, p := range stormProfiles {
		fmt.Fprintf(&b, "- `%s`: %s.\n", p.name, p.what)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Errorf("soak report: %v", err)
	}
}
