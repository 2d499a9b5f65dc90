package azsim_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// send performs a request with an optional JSON body and decodes a JSON answer.
func send(t *testing.T, s *azsim.Server, method, target, bearer, body string, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	m := map[string]any{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: invalid JSON %q", method, target, b)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// realismFixture is an in-process simulator on a fake clock with Graph and ARM tokens of the reader app.
type realismFixture struct {
	s        *azsim.Server
	clock    *fakeClock
	graphTok string
	armTok   string
	app      azsim.AppCredentials
}

func newRealismFixture(t *testing.T, o azsim.Options) *realismFixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if !o.NoListener && o.VHostAddr == "" && o.Host == "" {
		o.NoListener = true
	}
	o.Clock = clock.Now
	s := start(t, o)
	app := readerApp(t, s)
	return &realismFixture{s: s, clock: clock, app: app,
		graphTok: token(t, s, app, "https://graph.microsoft.com/.default"),
		armTok:   token(t, s, app, "https://management.core.windows.net//.default")}
}

func (f *realismFixture) graph(t *testing.T, method, path, body string, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	return send(t, f.s, method, f.s.GraphURL()+"/v1.0"+path, f.graphTok, body, hdr)
}

func (f *realismFixture) arm(t *testing.T, method, path string) (int, map[string]any, http.Header) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	version := "2022-12-01"
	switch lower := strings.ToLower(path); {
	case strings.Contains(lower, "microsoft.authorization"):
		version = "2022-04-01"
	case strings.Contains(lower, "/resourcegroups"):
		version = "2021-04-01"
	}
	return send(t, f.s, method, f.s.ARMURL()+path+sep+"api-version="+version, f.armTok, "", nil)
}

// someGroup returns a group id of the world (the biggest group).
func someGroup(f *realismFixture) (id string, userID string, spID string) {
	f.s.ReadWorld(func(w *world.World) {
		best := -1
		for _, g := range w.Groups {
			if len(g.Members) > best {
				best, id = len(g.Members), g.ID
			}
		}
		userID = w.Users[0].ID
		spID = w.ServicePrincipals[0].ID
	})
	return id, userID, spID
}

func someSubscription(f *realismFixture) string {
	var sub string
	f.s.ReadWorld(func(w *world.World) { sub = w.Subscriptions[0].ID })
	return sub
}

func TestGraphThrottle_EveryResponseCarriesItsResourceUnitCost(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{}) // throttling off: costs are still reported
	g, u, sp := someGroup(f)
	eventual := map[string]string{"ConsistencyLevel": "eventual"}
	for _, tc := range []struct {
		method, path, body string
		hdr                map[string]string
		ru                 string
	}{
		{"GET", "/users", "", nil, "2"},
		{"GET", "/users?$select=id,displayName", "", nil, "1"},
		{"GET", "/users?$top=10", "", nil, "1"},
		{"GET", "/users?$top=999&$select=id", "", nil, "1"},
		{"GET", "/users/" + u, "", nil, "1"},
		{"GET", "/users/$count", "", eventual, "1"},
		{"GET", "/users/" + u + "/licenseDetails", "", nil, "2"},
		{"GET", "/groups", "", nil, "1"},
		{"GET", "/groups?$expand=members", "", nil, "2"},
		{"GET", "/groups/" + g + "/members", "", nil, "3"},
		{"GET", "/groups/" + g + "/members?$select=id", "", nil, "2"},
		{"GET", "/groups/" + g + "/members/microsoft.graph.user", "", nil, "3"},
		{"GET", "/groups/" + g + "/transitiveMembers", "", nil, "5"},
		{"GET", "/groups/" + g + "/transitiveMembers?$select=id&$top=5", "", nil, "3"},
		{"GET", "/applications", "", nil, "2"},
		{"GET", "/servicePrincipals/" + sp + "/appRoleAssignments", "", nil, "2"},
		{"GET", "/subscribedSkus", "", nil, "3"},
		{"POST", "/directoryObjects/getByIds", `{"ids":["` + u + `"]}`, nil, "5"},
		{"POST", "/directoryObjects/getByIds?$select=id", `{"ids":["` + u + `"]}`, nil, "2"},
		{"GET", "/users/" + u + "/mailboxSettings", "", nil, ""}, // Exchange, not the identity RU model
		{"GET", "/identityProtection/riskyUsers", "", nil, ""},   // identity protection, ditto
	} {
		status, m, h := f.graph(t, tc.method, tc.path, tc.body, tc.hdr)
		if status >= 500 || status == 429 {
			t.Fatalf("%s %s: %d %v", tc.method, tc.path, status, m)
		}
		if got := h.Get("x-ms-resource-unit"); got != tc.ru {
			t.Errorf("%s %s: x-ms-resource-unit %q, want %q", tc.method, tc.path, got, tc.ru)
		}
		if h.Get("x-ms-throttle-limit-percentage") != "" {
			t.Errorf("%s %s: throttle percentage without throttling", tc.method, tc.path)
		}
	}
	if st := f.s.Stats(); st.RU != 2+1+1+1+1+1+2+1+2+3+2+3+5+3+2+2+3+5+2 || st.Throttled != 0 {
		t.Errorf("stats: RU %d throttled %d", st.RU, st.Throttled)
	}
	if r := f.s.Stats().Route("GET", "/v1.0/groups/{id}/transitiveMembers"); r.RU != 8 {
		t.Errorf("transitiveMembers RU %d, want 8", r.RU)
	}
}

// drainBudget sends cost-5 requests until the first 429 and returns how many succeeded and the 429.
func drainBudget(t *testing.T, f *realismFixture, path string, hdr map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	for n := 0; n < 10000; n++ {
		status, m, h := f.graph(t, "GET", path, "", hdr)
		if status == http.StatusTooManyRequests {
			return n, h, m
		}
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, status, m)
		}
	}
	t.Fatal("never throttled")
	return 0, nil, nil
}

func TestGraphThrottle_SmallTenantBudget_PercentageHeader429AndRefill(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{Throttle: "S"})
	g, _, _ := someGroup(f)
	path := "/groups/" + g + "/transitiveMembers" // 5 RU
	// 3,500 RU: 560 requests leave 700 RU (80 % used, no header), the 561st crosses 80 %.
	for i := 1; i <= 561; i++ {
		status, m, h := f.graph(t, "GET", path, "", nil)
		if status != http.StatusOK {
			t.Fatalf("request %d: %d %v", i, status, m)
		}
		pct := h.Get("x-ms-throttle-limit-percentage")
		if (i <= 560 && pct != "") || (i == 561 && pct != "0.8") {
			t.Fatalf("request %d: x-ms-throttle-limit-percentage %q", i, pct)
		}
	}
	n, h, m := drainBudget(t, f, path, nil)
	if n != 700-561 {
		t.Fatalf("%d more requests before the 429, want %d", n, 700-561)
	}
	// The throttled request counted too: the bucket is at -5 RU and needs 5, 10 RU at 350 RU/s.
	if ra := h.Get("Retry-After"); ra != "0.03" {
		t.Errorf("Retry-After %q, want 0.03", ra)
	}
	if got, want := h.Get("x-ms-throttle-scope"), "Tenant_Application/ReadWrite/"+f.app.ClientID+"/"+f.s.TenantID(); got != want {
		t.Errorf("x-ms-throttle-scope %q, want %q", got, want)
	}
	if h.Get("x-ms-throttle-information") != "ResourceUnitLimitExceeded" || h.Get("x-ms-resource-unit") != "5" {
		t.Errorf("headers: %v", h)
	}
	if pct, _ := strconv.ParseFloat(h.Get("x-ms-throttle-limit-percentage"), 64); pct < 1 || pct > 1.8 {
		t.Errorf("x-ms-throttle-limit-percentage %q when throttled", h.Get("x-ms-throttle-limit-percentage"))
	}
	code, msg := errCode(m)
	inner, _ := m["error"].(map[string]any)["innerError"].(map[string]any)
	if code != "TooManyRequests" || msg != "Please retry again later." || inner["request-id"] == nil || inner["date"] == nil {
		t.Errorf("429 body %v", m)
	}
	// Not enough time: still throttled (and charged again). Enough time: served.
	f.clock.Add(20 * time.Millisecond)
	if status, _, h := f.graph(t, "GET", path, "", nil); status != 429 || h.Get("Retry-After") != "0.03" {
		t.Fatalf("early retry: %d Retry-After %q", status, h.Get("Retry-After"))
	}
	f.clock.Add(40 * time.Millisecond)
	if status, _, _ := f.graph(t, "GET", path, "", nil); status != http.StatusOK {
		t.Fatalf("after Retry-After: %d", status)
	}
	// A full window refills the whole budget.
	f.clock.Add(10 * time.Second)
	if n, _, _ := drainBudget(t, f, path, nil); n != 700 {
		t.Fatalf("after refill %d requests, want 700", n)
	}
	st := f.s.Stats().Route("GET", "/v1.0/groups/{id}/transitiveMembers")
	if st.Throttled != 3 || st.Status["429"] != 3 || st.RU != 5*st.Requests {
		t.Errorf("stats %+v", st)
	}
}

func TestGraphThrottle_ClientHonouringRetryAfterDrainsUsers_OneIgnoringItKeepsGetting429(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{Throttle: "S"})
	g, _, _ := someGroup(f)
	drainBudget(t, f, "/groups/"+g+"/transitiveMembers", nil)

	// Ignoring Retry-After (retrying at once, or every millisecond) never gets through.
	for i := 0; i < 50; i++ {
		if status, _, _ := f.graph(t, "GET", "/users?$top=5", "", nil); status != 429 {
			t.Fatalf("impatient retry %d: %d", i, status)
		}
		f.clock.Add(time.Millisecond)
	}

	// Honouring it drains every user.
	var users []string
	retries := 0
	for next := f.s.GraphURL() + "/v1.0/users?$top=5&$select=id"; next != ""; {
		status, m, h := send(t, f.s, "GET", next, f.graphTok, "", nil)
		if status == 429 {
			sec, err := strconv.ParseFloat(h.Get("Retry-After"), 64)
			if err != nil {
				t.Fatalf("Retry-After %q", h.Get("Retry-After"))
			}
			f.clock.Add(time.Duration(sec * float64(time.Second)))
			retries++
			continue
		}
		if status != 200 {
			t.Fatalf("GET %s: %d %v", next, status, m)
		}
		for _, it := range items(m) {
			users = append(users, it["id"].(string))
		}
		next, _ = m["@odata.nextLink"].(string)
	}
	var want int
	f.s.ReadWorld(func(w *world.World) { want = len(w.Users) })
	if len(users) != want || retries == 0 {
		t.Fatalf("drained %d users (want %d) with %d retries", len(users), want, retries)
	}
}

func TestGraphThrottle_PriorityLowIsThrottledFirstHighLast(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{Throttle: "S"})
	g, _, _ := someGroup(f)
	path := "/groups/" + g + "/transitiveMembers"
	low := map[string]string{"x-ms-throttle-priority": "Low"}
	high := map[string]string{"x-ms-throttle-priority": "High"}
	// Low stops once fewer than 10 % (350 RU) would remain.
	nLow, _, _ := drainBudget(t, f, path, low)
	if nLow != (3500-350)/5 {
		t.Fatalf("Low got %d requests, want %d", nLow, (3500-350)/5)
	}
	// Normal still gets the rest of the budget, then stops.
	nNormal, h, _ := drainBudget(t, f, path, nil)
	if nNormal != 345/5 {
		t.Fatalf("Normal got %d requests after Low stopped, want %d", nNormal, 345/5)
	}
	// Low must wait for the reserve too: 0.03 s for Normal, over a second for Low.
	_, _, hLow := f.graph(t, "GET", path, "", low)
	normalRetry, _ := strconv.ParseFloat(h.Get("Retry-After"), 64)
	lowRetry, _ := strconv.ParseFloat(hLow.Get("Retry-After"), 64)
	if normalRetry > 0.1 || lowRetry < 1 {
		t.Errorf("Retry-After: Normal %v, Low %v", normalRetry, lowRetry)
	}
	// High may still overdraw a little.
	if status, _, _ := f.graph(t, "GET", path, "", high); status != http.StatusOK {
		t.Fatalf("High throttled with Normal: %d", status)
	}
}

func TestGraphThrottle_RiskyUsers429WithoutRetryAfter_MailboxNotThrottled(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{Throttle: "L"})
	_, u, _ := someGroup(f)
	var throttled http.Header
	var body map[string]any
	for i := 0; i < 20 && throttled == nil; i++ {
		status, m, h := f.graph(t, "GET", "/identityProtection/riskyUsers", "", nil)
		if status == 429 {
			throttled, body = h, m
		} else if status != 200 {
			t.Fatalf("riskyUsers: %d %v", status, m)
		}
	}
	if throttled == nil {
		t.Fatal("riskyUsers never throttled (1 request/s per tenant)")
	}
	if _, has := throttled["Retry-After"]; has {
		t.Errorf("riskyUsers 429 carries Retry-After: %v", throttled)
	}
	if code, _ := errCode(body); code != "TooManyRequests" {
		t.Errorf("body %v", body)
	}
	f.clock.Add(time.Second)
	if status, _, _ := f.graph(t, "GET", "/identityProtection/riskyUsers", "", nil); status != 200 {
		t.Errorf("riskyUsers after 1 s: %d", status)
	}
	for i := 0; i < 50; i++ {
		if status, _, _ := f.graph(t, "GET", "/users/"+u+"/mailboxSettings", "", nil); status == 429 {
			t.Fatal("mailboxSettings throttled")
		}
	}
}

func TestARMThrottle_RemainingReadsHeaderAndSubscriptionRequestsThrottled(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{Throttle: "L"})
	sub := someSubscription(f)
	path := "/subscriptions/" + sub + "/resourcegroups"
	for i := 1; i <= 250; i++ {
		status, m, h := f.arm(t, "GET", path)
		if status != 200 {
			t.Fatalf("read %d: %d %v", i, status, m)
		}
		if got := h.Get("x-ms-ratelimit-remaining-subscription-reads"); got != strconv.Itoa(250-i) {
			t.Fatalf("read %d: remaining reads %q", i, got)
		}
		if got := h.Get("x-ms-ratelimit-remaining-subscription-global-reads"); got != strconv.Itoa(3750-i) {
			t.Fatalf("read %d: remaining global reads %q", i, got)
		}
	}
	status, m, h := f.arm(t, "GET", path)
	code, msg := errCode(m)
	if status != 429 || code != "SubscriptionRequestsThrottled" || h.Get("Retry-After") != "1" {
		t.Fatalf("read 251: %d %v %v", status, m, h)
	}
	var oid string
	f.s.ReadWorld(func(w *world.World) { oid = w.App(f.app.ClientID).ServicePrincipalID })
	want := "Number of 'read' requests for subscription '" + strings.ToLower(sub) + "' actor '" + strings.ToLower(oid) +
		"' exceeded. Please try again after '1' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information."
	if msg != want {
		t.Errorf("message %q\nwant     %q", msg, want)
	}
	f.clock.Add(40 * time.Millisecond) // 25 tokens/s
	if status, _, h := f.arm(t, "GET", path); status != 200 || h.Get("x-ms-ratelimit-remaining-subscription-reads") != "0" {
		t.Fatalf("after refill: %d %v", status, h)
	}
	// Tenant-level requests have their own bucket and header.
	if status, _, h := f.arm(t, "GET", "/subscriptions"); status != 200 || h.Get("x-ms-ratelimit-remaining-tenant-reads") != "249" {
		t.Fatalf("tenant-level read: %d %v", status, h)
	}
	if st := f.s.Stats().Route("GET", "/subscriptions/{sub}/resourcegroups"); st.Throttled != 1 || st.Status["429"] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestThrottleOff_NoARMHeadersAndNo429(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{})
	sub := someSubscription(f)
	for i := 0; i < 300; i++ {
		status, _, h := f.arm(t, "GET", "/subscriptions/"+sub)
		if status != 200 || h.Get("x-ms-ratelimit-remaining-subscription-reads") != "" {
			t.Fatalf("read %d: %d %v", i, status, h)
		}
	}
}

func TestFaults_ThrottleWithAndWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/users", Kind: azsim.FaultThrottle, Count: 1, RetryAfter: 2500 * time.Millisecond},
		{Route: "GET /v1.0/groups", Kind: azsim.FaultThrottle, Count: 1, NoRetryAfter: true},
		{Route: "GET /subscriptions", Kind: azsim.FaultThrottle, Count: 1, RetryAfter: 2500 * time.Millisecond},
		{Route: "GET /tenants", Kind: azsim.FaultThrottle, Count: 1, NoRetryAfter: true},
	}})
	status, m, h := f.graph(t, "GET", "/users", "", nil)
	if code, _ := errCode(m); status != 429 || code != "TooManyRequests" || h.Get("Retry-After") != "2.5" {
		t.Fatalf("users: %d %v %v", status, m, h)
	}
	status, _, h = f.graph(t, "GET", "/groups", "", nil)
	if _, has := h["Retry-After"]; status != 429 || has {
		t.Fatalf("groups: %d %v", status, h)
	}
	status, m, h = f.arm(t, "GET", "/subscriptions")
	if code, _ := errCode(m); status != 429 || code != "TooManyRequests" || h.Get("Retry-After") != "3" {
		t.Fatalf("subscriptions: %d %v %v", status, m, h)
	}
	status, _, h = f.arm(t, "GET", "/tenants")
	if _, has := h["Retry-After"]; status != 429 || has {
		t.Fatalf("tenants: %d %v", status, h)
	}
	// Count 1: the next requests are served.
	for _, p := range []string{"/users", "/groups"} {
		if status, _, _ := f.graph(t, "GET", p, "", nil); status != 200 {
			t.Errorf("second GET %s: %d", p, status)
		}
	}
	st := f.s.Stats()
	if st.Faults["throttle"] != 2 || st.Faults["throttle_no_retry_after"] != 2 || st.Route("GET", "/v1.0/users").Faults["throttle"] != 1 {
		t.Errorf("fault stats %v", st.Faults)
	}
}

func TestFaults_ServerErrorsUseTheRealEnvelopes(t *testing.T) {
	t.Parallel()
	graphCodes := map[int]string{500: "generalException", 502: "UnknownError", 503: "serviceNotAvailable", 504: "UnknownError"}
	armCodes := map[int]string{500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}
	for status := range graphCodes {
		f := newRealismFixture(t, azsim.Options{FaultRules: []azsim.FaultRule{{Route: "*", Kind: azsim.FaultError, Status: status}}})
		got, m, h := f.graph(t, "GET", "/users", "", nil)
		code, _ := errCode(m)
		inner, _ := m["error"].(map[string]any)["innerError"].(map[string]any)
		if got != status || code != graphCodes[status] || inner["request-id"] == nil || h.Get("request-id") == "" {
			t.Errorf("Graph %d: %d %v", status, got, m)
		}
		got, m, h = f.arm(t, "GET", "/subscriptions/"+someSubscription(f)+"/providers/Microsoft.Authorization/roleAssignments")
		code, msg := errCode(m)
		if got != status || code != armCodes[status] || msg == "" || h.Get("x-ms-request-id") == "" {
			t.Errorf("ARM %d: %d %v", status, got, m)
		}
		if status == 504 && !strings.Contains(msg, "'Microsoft.Authorization'") {
			t.Errorf("ARM 504 message %q", msg)
		}
		if st := f.s.Stats(); st.Faults["error_"+strconv.Itoa(status)] != 2 {
			t.Errorf("%d: fault stats %v", status, st.Faults)
		}
	}
}

// realClients are an HTTP/2 and an HTTP/1.1 client trusting the simulator's CA.
func realClients(t *testing.T, s *azsim.Server) map[string]*http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CACertPEM())
	h1 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	t.Cleanup(h1.CloseIdleConnections)
	return map[string]*http.Client{"http2": s.HTTPClient(), "http1.1": {Transport: h1}}
}

func TestFaults_ConnectionResetMidBody_SeenByARealClient(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{Host: "127.0.0.1", FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/users", Kind: azsim.FaultReset},
		{Route: "GET /subscriptions", Kind: azsim.FaultReset},
	}})
	targets := map[string]string{"graph": f.s.GraphURL() + "/v1.0/users?$top=999", "arm": f.s.ARMURL() + "/subscriptions?api-version=2022-12-01"}
	toks := map[string]string{"graph": f.graphTok, "arm": f.armTok}
	for proto, client := range realClients(t, f.s) {
		for svc, target := range targets {

			req, _ := http.NewRequest("GET", target, nil)
			req.Header.Set("Authorization", "Bearer "+toks[svc])
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: the headers should arrive before the reset: %v", proto, svc, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || err == nil || len(b) == 0 || json.Valid(b) {
				t.Errorf("%s %s: status %d, %d bytes, err %v: want a partial body and a read error", proto, svc, resp.StatusCode, len(b), err)
			}
			if proto == "http1.1" && resp.ProtoMajor != 1 || proto == "http2" && resp.ProtoMajor != 2 {
				t.Errorf("%s: served over %s", proto, resp.Proto)
			}
		}
	}
	// Stats count the faults and the requests, even though the handler never returned.
	st := f.s.Stats()
	if st.Faults["reset"] != 4 || st.Route("GET", "/v1.0/users").Requests != 2 || st.Route("GET", "/subscriptions").Requests != 2 {
		t.Errorf("stats: faults %v users %+v", st.Faults, st.Route("GET", "/v1.0/users"))
	}
	// The server survives and serves the next request.
	if status, _, _ := f.graph(t, "GET", "/groups", "", nil); status != 200 {
		t.Errorf("after resets: %d", status)
	}
}

func TestFaults_ConnectionReset_InProcessClientSeesAnError(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{FaultRules: []azsim.FaultRule{{Route: "graph", Kind: azsim.FaultReset, Count: 1}}})
	req, _ := http.NewRequest("GET", f.s.GraphURL()+"/v1.0/users", nil)
	req.Header.Set("Authorization", "Bearer "+f.graphTok)
	resp, err := f.s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(b) == 0 || json.Valid(b) {
		t.Fatalf("in-process reset: %d bytes, err %v", len(b), err)
	}
}

// sleeps records the delays the simulator asks for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ds = append(s.ds, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

func TestFaults_SlowResponse_WaitsTheRuleDelay(t *testing.T) {
	t.Parallel()
	var sl sleeps
	f := newRealismFixture(t, azsim.Options{Sleep: sl.Sleep, FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/groups", Kind: azsim.FaultSlow, Delay: 7 * time.Second, Every: 2}}})
	for i := 0; i < 4; i++ {
		if status, _, _ := f.graph(t, "GET", "/groups", "", nil); status != 200 {
			t.Fatalf("slow request %d: %d", i, status)
		}
	}
	if got := sl.all(); len(got) != 2 || got[0] != 7*time.Second || got[1] != 7*time.Second {
		t.Fatalf("sleeps %v, want two of 7s", got)
	}
	if st := f.s.Stats(); st.Faults["slow"] != 2 {
		t.Errorf("fault stats %v", st.Faults)
	}
}

func TestFaults_TokenExpiresEarly_401OnGraphAndARM(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{FaultRules: []azsim.FaultRule{{Kind: azsim.FaultTokenExpired, MaxTokenAge: 10 * time.Minute}}})
	sub := someSubscription(f)
	if status, _, _ := f.graph(t, "GET", "/users", "", nil); status != 200 {
		t.Fatalf("fresh token: %d", status)
	}
	f.clock.Add(11 * time.Minute) // the token is valid for an hour, but "expires" after 10 minutes
	status, m, h := f.graph(t, "GET", "/users", "", nil)
	code, msg := errCode(m)
	if status != 401 || code != "InvalidAuthenticationToken" || msg != "Lifetime validation failed, the token is expired." || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("Graph with an early-expired token: %d %v", status, m)
	}
	status, m, _ = f.arm(t, "GET", "/subscriptions/"+sub)
	if code, msg := errCode(m); status != 401 || code != "ExpiredAuthenticationToken" || !strings.Contains(msg, "is earlier than current UTC time") {
		t.Fatalf("ARM with an early-expired token: %d %v", status, m)
	}
	// A new token works.
	fresh := token(t, f.s, f.app, "https://graph.microsoft.com/.default")
	if status, _, _ := send(t, f.s, "GET", f.s.GraphURL()+"/v1.0/users", fresh, "", nil); status != 200 {
		t.Fatalf("new token: %d", status)
	}
	if st := f.s.Stats(); st.Faults["token_expired"] != 2 {
		t.Errorf("fault stats %v", st.Faults)
	}
}

func TestFaults_ForeignNextLink_PointsToAnotherHost(t *testing.T) {
	t.Parallel()
	f := newRealismFixture(t, azsim.Options{ARMPageSize: 2, FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/users", Kind: azsim.FaultForeignNextLink},
		{Route: "* /subscriptions/{sub}/resourcegroups", Kind: azsim.FaultForeignNextLink, Host: "attacker.test:8443"},
	}})
	_, m, _ := f.graph(t, "GET", "/users?$top=3", "", nil)
	next, _ := m["@odata.nextLink"].(string)
	if !strings.HasPrefix(next, "https://evil.example.com/v1.0/users?") || !strings.Contains(next, "$skiptoken=") {
		t.Fatalf("Graph nextLink %q", next)
	}
	_, m, _ = f.arm(t, "GET", "/subscriptions/"+someSubscription(f)+"/resourcegroups")
	if next, _ := m["nextLink"].(string); !strings.HasPrefix(next, "https://attacker.test:8443/subscriptions/") {
		t.Fatalf("ARM nextLink %q", next)
	}
	// Other routes are untouched.
	_, m, _ = f.graph(t, "GET", "/groups?$top=2", "", nil)
	if next, _ := m["@odata.nextLink"].(string); !strings.HasPrefix(next, f.s.GraphURL()) {
		t.Fatalf("groups nextLink %q", next)
	}
	if st := f.s.Stats(); st.Faults["foreign_next_link"] != 2 {
		t.Errorf("fault stats %v", st.Faults)
	}
}

func TestFaults_ProfilesAreDeterministicPerSeed(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) (string, azsim.Stats) {
		f := newRealismFixture(t, azsim.Options{Seed: seed, Faults: "storm"})
		var sb strings.Builder
		for i := 0; i < 150; i++ {
			status, _, h := f.graph(t, "GET", "/groups?$top=1", "", nil)
			sb.WriteString(strconv.Itoa(status) + h.Get("Retry-After") + ",")
			status, _, h = f.arm(t, "GET", "/subscriptions")
			sb.WriteString(strconv.Itoa(status) + h.Get("Retry-After") + ";")
		}
		return sb.String(), f.s.Stats()
	}
	a, sa := run(3)
	b, _ := run(3)
	c, _ := run(4)
	if a != b {
		t.Fatal("the same seed gave different faults")
	}
	if a == c {
		t.Error("seeds 3 and 4 gave the same faults")
	}
	// storm: 14 % of 300 requests = 42 expected.
	var total int64
	for _, n := range sa.Faults {
		total += n
	}
	if total < 20 || total > 70 || sa.Faults["throttle"] == 0 || !strings.Contains(a, "4291.5") || !strings.Contains(a, "4292;") {
		t.Errorf("storm injected %d faults: %v", total, sa.Faults)
	}
}

func TestFaults_FileFlagOptionsAndAdminPlane(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(file, []byte(`{"profile":"flaky","rules":[{"route":"GET /v1.0/users","kind":"error","status":502,"every":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newRealismFixture(t, azsim.Options{Faults: file, Throttle: "m", Latency: "off"})
	if status, _, _ := f.graph(t, "GET", "/users", "", nil); status != 502 {
		t.Fatalf("rule from file: %d", status)
	}
	admin := f.s.AdminURL()
	var st azsim.RealismStatus
	getJSON(t, f.s, admin+"/realism", &st)
	if st.Throttle != "M" || st.Latency != "off" || st.Faults != "file:"+file || len(st.Rules) != 7 || st.Rules[6].Injected != 1 {
		t.Fatalf("realism %+v", st)
	}
	for _, step := range []struct{ method, path, body string }{
		{"PUT", "/faults", `{"profile":"storm"}`},
		{"PUT", "/throttle", `{"profile":"S"}`},
		{"POST", "/latency?profile=demo", ""},
	} {
		if status, m, _ := send(t, f.s, step.method, admin+step.path, "", step.body, nil); status != 204 {
			t.Fatalf("%s %s: %d %v", step.method, step.path, status, m)
		}
	}
	getJSON(t, f.s, admin+"/realism", &st)
	if st.Throttle != "S" || st.Latency != "demo" || st.Faults != "storm" || len(st.Rules) != 6 {
		t.Fatalf("after PUTs: %+v", st)
	}
	if status, _, _ := send(t, f.s, "PUT", admin+"/faults", "", `[{"route":"arm","kind":"reset","count":1}]`, nil); status != 204 {
		t.Fatalf("PUT rules: %d", status)
	}
	var faults struct {
		Profile string                 `json:"profile"`
		Rules   []azsim.FaultRuleState `json:"rules"`
	}
	getJSON(t, f.s, admin+"/faults", &faults)
	if faults.Profile != "custom" || len(faults.Rules) != 1 || faults.Rules[0].Rule.Kind != azsim.FaultReset {
		t.Fatalf("faults %+v", faults)
	}
	if status, _, _ := send(t, f.s, "DELETE", admin+"/faults", "", "", nil); status != 204 {
		t.Fatal("DELETE faults")
	}
	for _, bad := range []struct{ path, body string }{
		{"/throttle", `{"profile":"XL"}`}, {"/latency", `{"profile":"warp"}`}, {"/faults", `{"profile":"hurricane"}`},
		{"/faults", `[{"kind":"error","status":418}]`}, {"/throttle", `{}`},
	} {
		if status, _, _ := send(t, f.s, "PUT", admin+bad.path, "", bad.body, nil); status != 400 {
			t.Errorf("PUT %s %s: %d, want 400", bad.path, bad.body, status)
		}
	}
	var th struct {
		Profile string              `json:"profile"`
		Buckets []azsim.BucketState `json:"buckets"`
	}
	f.graph(t, "GET", "/users", "", nil)
	getJSON(t, f.s, admin+"/throttle", &th)
	if th.Profile != "S" || len(th.Buckets) != 1 || th.Buckets[0].Capacity != 3500 || th.Buckets[0].Level != 3498 {
		t.Fatalf("throttle %+v", th)
	}
	for _, bad := range []azsim.Options{{Throttle: "XL"}, {Latency: "slow"}, {Faults: filepath.Join(t.TempDir(), "missing.json")}} {
		bad.NoListener = true
		if _, err := azsim.New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

func getJSON(t *testing.T, s *azsim.Server, target string, v any) {
	t.Helper()
	resp, err := s.HTTPClient().Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", target, resp.StatusCode, err)
	}
}

func TestLatency_AppliedPerServiceAfterTheReplyIsComputed_DeterministicPerSeed(t *testing.T) {
	t.Parallel()
	run := func() []time.Duration {
		var sl sleeps
		f := newRealismFixture(t, azsim.Options{Latency: "bench", Sleep: sl.Sleep}) // two token requests
		f.graph(t, "GET", "/users?$top=999&$select=id", "", nil)
		f.graph(t, "GET", "/users?$top=1&$select=id", "", nil)
		f.arm(t, "GET", "/subscriptions")
		getJSON(t, f.s, f.s.AdminURL()+"/health", &map[string]any{}) // the admin plane is never delayed
		return sl.all()
	}
	a, b := run(), run()
	if len(a) != 5 {
		t.Fatalf("%d sleeps, want 5 (2 login, 2 graph, 1 arm): %v", len(a), a)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sleep %d: %v vs %v with the same seed", i, a[i], b[i])
		}
	}
	// Medians: login 60 ms, graph 40 ms + 0.02 ms/item, arm 50 ms; jitter stays within 10x.
	within := func(d, median time.Duration) bool { return d >= median/10 && d <= median*10 }
	if !within(a[0], 60*time.Millisecond) || !within(a[1], 60*time.Millisecond) || !within(a[4], 50*time.Millisecond) {
		t.Errorf("login/arm delays %v", a)
	}
	var users int
	ft := newRealismFixture(t, azsim.Options{})
	ft.s.ReadWorld(func(w *world.World) { users = len(w.Users) })
	if !within(a[2], 40*time.Millisecond+time.Duration(users)*20*time.Microsecond) || !within(a[3], 40*time.Millisecond) {
		t.Errorf("graph delays %v", a[2:4])
	}
	// The wait happens after the handler released the world: a write can proceed during it.
	var srv *azsim.Server
	done := make(chan struct{}, 1)
	lockFree := func(ctx context.Context, d time.Duration) error {
		if srv == nil {
			return nil
		}
		go func() { srv.UpdateWorld(func(*world.World) {}); done <- struct{}{} }()
		select {
		case <-done:
			return nil
		case <-time.After(10 * time.Second):
			t.Error("the world stayed locked during the latency wait")
			return nil
		}
	}
	fl := newRealismFixture(t, azsim.Options{Latency: "demo", Sleep: lockFree})
	srv = fl.s
	if status, _, _ := fl.graph(t, "GET", "/users", "", nil); status != 200 {
		t.Fatalf("GET /users with latency: %d", status)
	}
	// Off: no sleeps at all.
	var sl sleeps
	f := newRealismFixture(t, azsim.Options{Sleep: sl.Sleep})
	f.graph(t, "GET", "/users", "", nil)
	if len(sl.all()) != 0 {
		t.Errorf("latency off slept %v", sl.all())
	}
}
