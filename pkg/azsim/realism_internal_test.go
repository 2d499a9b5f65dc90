package azsim

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"testing"
	"time"
)

func TestGraphCost_BaseCostsAndModifiers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, route, query string
		class, ru            int
		write                bool
	}{
		{"GET", "/v1.0/users", "", graphClassIdentity, 2, false},
		{"GET", "/v1.0/users", "$select=id,displayName", graphClassIdentity, 1, false},
		{"GET", "/v1.0/users", "%24select=id", graphClassIdentity, 1, false},
		{"GET", "/v1.0/users", "$top=19", graphClassIdentity, 1, false},
		{"GET", "/v1.0/users", "$top=20", graphClassIdentity, 2, false},
		{"GET", "/v1.0/users", "$top=5&$select=id", graphClassIdentity, 1, false}, // floor 1
		{"GET", "/v1.0/applications", "", graphClassIdentity, 2, false},
		{"GET", "/v1.0/groups", "", graphClassIdentity, 1, false},
		{"GET", "/v1.0/groups", "$expand=members", graphClassIdentity, 2, false},
		{"GET", "/v1.0/groups/{id}/members", "", graphClassIdentity, 3, false},
		{"GET", "/v1.0/groups/{id}/members", "$select=id&$top=999", graphClassIdentity, 2, false},
		{"GET", "/v1.0/groups/{id}/members/{cast}", "", graphClassIdentity, 3, false},
		{"GET", "/v1.0/groups/{id}/members/$count", "", graphClassIdentity, 1, false},
		{"GET", "/v1.0/groups/{id}/transitiveMembers", "", graphClassIdentity, 5, false},
		{"GET", "/v1.0/groups/{id}/transitiveMembers", "$select=id", graphClassIdentity, 4, false},
		{"GET", "/v1.0/servicePrincipals/{id}/appRoleAssignments", "", graphClassIdentity, 2, false},
		{"GET", "/v1.0/subscribedSkus", "", graphClassIdentity, 3, false},
		{"GET", "/v1.0/users/{id}/licenseDetails", "", graphClassIdentity, 2, false},
		{"GET", "/v1.0/users/{id}", "", graphClassIdentity, 1, false},
		{"POST", "/v1.0/directoryObjects/getByIds", "", graphClassIdentity, 5, false},
		{"POST", "/v1.0/directoryObjects/getByIds", "$select=id", graphClassIdentity, 2, false},
		{"POST", "/v1.0/groups/{id}/members/$ref", "", graphClassIdentity, 1, true},
		{"DELETE", "/v1.0/groups/{id}/members/{oid}/$ref", "$select=id", graphClassIdentity, 1, true},
		{"PATCH", "/v1.0/users/{id}", "", graphClassIdentity, 1, true},
		{"POST", "/v1.0/$batch", "", graphClassBatch, 0, false},
		{"GET", "/v1.0/users/{id}/mailboxSettings", "", graphClassExchange, 0, false},
		{"GET", "/v1.0/identityProtection/riskyUsers", "", graphClassProtection, 0, false},
	} {
		class, ru, write := graphCost(tc.method, tc.route, tc.query)
		if class != tc.class || ru != tc.ru || write != tc.write {
			t.Errorf("%s %s?%s: class %d ru %d write %v, want %d %d %v", tc.method, tc.route, tc.query, class, ru, write, tc.class, tc.ru, tc.write)
		}
	}
}

func TestGraphThrottle_WriteBucket3000Per150s(t *testing.T) {
	t.Parallel()
	th := newThrottler(ThrottleL)
	now := time.Unix(1_700_000_000, 0)
	h := http.Header{}
	for i := 0; i < graphWriteCapacity; i++ { // 3,000 RU fit in an L budget (8,000)
		if v := th.chargeGraph(h, "POST", "/v1.0/groups/{id}/members/$ref", "", "", "app", "tenant", now); v.throttled {
			t.Fatalf("write %d throttled: %+v", i+1, v.err)
		}
	}
	v := th.chargeGraph(h, "POST", "/v1.0/groups/{id}/members/$ref", "", "", "app", "tenant", now)
	if !v.throttled || v.err.header.Get("x-ms-throttle-information") != "WriteLimitExceeded" ||
		v.err.header.Get("x-ms-throttle-scope") != "Tenant_Application/Write/app/tenant" {
		t.Fatalf("write 3001: %+v", v)
	}
	// 3,000 per 150 s refills one write every 50 ms.
	if ra := v.err.header.Get("Retry-After"); ra != "0.05" {
		t.Fatalf("Retry-After %q, want 0.05", ra)
	}
	if v := th.chargeGraph(h, "POST", "/v1.0/groups/{id}/members/$ref", "", "", "app", "tenant", now.Add(50*time.Millisecond)); v.throttled {
		t.Fatalf("write after Retry-After throttled: %+v", v)
	}
	// Reads are not limited by the write bucket.
	if v := th.chargeGraph(h, "GET", "/v1.0/groups", "", "", "app", "tenant", now); v.throttled {
		t.Fatalf("read throttled by the write bucket: %+v", v)
	}
	// Another app has its own buckets.
	if v := th.chargeGraph(h, "POST", "/v1.0/groups/{id}/members/$ref", "", "", "other", "tenant", now); v.throttled {
		t.Fatalf("another app throttled: %+v", v)
	}
}

func TestARMThrottle_WritesDeletesAndTenantLevel(t *testing.T) {
	t.Parallel()
	th := newThrottler(ThrottleM)
	now := time.Unix(1_700_000_000, 0)
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
	for _, tc := range []struct {
		method, path, header, global string
		capacity                     int
	}{
		{"PUT", sub + "/providers/Microsoft.Authorization/roleAssignments/x", "x-ms-ratelimit-remaining-subscription-writes", "x-ms-ratelimit-remaining-subscription-global-writes", 200},
		{"DELETE", sub + "/providers/Microsoft.Authorization/roleAssignments/x", "x-ms-ratelimit-remaining-subscription-deletes", "x-ms-ratelimit-remaining-subscription-global-deletes", 200},
		{"GET", sub + "/resourcegroups", "x-ms-ratelimit-remaining-subscription-reads", "x-ms-ratelimit-remaining-subscription-global-reads", 250},
		{"GET", "/providers/Microsoft.Management/managementGroups", "x-ms-ratelimit-remaining-tenant-reads", "", 250},
		{"POST", "/providers/Microsoft.Management/getEntities", "x-ms-ratelimit-remaining-tenant-writes", "", 200},
	} {
		for i := 1; i <= tc.capacity; i++ {
			h := http.Header{}
			if aerr := th.chargeARM(h, tc.method, tc.path, "oid", "tenant", now); aerr != nil {
				t.Fatalf("%s %s #%d: %v", tc.method, tc.path, i, aerr)
			}
			if got, want := h.Get(tc.header), tc.capacity-i; got != itoa(want) {
				t.Fatalf("%s %s #%d: %s = %q, want %d", tc.method, tc.path, i, tc.header, got, want)
			}
			if tc.global != "" && h.Get(tc.global) != itoa(tc.capacity*armGlobalFactor-i) {
				t.Fatalf("%s #%d: %s = %q", tc.method, i, tc.global, h.Get(tc.global))
			}
		}
		aerr := th.chargeARM(http.Header{}, tc.method, tc.path, "oid", "tenant", now)
		if aerr == nil || aerr.status != 429 || aerr.header.Get("Retry-After") != "1" {
			t.Fatalf("%s %s beyond the bucket: %+v", tc.method, tc.path, aerr)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestARMThrottle_GlobalSubscriptionLimitIs15xAcrossPrincipals(t *testing.T) {
	t.Parallel()
	th := newThrottler(ThrottleL)
	now := time.Unix(1_700_000_000, 0)
	path := "/subscriptions/s1/resourcegroups"
	for p := 0; p < armGlobalFactor; p++ {
		for i := 0; i < armReadCapacity; i++ {
			if aerr := th.chargeARM(http.Header{}, "GET", path, "oid"+itoa(p), "t", now); aerr != nil {
				t.Fatalf("principal %d read %d: %v", p, i, aerr)
			}
		}
	}
	aerr := th.chargeARM(http.Header{}, "GET", path, "fresh-principal", "t", now)
	if aerr == nil || aerr.code != "SubscriptionRequestsThrottled" {
		t.Fatalf("global limit not enforced: %+v", aerr)
	}
}

func TestLatencyModel_MedianP99AndPerItemCost(t *testing.T) {
	t.Parallel()
	p, err := latencyProfileNamed(LatencyBench)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	ds := make([]float64, n)
	for i := range ds {
		ds[i] = float64(p.delay(7, "graph", uint64(i), 0))
	}
	sort.Float64s(ds)
	median, p99 := ds[n/2], ds[n*99/100]
	if want := float64(40 * time.Millisecond); math.Abs(median-want)/want > 0.03 {
		t.Errorf("median %v, want ~40ms", time.Duration(median))
	}
	if ratio := p99 / median; ratio < 2.8 || ratio > 3.2 {
		t.Errorf("p99/median = %.2f, want ~3", ratio)
	}
	// Same seed and sequence number: same jitter, so items scale the median exactly.
	d0, d1000 := p.delay(7, "graph", 42, 0), p.delay(7, "graph", 42, 1000)
	if got, want := float64(d1000)/float64(d0), float64(40*time.Millisecond+1000*20*time.Microsecond)/float64(40*time.Millisecond); math.Abs(got-want) > 1e-6 {
		t.Errorf("1000 items: %v vs %v (ratio %.4f, want %.4f)", d1000, d0, got, want)
	}
	if p.delay(7, "graph", 42, 0) != d0 || p.delay(8, "graph", 42, 0) == d0 {
		t.Error("delay is not a function of (seed, seq)")
	}
	if login := p.delay(7, "login", 1, 500); login <= 0 || login > 600*time.Millisecond {
		t.Errorf("login delay %v", login)
	}
	var off *latencyProfile
	if off.delay(1, "graph", 1, 1) != 0 {
		t.Error("off profile delays")
	}
	for _, bad := range []string{"fast", "S"} {
		if _, err := latencyProfileNamed(bad); err == nil {
			t.Errorf("latency profile %q accepted", bad)
		}
	}
}

func TestSleepContext_StopsWhenTheRequestIsCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sleepContext(ctx, time.Hour); err == nil || time.Since(start) > time.Second {
		t.Fatalf("sleepContext on a cancelled context: %v after %v", err, time.Since(start))
	}
}

func TestFaultRule_JSONDurationsAndValidation(t *testing.T) {
	t.Parallel()
	var rules []FaultRule
	if err := json.Unmarshal([]byte(`[{"route":"graph","kind":"throttle","retry_after":"1.5s","probability":0.5},
		{"route":"*","kind":"slow","delay":2.5},{"route":"arm","kind":"token_expired","max_token_age":"10m","count":1}]`), &rules); err != nil {
		t.Fatal(err)
	}
	if rules[0].RetryAfter != 1500*time.Millisecond || rules[1].Delay != 2500*time.Millisecond || rules[2].MaxTokenAge != 10*time.Minute {
		t.Fatalf("durations: %+v", rules)
	}
	b, err := json.Marshal(rules[0])
	if err != nil {
		t.Fatal(err)
	}
	var back FaultRule
	if err := json.Unmarshal(b, &back); err != nil || back != rules[0] {
		t.Fatalf("round trip %s: %+v %v", b, back, err)
	}
	for _, bad := range []FaultRule{{Kind: "explode"}, {Kind: FaultError, Status: 418}, {Kind: FaultReset, Probability: 2}, {Kind: FaultSlow, Every: -1}} {
		if err := bad.validate(); err == nil {
			t.Errorf("rule %+v accepted", bad)
		}
	}
	r := FaultRule{Kind: FaultError}
	if err := r.validate(); err != nil || r.Status != 503 {
		t.Errorf("default status: %+v %v", r, err)
	}
}

func TestFaultRule_RouteMatching(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, service, method, route string
		want                            bool
	}{
		{"", "graph", "GET", "/v1.0/users", true},
		{"*", "arm", "GET", "/subscriptions", true},
		{"graph", "graph", "GET", "/v1.0/users", true},
		{"graph", "arm", "GET", "/subscriptions", false},
		{"GET /v1.0/groups/{id}/members", "graph", "GET", "/v1.0/groups/{id}/members", true},
		{"get /V1.0/groups/{id}/members", "graph", "GET", "/v1.0/groups/{id}/members", true},
		{"GET /v1.0/groups/{id}/members", "graph", "GET", "/v1.0/groups/{id}/members/{cast}", false},
		{"/v1.0/groups/*", "graph", "GET", "/v1.0/groups/{id}/transitiveMembers", true},
		{"POST /v1.0/*", "graph", "GET", "/v1.0/users", false},
		{"* /subscriptions/{sub}/resourcegroups", "arm", "GET", "/subscriptions/{sub}/resourcegroups", true},
	} {
		r := FaultRule{Route: tc.pattern}
		if got := r.matches(tc.service, tc.method, tc.route, ""); got != tc.want {
			t.Errorf("%q vs %s %s %s: %v", tc.pattern, tc.service, tc.method, tc.route, got)
		}
	}
}

func TestFaultEngine_EveryCountAndProbabilityAreDeterministic(t *testing.T) {
	t.Parallel()
	e := newFaultEngine(1)
	if err := e.set("", []FaultRule{{Route: "graph", Kind: FaultReset, Every: 3, Count: 2}}); err != nil {
		t.Fatal(err)
	}
	var fired []int
	for i := 1; i <= 12; i++ {
		if _, ok := e.pick("graph", "GET", "/v1.0/users", "/v1.0/users", 0); ok {
			fired = append(fired, i)
		}
	}
	if len(fired) != 2 || fired[0] != 3 || fired[1] != 6 {
		t.Fatalf("every 3, count 2: fired on %v", fired)
	}
	seq := func(seed uint64) (out []bool) {
		e := newFaultEngine(seed)
		_ = e.set("", []FaultRule{{Route: "*", Kind: FaultError, Probability: 0.3}})
		for i := 0; i < 200; i++ {
			_, ok := e.pick("arm", "GET", "/subscriptions", "/subscriptions", 0)
			out = append(out, ok)
		}
		return out
	}
	a, b, c := seq(5), seq(5), seq(6)
	fires := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at %d", i)
		}
		if a[i] {
			fires++
		}
	}
	if fires < 40 || fires > 80 {
		t.Errorf("probability 0.3 fired %d/200", fires)
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("seeds 5 and 6 give the same faults")
	}
}

func TestFaultProfiles_Contents(t *testing.T) {
	t.Parallel()
	sum := func(rules []FaultRule, pred func(FaultRule) bool) (p float64) {
		for _, r := range rules {
			if pred(r) {
				p += r.Probability
			}
		}
		return math.Round(p*1000) / 1000
	}
	flaky, _ := FaultProfile(FaultsFlaky)
	storm, _ := FaultProfile(FaultsStorm)
	none, _ := FaultProfile(FaultsNone)
	is5xx := func(r FaultRule) bool { return r.Kind == FaultError }
	withRA := func(r FaultRule) bool { return r.Kind == FaultThrottle && !r.NoRetryAfter }
	noRA := func(r FaultRule) bool { return r.Kind == FaultThrottle && r.NoRetryAfter }
	reset := func(r FaultRule) bool { return r.Kind == FaultReset }
	if len(none) != 0 || sum(flaky, is5xx) != 0.02 || sum(flaky, withRA) != 0.01 || sum(flaky, reset) != 0.005 ||
		sum(storm, withRA) != 0.10 || sum(storm, noRA) != 0.02 || sum(storm, is5xx) != 0.02 {
		t.Fatalf("profiles: flaky %+v storm %+v", flaky, storm)
	}
	if _, err := FaultProfile("hurricane"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestRetryAfterFormats(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{1250 * time.Millisecond: "1.25", 1241 * time.Millisecond: "1.25", 2 * time.Second: "2", 0: "0.01"} {
		if got := formatGraphRetryAfter(d); got != want {
			t.Errorf("Graph %v: %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{40 * time.Millisecond: "1", 1001 * time.Millisecond: "2", 3 * time.Second: "3"} {
		if got := formatARMRetryAfter(d); got != want {
			t.Errorf("ARM %v: %q, want %q", d, got, want)
		}
	}
	for used, want := range map[float64]string{0.5: "0.8", 0.8014: "0.8", 0.856: "0.86", 1.5: "1.5", 2: "1.8"} {
		if got := formatPercentage(used); got != want {
			t.Errorf("percentage %v: %q, want %q", used, got, want)
		}
	}
}
