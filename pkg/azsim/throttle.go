package azsim

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Throttling as Graph and ARM do it (docs/azsim.md, "Throttling, latency and faults").
//
// Graph (identity and access): a resource-unit (RU) token bucket per app+tenant whose size depends on the
// throttle profile (S 3,500 / M 5,000 / L 8,000 RU per 10 s, refilled continuously), and a write bucket of
// 3,000 requests per 150 s per app+tenant. Identity protection (riskyUsers) has its own per-tenant bucket
// and answers 429 without Retry-After; mailbox settings (Exchange) are outside the identity RU model.
//
// ARM: token buckets per subscription (or tenant) and principal and operation type (reads 250 / 25 per s,
// writes and deletes 200 / 10 per s), plus a global subscription bucket of 15x the per-principal one.

// Throttle profiles (Options.Throttle, --throttle).
const (
	ThrottleOff = "off"
	ThrottleS   = "S"
	ThrottleM   = "M"
	ThrottleL   = "L"
)

// graphRUPer10s is the app+tenant RU budget of each throttle profile.
var graphRUPer10s = map[string]float64{ThrottleS: 3500, ThrottleM: 5000, ThrottleL: 8000}

const (
	graphRUWindow       = 10 * time.Second
	graphWriteCapacity  = 3000
	graphWriteWindow    = 150 * time.Second
	riskyUsersCapacity  = 5 // burst; refilled at 1 request/s per tenant
	riskyUsersPerSecond = 1.0

	// throttleLowReserve is the share of the RU bucket Low-priority requests may not use: they are
	// throttled first. throttleHighOverdraft is how far High-priority requests may overdraw: they are
	// throttled last.
	throttleLowReserve    = 0.10
	throttleHighOverdraft = 0.05

	armReadCapacity, armReadPerSecond     = 250, 25
	armWriteCapacity, armWritePerSecond   = 200, 10
	armDeleteCapacity, armDeletePerSecond = 200, 10
	armGlobalFactor                       = 15
)

// normalizeThrottle maps a profile name ("" and case variants included) to its canonical form.
func normalizeThrottle(p string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "", "off", "none":
		return ThrottleOff, nil
	case "s":
		return ThrottleS, nil
	case "m":
		return ThrottleM, nil
	case "l":
		return ThrottleL, nil
	}
	return "", fmt.Errorf("azsim: unknown throttle profile %q (want off, S, M or L)", p)
}

// bucket is a continuously refilled token bucket. level may go negative (Graph counts throttled requests
// against usage), down to -capacity.
type bucket struct {
	capacity, rate float64 // tokens, tokens per second
	level          float64
	last           time.Time
}

func (b *bucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.last = now
		return
	}
	if d := now.Sub(b.last); d > 0 {
		b.level = math.Min(b.capacity, b.level+d.Seconds()*b.rate)
		b.last = now
	}
}

// wait is how long until the bucket holds at least need tokens.
func (b *bucket) wait(need float64) time.Duration {
	if b.level >= need {
		return 0
	}
	return time.Duration((need - b.level) / b.rate * float64(time.Second))
}

// throttler holds every bucket. Buckets are created full on first use and refilled lazily from the
// server's clock, so tests control time through Options.Clock.
type throttler struct {
	mu      sync.Mutex
	profile string
	buckets map[string]*bucket
}

func newThrottler(profile string) *throttler {
	return &throttler{profile: profile, buckets: map[string]*bucket{}}
}

func (t *throttler) setProfile(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.profile = p
	t.buckets = map[string]*bucket{}
}

func (t *throttler) getProfile() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.profile
}

// get returns the bucket under key, created full. Callers hold t.mu.
func (t *throttler) get(key string, capacity, perSecond float64, now time.Time) *bucket {
	b := t.buckets[key]
	if b == nil {
		b = &bucket{capacity: capacity, rate: perSecond, level: capacity, last: now}
		t.buckets[key] = b
	}
	b.refill(now)
	return b
}

// BucketState is a snapshot of one throttling bucket (admin plane).
type BucketState struct {
	Key       string  `json:"key"`
	Capacity  float64 `json:"capacity"`
	PerSecond float64 `json:"per_second"`
	Level     float64 `json:"level"`
}

func (t *throttler) snapshot(now time.Time) []BucketState {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]BucketState, 0, len(t.buckets))
	for k, b := range t.buckets {
		b.refill(now)
		out = append(out, BucketState{Key: k, Capacity: b.capacity, PerSecond: b.rate, Level: math.Round(b.level*100) / 100})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Graph request classes: which throttling model applies.
const (
	graphClassIdentity   = iota // the identity and access RU model
	graphClassBatch             // $batch: each sub-request is charged, the envelope is free
	graphClassExchange          // mailbox settings: Exchange limits, not simulated
	graphClassProtection        // identity protection: 1 request/s per tenant, 429 without Retry-After
)

// graphBaseCosts are the documented base RU costs; every other GET costs 1 and every write 1 RU + 1 write.
var graphBaseCosts = map[string]int{
	"GET /v1.0/users":                                     2,
	"GET /v1.0/applications":                              2,
	"GET /v1.0/groups/{id}/members":                       3,
	"GET /v1.0/groups/{id}/members/{cast}":                3,
	"GET /v1.0/groups/{id}/transitiveMembers":             5,
	"GET /v1.0/groups/{id}/transitiveMembers/{cast}":      5,
	"GET /v1.0/servicePrincipals/{id}/appRoleAssignments": 2,
	"GET /v1.0/subscribedSkus":                            3,
	"GET /v1.0/users/{id}/licenseDetails":                 2,
	"GET /v1.0/oauth2PermissionGrants":                    2,
	"GET /v1.0/oauth2PermissionGrants/{id}":               2,
	"POST /v1.0/directoryObjects/getByIds":                5,
}

// graphCost classifies a Graph request and computes its RU cost: base cost by route template, then
// $select -1, $expand +1, $top < 20 -1, floor 1 (getByIds with $select costs 2). Writes (POST, PATCH,
// PUT, DELETE other than getByIds and $batch) cost 1 RU and 1 write.
func graphCost(method, route, rawQuery string) (class, ru int, write bool) {
	switch {
	case strings.HasSuffix(route, "/$batch"):
		return graphClassBatch, 0, false
	case strings.Contains(route, "/mailboxSettings"):
		return graphClassExchange, 0, false
	case strings.HasPrefix(route, "/v1.0/identityProtection/"):
		return graphClassProtection, 0, false
	}
	key := method + " " + route
	if key == "POST /v1.0/directoryObjects/getByIds" {
		if hasQueryOption(rawQuery, "$select") {
			return graphClassIdentity, 2, false
		}
		return graphClassIdentity, 5, false
	}
	if method != http.MethodGet && method != http.MethodHead {
		return graphClassIdentity, 1, true
	}
	cost := 1
	if c, known := graphBaseCosts[key]; known {
		cost = c
	}
	if rawQuery != "" {
		q, _ := url.ParseQuery(rawQuery)
		for k, v := range q {
			val := ""
			if len(v) > 0 {
				val = strings.TrimSpace(v[0])
			}
			switch strings.ToLower(k) {
			case "$select":
				if val != "" {
					cost--
				}
			case "$expand":
				if val != "" {
					cost++
				}
			case "$top":
				if n, err := strconv.Atoi(val); err == nil && n < 20 {
					cost--
				}
			}
		}
	}
	return graphClassIdentity, max(cost, 1), false
}

func hasQueryOption(rawQuery, name string) bool {
	q, _ := url.ParseQuery(rawQuery)
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			return true
		}
	}
	return false
}

// graphVerdict is the outcome of charging one Graph request.
type graphVerdict struct {
	ru        int  // RU charged (0: not in the RU model)
	throttled bool // 429
	err       *apiError
}

// chargeGraph charges one Graph request of app+tenant to the buckets and sets the throttling headers on
// h. The RU header is set even when throttling is off.
func (t *throttler) chargeGraph(h http.Header, method, route, rawQuery, priority, appID, tenantID string, now time.Time) graphVerdict {
	class, ru, write := graphCost(method, route, rawQuery)
	if class == graphClassIdentity {
		h.Set("x-ms-resource-unit", strconv.Itoa(ru))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	capacity, on := graphRUPer10s[t.profile]
	if !on {
		return graphVerdict{ru: ru}
	}
	switch class {
	case graphClassBatch, graphClassExchange:
		return graphVerdict{}
	case graphClassProtection:
		b := t.get("graph|identityProtection|"+tenantID, riskyUsersCapacity, riskyUsersPerSecond, now)
		if b.level >= 1 {
			b.level--
			return graphVerdict{}
		}
		// Identity protection answers 429 without Retry-After, as Graph does.
		return graphVerdict{throttled: true, err: &apiError{status: http.StatusTooManyRequests, code: "TooManyRequests",
			message: "Please retry again later."}}
	}
	rate := capacity / graphRUWindow.Seconds()
	b := t.get("graph|ru|"+appID+"|"+tenantID, capacity, rate, now)
	reserve := 0.0
	switch strings.ToLower(strings.TrimSpace(priority)) {
	case "low":
		reserve = throttleLowReserve * capacity
	case "high":
		reserve = -throttleHighOverdraft * capacity
	}
	cost := float64(ru)
	var wb *bucket
	if write {
		wb = t.get("graph|write|"+appID+"|"+tenantID, graphWriteCapacity, graphWriteCapacity/graphWriteWindow.Seconds(), now)
	}
	ruOK := b.level-cost >= reserve
	writeOK := wb == nil || wb.level >= 1
	// Every request counts against usage, throttled ones included (as Graph documents); the debt is
	// bounded by one bucket.
	b.level = math.Max(b.level-cost, -b.capacity)
	used := (b.capacity - b.level) / b.capacity
	if ruOK && writeOK {
		if wb != nil {
			wb.level--
			used = math.Max(used, (wb.capacity-wb.level)/wb.capacity)
		}
		if used > 0.8 {
			h.Set("x-ms-throttle-limit-percentage", formatPercentage(used))
		}
		return graphVerdict{ru: ru}
	}
	hdr := http.Header{}
	var retry time.Duration
	if !ruOK {
		retry = b.wait(cost + reserve)
		hdr.Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+appID+"/"+tenantID)
		hdr.Set("x-ms-throttle-information", "ResourceUnitLimitExceeded")
	} else {
		retry = wb.wait(1)
		used = math.Max(used, (wb.capacity-wb.level)/wb.capacity)
		hdr.Set("x-ms-throttle-scope", "Tenant_Application/Write/"+appID+"/"+tenantID)
		hdr.Set("x-ms-throttle-information", "WriteLimitExceeded")
	}
	hdr.Set("Retry-After", formatGraphRetryAfter(retry))
	hdr.Set("x-ms-throttle-limit-percentage", formatPercentage(math.Max(used, 0.81)))
	hdr.Set("x-ms-resource-unit", strconv.Itoa(ru))
	return graphVerdict{ru: ru, throttled: true, err: &apiError{status: http.StatusTooManyRequests, code: "TooManyRequests",
		message: "Please retry again later.", header: hdr}}
}

// formatPercentage renders the share of the budget used, clamped to Graph's 0.8..1.8 range.
func formatPercentage(used float64) string {
	used = math.Min(math.Max(used, 0.8), 1.8)
	return strconv.FormatFloat(math.Round(used*100)/100, 'f', -1, 64)
}

// formatGraphRetryAfter renders a Graph Retry-After: seconds, possibly fractional (e.g. "1.25"), rounded
// up to the hundredth, at least 0.01.
func formatGraphRetryAfter(d time.Duration) string {
	sec := math.Ceil(d.Seconds()*100) / 100
	if sec < 0.01 {
		sec = 0.01
	}
	return strconv.FormatFloat(sec, 'f', -1, 64)
}

// formatARMRetryAfter renders an ARM Retry-After: whole seconds, rounded up, at least 1.
func formatARMRetryAfter(d time.Duration) string {
	return strconv.Itoa(max(int(math.Ceil(d.Seconds())), 1))
}

// armOperation names ARM's throttling operation type of a method.
func armOperation(method string) (op string, capacity, perSecond float64) {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "read", armReadCapacity, armReadPerSecond
	case http.MethodDelete:
		return "delete", armDeleteCapacity, armDeletePerSecond
	}
	return "write", armWriteCapacity, armWritePerSecond
}

// armSubscriptionOf returns the subscription id of an ARM path, "" for tenant-level requests.
func armSubscriptionOf(path string) string {
	segs := splitPath(path)
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		return strings.ToLower(segs[1])
	}
	return ""
}

// chargeARM takes one token from the caller's bucket for the request's subscription (or the tenant) and
// operation type and sets the x-ms-ratelimit-remaining-* headers. ok is false when throttled (nothing
// is taken: ARM does not process early retries).
func (t *throttler) chargeARM(h http.Header, method, path, principal, tenantID string, now time.Time) *apiError {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, on := graphRUPer10s[t.profile]; !on {
		return nil
	}
	op, capacity, perSecond := armOperation(method)
	sub := armSubscriptionOf(path)
	principal = strings.ToLower(principal)
	if sub == "" {
		b := t.get("arm|tenant|"+strings.ToLower(tenantID)+"|"+principal+"|"+op, capacity, perSecond, now)
		if b.level >= 1 {
			b.level--
			h.Set("x-ms-ratelimit-remaining-tenant-"+op+"s", strconv.Itoa(int(b.level)))
			return nil
		}
		h.Set("x-ms-ratelimit-remaining-tenant-"+op+"s", "0")
		return armThrottled(b.wait(1), fmt.Sprintf("Number of '%s' requests for tenant '%s' actor '%s' exceeded. "+
			"Please try again after '%s' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
			op, tenantID, principal, formatARMRetryAfter(b.wait(1))), "TenantRequestsThrottled")
	}
	b := t.get("arm|sub|"+sub+"|"+principal+"|"+op, capacity, perSecond, now)
	g := t.get("arm|subglobal|"+sub+"|"+op, capacity*armGlobalFactor, perSecond*armGlobalFactor, now)
	name, global := "x-ms-ratelimit-remaining-subscription-"+op+"s", "x-ms-ratelimit-remaining-subscription-global-"+op+"s"
	if b.level >= 1 && g.level >= 1 {
		b.level--
		g.level--
		h.Set(name, strconv.Itoa(int(b.level)))
		h.Set(global, strconv.Itoa(int(g.level)))
		return nil
	}
	h.Set(name, strconv.Itoa(max(int(b.level), 0)))
	h.Set(global, strconv.Itoa(max(int(g.level), 0)))
	if b.level < 1 {
		wait := b.wait(1)
		return armThrottled(wait, fmt.Sprintf("Number of '%s' requests for subscription '%s' actor '%s' exceeded. "+
			"Please try again after '%s' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
			op, sub, principal, formatARMRetryAfter(wait)), "SubscriptionRequestsThrottled")
	}
	wait := g.wait(1)
	return armThrottled(wait, fmt.Sprintf("Number of '%s' requests for subscription '%s' exceeded. "+
		"Please try again after '%s' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
		op, sub, formatARMRetryAfter(wait)), "SubscriptionRequestsThrottled")
}

func armThrottled(wait time.Duration, msg, code string) *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: code, message: msg,
		header: http.Header{"Retry-After": {formatARMRetryAfter(wait)}}}
}
