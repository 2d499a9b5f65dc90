package arm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// server starts an HTTPS ARM stand-in and a client for it (no retries, so errors surface as answered).
func server(t *testing.T, h http.HandlerFunc) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	c, err := New(staticToken{}, &azarm.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: srv.URL, Audience: "https://management.core.windows.net/"}}},
		Transport: srv.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestList_ReturnsOnePageAndTheAbsoluteNextLink_ThenFollowsIt(t *testing.T) {
	t.Parallel()
	var srvURL string
	c, srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t" {
			t.Errorf("no bearer token on %s", r.URL)
		}
		if r.URL.Query().Get("$skipToken") == "" {
			_, _ = w.Write([]byte(`{"value":[{"id":"/subscriptions/a","subscriptionId":"a","displayName":"A","state":"Enabled"}],` +
				`"nextLink":"` + srvURL + `/subscriptions?api-version=2022-12-01&$skipToken=p2"}`))
			return
		}
		_, _ = w.Write([]byte(`{"value":[{"id":"/subscriptions/b","subscriptionId":"b","displayName":"B","state":"Disabled"}]}`))
	})
	srvURL = srv.URL
	p1, err := c.ListSubscriptions(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Value) != 1 || *p1.Value[0].SubscriptionID != "a" || !strings.HasPrefix(p1.NextLink, srv.URL) {
		t.Fatalf("first page: %+v next %q", p1.Value, p1.NextLink)
	}
	p2, err := c.ListSubscriptions(t.Context(), p1.NextLink)
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Value) != 1 || *p2.Value[0].SubscriptionID != "b" || string(*p2.Value[0].State) != "Disabled" || p2.NextLink != "" {
		t.Fatalf("second page: %+v next %q", p2.Value, p2.NextLink)
	}
}

func TestList_RefusesANextLinkToAnotherHostOrScheme_WithoutSendingTheToken(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, srv := server(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	for _, link := range []string{
		"https://evil.example.com/subscriptions?api-version=2022-12-01&$skipToken=x",
		strings.Replace(srv.URL, "https://", "http://", 1) + "/subscriptions?$skipToken=x",
	} {
		_, err := c.ListSubscriptions(t.Context(), link)
		fh := &ForeignHostError{}
		if err == nil || !asForeign(err, &fh) || !strings.Contains(err.Error(), srv.URL) || strings.Contains(err.Error(), "skipToken") {
			t.Errorf("next link %s: err = %v, want a ForeignHostError naming %s without the query", link, err, srv.URL)
		}
	}
	if calls.Load() != 0 {
		t.Fatalf("%d requests were sent", calls.Load())
	}
}

func asForeign(err error, target **ForeignHostError) bool {
	fh, ok := err.(*ForeignHostError)
	if ok {
		*target = fh
	}
	return ok
}

func TestFilters_ArePercentEncoded(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 3)
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.EscapedPath() + "?" + r.URL.RawQuery
		_, _ = w.Write([]byte(`{"value":[]}`))
	})
	ctx := t.Context()
	if _, err := c.ListRoleAssignments(ctx, "/providers/Microsoft.Management/managementGroups/mg 1", "atScope()", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListRoleEligibilityScheduleInstances(ctx, "/subscriptions/s", "principalId eq 'a+b'", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListRoleDefinitions(ctx, "/", true, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"/providers/Microsoft.Management/managementGroups/mg%201/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope%28%29",
		"/subscriptions/s/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01&$filter=principalId%20eq%20%27a%2Bb%27",
		"/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter=atScopeAndBelow%28%29",
	} {
		if got := <-seen; got != want {
			t.Errorf("request target\n got %s\nwant %s", got, want)
		}
	}
}

func TestErrors_CarryStatusCodeMessageAndRetryAfter(t *testing.T) {
	t.Parallel()
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		status     int
		header     map[string]string
		body       string
		code, msg  string
		retryAfter time.Duration
	}{
		{403, nil, `{"error":{"code":"AuthorizationFailed","message":"The client 'x' … over scope '/subscriptions/s'"}}`,
			"AuthorizationFailed", "The client 'x' … over scope '/subscriptions/s'", 0},
		{429, map[string]string{"Retry-After": "7"}, `{"error":{"code":"SubscriptionRequestsThrottled","message":"Number of 'read' requests … exceeded."}}`,
			"SubscriptionRequestsThrottled", "Number of 'read' requests … exceeded.", 7 * time.Second},
		{503, map[string]string{"Retry-After": date}, `{"error":{"code":"ServiceUnavailable","message":"busy"}}`, "ServiceUnavailable", "busy", 30 * time.Second},
		{429, map[string]string{"retry-after-ms": "1500", "Retry-After": "9"}, `{}`, "Too Many Requests", "{}", 1500 * time.Millisecond},
		{502, map[string]string{"x-ms-error-code": "BadGateway"}, `gateway`, "BadGateway", "gateway", 0},
		{400, nil, `{"error":{"code":"AadPremiumLicenseRequired","message":"The tenant needs an AAD Premium 2 license."}}`,
			"AadPremiumLicenseRequired", "The tenant needs an AAD Premium 2 license.", 0},
	} {
		c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
			for k, v := range tc.header {
				w.Header().Set(k, v)
			}
			w.Header().Set("x-ms-request-id", "rid")
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		})
		_, err := c.ListResourceGroups(t.Context(), "s", "")
		e, ok := AsError(err)
		if !ok {
			t.Fatalf("HTTP %d: %v is not an *Error", tc.status, err)
		}
		if e.StatusCode != tc.status || e.Code != tc.code || e.Message != tc.msg || e.RequestID != "rid" ||
			e.Path != "/subscriptions/s/resourcegroups" || e.Method != "GET" {
			t.Errorf("HTTP %d: %+v", tc.status, e)
		}
		if d := e.RetryAfter - tc.retryAfter; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("HTTP %d: RetryAfter %v, want about %v", tc.status, e.RetryAfter, tc.retryAfter)
		}
	}
	if !HasCode(&Error{Code: CodeAuthorizationFailed}, CodeAuthorizationFailed) || HasCode(nil, "x") {
		t.Error("HasCode")
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "1": time.Second, "120": 2 * time.Minute, "0.5": 500 * time.Millisecond, "-3": 0, "soon": 0,
		now.Add(10 * time.Second).Format(http.TimeFormat):  10 * time.Second,
		now.Add(-10 * time.Second).Format(http.TimeFormat): 0,
	} {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
