package azsim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names what an injected fault does.
type FaultKind string

// Fault kinds. Faults apply to authenticated Graph and ARM requests (never to login or the admin plane).
const (
	// FaultThrottle answers 429 TooManyRequests with Retry-After (FaultRule.RetryAfter, default 1 s)
	// unless FaultRule.NoRetryAfter.
	FaultThrottle FaultKind = "throttle"
	// FaultError answers FaultRule.Status (500, 502, 503 or 504; default 503) in the API's envelope.
	FaultError FaultKind = "error"
	// FaultReset sends the response headers and half of the body, then aborts the stream (HTTP/2
	// RST_STREAM) or connection (HTTP/1.1).
	FaultReset FaultKind = "reset"
	// FaultSlow delays the request by FaultRule.Delay (default 2 s) before it is handled.
	FaultSlow FaultKind = "slow"
	// FaultTokenExpired rejects tokens issued more than FaultRule.MaxTokenAge (default 5 min) ago with the
	// API's "token expired" 401, as if the token had expired early.
	FaultTokenExpired FaultKind = "token_expired"
	// FaultForeignNextLink points the page's @odata.nextLink / nextLink at FaultRule.Host (default
	// evil.example.com), to prove that clients refuse to follow it.
	FaultForeignNextLink FaultKind = "foreign_next_link"
	// FaultForbidden answers 403 as if the app lacked access: Graph's Authorization_RequestDenied, ARM's
	// AuthorizationFailed naming the request's scope. With Path it stands for a permission missing on one
	// object (a subscription, a group).
	FaultForbidden FaultKind = "forbidden"
	// FaultNotFound answers 404 as if the object had been deleted: Graph's Request_ResourceNotFound, ARM's
	// ResourceNotFound (SubscriptionNotFound under /subscriptions/{id}).
	FaultNotFound FaultKind = "not_found"
)

// Fault profiles (Options.Faults, --faults); any other value is the path of a JSON rules file.
const (
	FaultsNone  = "none"
	FaultsFlaky = "flaky"
	FaultsStorm = "storm"
)

// FaultRule injects one kind of fault into the requests whose route matches.
type FaultRule struct {
	// Route selects requests: "" or "*" (every Graph and ARM request), a service ("graph", "arm"), or a
	// route template as stats name it, with an optional method and * wildcards, case-insensitive:
	// "GET /v1.0/groups/{id}/members", "/v1.0/users*", "* /subscriptions/{sub}/resourcegroups".
	Route string `json:"route"`
	// Path, when set, also requires the request's URL path to match this glob (case-insensitive, * any
	// run of characters): "/v1.0/groups/<id>/members*", "/subscriptions/<id>/*" — one object, where
	// Route names a whole route.
	Path string    `json:"path,omitempty"`
	Kind FaultKind `json:"kind"`
	// Probability that a matching request gets the fault (0 with Every 0: always). Every > 0 instead
	// injects into every Nth matching request. Count > 0 caps the number of injections.
	Probability float64 `json:"probability,omitempty"`
	Every       int     `json:"every,omitempty"`
	Count       int     `json:"count,omitempty"`
	// Parameters of the kinds above.
	Status       int           `json:"status,omitempty"`
	RetryAfter   time.Duration `json:"-"`
	NoRetryAfter bool          `json:"no_retry_after,omitempty"`
	Delay        time.Duration `json:"-"`
	MaxTokenAge  time.Duration `json:"-"`
	Host         string        `json:"host,omitempty"`
}

// faultRuleJSON carries FaultRule's durations as Go duration strings ("1.5s") or numbers of seconds.
type faultRuleJSON struct {
	ruleAlias
	RetryAfter  json.RawMessage `json:"retry_after,omitempty"`
	Delay       json.RawMessage `json:"delay,omitempty"`
	MaxTokenAge json.RawMessage `json:"max_token_age,omitempty"`
}

type ruleAlias FaultRule

// MarshalJSON implements json.Marshaler.
func (r FaultRule) MarshalJSON() ([]byte, error) {
	out := faultRuleJSON{ruleAlias: ruleAlias(r)}
	for _, f := range []struct {
		d   time.Duration
		dst *json.RawMessage
	}{{r.RetryAfter, &out.RetryAfter}, {r.Delay, &out.Delay}, {r.MaxTokenAge, &out.MaxTokenAge}} {
		if f.d != 0 {
			*f.dst, _ = json.Marshal(f.d.String())
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *FaultRule) UnmarshalJSON(b []byte) error {
	var in faultRuleJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = FaultRule(in.ruleAlias)
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *time.Duration
	}{{"retry_after", in.RetryAfter, &r.RetryAfter}, {"delay", in.Delay, &r.Delay}, {"max_token_age", in.MaxTokenAge, &r.MaxTokenAge}} {
		if len(f.raw) == 0 || string(f.raw) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(f.raw, &s) == nil {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("fault rule %s: %w", f.name, err)
			}
			*f.dst = d
			continue
		}
		var sec float64
		if err := json.Unmarshal(f.raw, &sec); err != nil {
			return fmt.Errorf("fault rule %s: want a duration string (\"1.5s\") or seconds", f.name)
		}
		*f.dst = time.Duration(sec * float64(time.Second))
	}
	return nil
}

// validate checks a rule and fills its defaults.
func (r *FaultRule) validate() error {
	if r.Probability < 0 || r.Probability > 1 || math.IsNaN(r.Probability) {
		return fmt.Errorf("azsim: fault rule %q: probability %v outside [0, 1]", r.Route, r.Probability)
	}
	if r.Every < 0 || r.Count < 0 {
		return fmt.Errorf("azsim: fault rule %q: every and count must not be negative", r.Route)
	}
	switch r.Kind {
	case FaultThrottle:
		if r.RetryAfter <= 0 && !r.NoRetryAfter {
			r.RetryAfter = time.Second
		}
	case FaultError:
		if r.Status == 0 {
			r.Status = http.StatusServiceUnavailable
		}
		switch r.Status {
		case 500, 502, 503, 504:
		default:
			return fmt.Errorf("azsim: fault rule %q: status %d (want 500, 502, 503 or 504)", r.Route, r.Status)
		}
	case FaultSlow:
		if r.Delay <= 0 {
			r.Delay = 2 * time.Second
		}
	case FaultTokenExpired:
		if r.MaxTokenAge <= 0 {
			r.MaxTokenAge = 5 * time.Minute
		}
	case FaultForeignNextLink:
		if r.Host == "" {
			r.Host = "evil.example.com"
		}
	case FaultReset, FaultForbidden, FaultNotFound:
	default:
		return fmt.Errorf("azsim: fault rule %q: unknown kind %q (want throttle, error, reset, slow, token_expired, foreign_next_link, "+
			"forbidden or not_found)", r.Route, r.Kind)
	}
	return nil
}

// matches reports whether the rule selects a request of service with this method, route template and
// URL path.
func (r *FaultRule) matches(service, method, route, path string) bool {
	if r.Path != "" && !globMatch(strings.ToLower(r.Path), strings.ToLower(path)) {
		return false
	}
	pat := strings.ToLower(strings.TrimSpace(r.Route))
	switch pat {
	case "", "*":
		return true
	case "graph", "arm", "login":
		return pat == service
	}
	if strings.Contains(pat, " ") {
		return globMatch(pat, strings.ToLower(method+" "+route))
	}
	return globMatch(pat, strings.ToLower(route))
}

// label names an injected fault in stats.
func (r *FaultRule) label() string {
	switch r.Kind {
	case FaultError:
		return "error_" + strconv.Itoa(r.Status)
	case FaultThrottle:
		if r.NoRetryAfter {
			return "throttle_no_retry_after"
		}
	}
	return string(r.Kind)
}

// FaultProfile returns the rules of a named profile (none, flaky, storm).
//
//	flaky: per Graph/ARM request 0.5 % each of 500, 502, 503, 504 (2 % 5xx), 1 % 429 with Retry-After 1 s,
//	       0.5 % connection resets mid-body.
//	storm: 10 % 429 with Retry-After 1.5 s, 2 % 429 without Retry-After, 0.5 % each of 500, 502, 503, 504.
func FaultProfile(name string) ([]FaultRule, error) {
	fivexx := func(p float64) []FaultRule {
		var out []FaultRule
		for _, st := range []int{500, 502, 503, 504} {
			out = append(out, FaultRule{Route: "*", Kind: FaultError, Status: st, Probability: p})
		}
		return out
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", FaultsNone, "off":
		return nil, nil
	case FaultsFlaky:
		return append(fivexx(0.005),
			FaultRule{Route: "*", Kind: FaultThrottle, Probability: 0.01, RetryAfter: time.Second},
			FaultRule{Route: "*", Kind: FaultReset, Probability: 0.005}), nil
	case FaultsStorm:
		return append([]FaultRule{
			{Route: "*", Kind: FaultThrottle, Probability: 0.10, RetryAfter: 1500 * time.Millisecond},
			{Route: "*", Kind: FaultThrottle, Probability: 0.02, NoRetryAfter: true},
		}, fivexx(0.005)...), nil
	}
	return nil, fmt.Errorf("azsim: unknown fault profile %q (want none, flaky or storm)", name)
}

// FaultsFile is the format of a --faults FILE: an optional base profile plus rules. A bare JSON array
// of rules is accepted too.
type FaultsFile struct {
	Profile string      `json:"profile,omitempty"`
	Rules   []FaultRule `json:"rules"`
}

// loadFaults resolves --faults: a profile name, or a file holding rules.
func loadFaults(spec string) (name string, rules []FaultRule, err error) {
	if rules, err := FaultProfile(spec); err == nil {
		if strings.TrimSpace(spec) == "" {
			spec = FaultsNone
		}
		return strings.ToLower(strings.TrimSpace(spec)), rules, nil
	}
	b, err := os.ReadFile(spec)
	if err != nil {
		return "", nil, fmt.Errorf("azsim: --faults %q is neither none, flaky, storm nor a readable rules file: %w", spec, err)
	}
	f, err := parseFaultsJSON(b)
	if err != nil {
		return "", nil, fmt.Errorf("azsim: faults file %s: %w", spec, err)
	}
	base, err := FaultProfile(f.Profile)
	if err != nil {
		return "", nil, err
	}
	return "file:" + spec, append(base, f.Rules...), nil
}

func parseFaultsJSON(b []byte) (FaultsFile, error) {
	var f FaultsFile
	trimmed := strings.TrimSpace(string(b))
	if strings.HasPrefix(trimmed, "[") {
		err := json.Unmarshal(b, &f.Rules)
		return f, err
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err := dec.Decode(&f)
	return f, err
}

// faultEngine decides, deterministically per seed, which requests get which fault. Rules are evaluated
// in order and the first that fires wins. A rule's n-th matching request fires when n+1 is a multiple of
// Every, or when a uniform draw from PCG(seed, rule, n) is below Probability — so a sequential client
// sees the same faults on every run with the same seed.
type faultEngine struct {
	mu      sync.Mutex
	seed    uint64
	profile string
	rules   []*faultState
}

type faultState struct {
	rule     FaultRule
	matched  uint64
	injected int
}

// FaultRuleState is a rule with its counters (admin plane).
type FaultRuleState struct {
	Rule     FaultRule `json:"rule"`
	Matched  uint64    `json:"matched"`
	Injected int       `json:"injected"`
}

func newFaultEngine(seed uint64) *faultEngine { return &faultEngine{seed: seed, profile: FaultsNone} }

// set replaces the rules; counters restart.
func (e *faultEngine) set(profile string, rules []FaultRule) error {
	states := make([]*faultState, 0, len(rules))
	for _, r := range rules {
		if err := r.validate(); err != nil {
			return err
		}
		states = append(states, &faultState{rule: r})
	}
	if profile == "" {
		profile = "custom"
		if len(rules) == 0 {
			profile = FaultsNone
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.profile, e.rules = profile, states
	return nil
}

func (e *faultEngine) snapshot() (string, []FaultRuleState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]FaultRuleState, 0, len(e.rules))
	for _, st := range e.rules {
		out = append(out, FaultRuleState{Rule: st.rule, Matched: st.matched, Injected: st.injected})
	}
	return e.profile, out
}

// pick returns the fault to inject into a request, if any. tokenAge is the age of the caller's token
// (token_expired rules only consider tokens older than their MaxTokenAge).
func (e *faultEngine) pick(service, method, route, path string, tokenAge time.Duration) (FaultRule, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, st := range e.rules {
		r := &st.rule
		if !r.matches(service, method, route, path) || (r.Count > 0 && st.injected >= r.Count) {
			continue
		}
		if r.Kind == FaultTokenExpired && tokenAge < r.MaxTokenAge {
			continue
		}
		n := st.matched
		st.matched++
		var fire bool
		switch {
		case r.Every > 0:
			fire = (n+1)%uint64(r.Every) == 0
		case r.Probability == 0:
			fire = true
		default:
			fire = uniform(e.seed^(uint64(i+1)*0x9e3779b97f4a7c15), n) < r.Probability
		}
		if fire {
			st.injected++
			return *r, true
		}
	}
	return FaultRule{}, false
}

// uniform is a deterministic draw in [0, 1) from PCG(a, b).
func uniform(a, b uint64) float64 {
	pcg := rand.NewPCG(a, b)
	return float64(pcg.Uint64()>>11) / (1 << 53)
}

// graphFaultError is a Graph error answer for an injected fault.
func graphFaultError(r FaultRule, route, path string) *apiError {
	switch r.Kind {
	case FaultThrottle:
		e := &apiError{status: http.StatusTooManyRequests, code: "TooManyRequests", message: "Please retry again later.",
			header: http.Header{"X-Ms-Throttle-Information": {"CPULimitExceeded"}}}
		if !r.NoRetryAfter && !strings.HasPrefix(route, "/v1.0/identityProtection/") {
			e.header.Set("Retry-After", formatGraphRetryAfter(r.RetryAfter))
		}
		return e
	case FaultForbidden:
		return &apiError{status: http.StatusForbidden, code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation."}
	case FaultNotFound:
		return &apiError{status: http.StatusNotFound, code: "Request_ResourceNotFound", message: fmt.Sprintf(
			"Resource '%s' does not exist or one of its queried reference-property objects are not present.", graphObjectOf(path))}
	case FaultError:
		e := &apiError{status: r.Status}
		switch r.Status {
		case 500:
			e.code, e.message = "generalException", "An unspecified error has occurred."
		case 502:
			e.code, e.message = "UnknownError", ""
		case 503:
			e.code, e.message = "serviceNotAvailable", "The service is temporarily unavailable. Retry the request after a delay."
		case 504:
			e.code, e.message = "UnknownError", ""
		}
		if r.RetryAfter > 0 {
			e.header = http.Header{"Retry-After": {formatGraphRetryAfter(r.RetryAfter)}}
		}
		return e
	}
	return nil
}

// armFaultError is an ARM error answer for an injected fault.
func armFaultError(r FaultRule, path string, now time.Time) *apiError {
	switch r.Kind {
	case FaultThrottle:
		e := &apiError{status: http.StatusTooManyRequests, code: "TooManyRequests", message: "The request is being throttled as the limit " +
			"has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits"}
		if !r.NoRetryAfter {
			e.header = http.Header{"Retry-After": {formatARMRetryAfter(r.RetryAfter)}}
		}
		return e
	case FaultForbidden:
		return &apiError{status: http.StatusForbidden, code: "AuthorizationFailed", message: fmt.Sprintf(
			"The client does not have authorization to perform action 'read' over scope '%s' or the scope is invalid. "+
				"If access was recently granted, please refresh your credentials.", path)}
	case FaultNotFound:
		if sub := armSubscriptionOf(path); sub != "" && len(splitPath(path)) <= 3 {
			return &apiError{status: http.StatusNotFound, code: "SubscriptionNotFound", message: fmt.Sprintf("The subscription '%s' could not be found.", sub)}
		}
		return &apiError{status: http.StatusNotFound, code: "ResourceNotFound", message: fmt.Sprintf("The resource '%s' was not found.", path)}
	case FaultError:
		provider := armProviderOf(path)
		e := &apiError{status: r.Status}
		switch r.Status {
		case 500:
			id := newID()
			e.code, e.message = "InternalServerError", fmt.Sprintf("Encountered internal server error. Diagnostic information: "+
				"timestamp '%s', subscription id '%s', tracking id '%s', request correlation id '%s'.",
				now.UTC().Format("20060102T150405Z"), armSubscriptionOf(path), id, id)
		case 502:
			e.code, e.message = "BadGateway", "The gateway received an invalid response from '"+provider+"'."
		case 503:
			e.code, e.message = "ServiceUnavailable", "The service '"+provider+"' is temporarily unavailable. Please try again later."
		case 504:
			e.code, e.message = "GatewayTimeout", "The gateway did not receive a response from '"+provider+"' within the specified time period."
		}
		if r.RetryAfter > 0 {
			e.header = http.Header{"Retry-After": {formatARMRetryAfter(r.RetryAfter)}}
		}
		return e
	}
	return nil
}

// armProviderOf names the resource provider an ARM path addresses (Microsoft.Resources by default).
func armProviderOf(path string) string {
	segs := splitPath(path)
	provider := "Microsoft.Resources"
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "providers") {
			provider = segs[i+1]
		}
	}
	return provider
}

// graphObjectOf is the object id a Graph path addresses (the segment after the collection), or the path.
func graphObjectOf(path string) string {
	segs := splitPath(path)
	if len(segs) >= 3 {
		return segs[2]
	}
	return path
}
