package connector

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/arm"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

func TestWrapErr_MapsEveryStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    int
		retry     time.Duration
		code      codes.Code
		rateLimit bool
	}{
		{http.StatusBadRequest, 0, codes.InvalidArgument, false},
		{http.StatusUnauthorized, 0, codes.Unauthenticated, false},
		{http.StatusForbidden, 0, codes.PermissionDenied, false},
		{http.StatusNotFound, 0, codes.NotFound, false},
		{http.StatusConflict, 0, codes.FailedPrecondition, false},
		{http.StatusGone, 0, codes.NotFound, false},
		{http.StatusTooManyRequests, 2500 * time.Millisecond, codes.Unavailable, true},
		{http.StatusTooManyRequests, 0, codes.Unavailable, true},
		{http.StatusInternalServerError, 0, codes.Unavailable, true},
		{http.StatusBadGateway, 0, codes.Unavailable, true},
		{http.StatusServiceUnavailable, 10 * time.Second, codes.Unavailable, true},
		{http.StatusGatewayTimeout, 0, codes.Unavailable, true},
	} {
		for api, apiErr := range map[string]error{
			"graph": &graph.Error{StatusCode: tc.status, Code: "X", Message: "m", RetryAfter: tc.retry},
			"arm":   &arm.Error{StatusCode: tc.status, Code: "X", Message: "m", RetryAfter: tc.retry},
		} {
			before := time.Now()
			err := wrapErr(apiErr, "list things")
			st, _ := status.FromError(err)
			if st.Code() != tc.code {
				t.Errorf("%s HTTP %d: code %v, want %v", api, tc.status, st.Code(), tc.code)
			}
			var rl *v2.RateLimitDescription
			for _, d := range st.Details() {
				if r, ok := d.(*v2.RateLimitDescription); ok {
					rl = r
				}
			}
			if (rl != nil) != tc.rateLimit {
				t.Errorf("%s HTTP %d: rate-limit detail present=%v, want %v", api, tc.status, rl != nil, tc.rateLimit)
				continue
			}
			if rl != nil {
				wait := tc.retry
				if wait == 0 {
					wait = defaultRetryAfter
				}
				if reset := rl.GetResetAt().AsTime(); reset.Before(before.Add(wait-time.Second)) || reset.After(time.Now().Add(wait+time.Second)) {
					t.Errorf("%s HTTP %d: reset at %v, want about now+%v", api, tc.status, reset, wait)
				}
			}
		}
	}
	// A transport failure is retried after a second, not after baton-sdk's linear back-off (15 s more per attempt).
	if st, _ := status.FromError(wrapErr(errors.New("connection reset by peer"), "x")); st.Code() != codes.Unavailable {
		t.Errorf("transport error: %v, want Unavailable", st.Code())
	} else if len(st.Details()) != 1 {
		t.Errorf("transport error: details %v, want one RateLimitDescription", st.Details())
	} else if rl, ok := st.Details()[0].(*v2.RateLimitDescription); !ok || time.Until(rl.GetResetAt().AsTime()) > time.Second {
		t.Errorf("transport error: detail %v, want a reset within a second", st.Details()[0])
	}
	if st, _ := status.FromError(wrapErr(&graph.ForeignHostError{URL: "https://evil.example/x", Want: "graph.microsoft.com"}, "x")); st.Code() != codes.PermissionDenied {
		t.Errorf("foreign next link: %v, want PermissionDenied", st.Code())
	}
	if st, _ := status.FromError(wrapErr(&arm.ForeignHostError{URL: "https://evil.example/x", Want: "https://management.azure.com"}, "x")); st.Code() != codes.PermissionDenied {
		t.Errorf("foreign ARM next link: %v, want PermissionDenied", st.Code())
	}
	if wrapErr(nil, "x") != nil {
		t.Error("wrapErr(nil) != nil")
	}
}

func TestARMErrors_ThrottlingAndPremiumAndMissingAccess(t *testing.T) {
	t.Parallel()
	throttled := &arm.Error{StatusCode: 429, Code: "SubscriptionRequestsThrottled", RetryAfter: 3 * time.Second,
		Message: "Number of 'read' requests for subscription 's' actor 'a' exceeded."}
	st, _ := status.FromError(wrapErr(throttled, "list role assignments"))
	if st.Code() != codes.Unavailable || len(st.Details()) != 1 {
		t.Errorf("ARM throttling: %v %v, want Unavailable with a rate-limit detail", st.Code(), st.Details())
	}
	if !isPremiumError(&arm.Error{StatusCode: 400, Code: arm.CodePremiumLicenseRequired}) {
		t.Error("ARM's AadPremiumLicenseRequired is not recognised as a missing P2 license")
	}
	denied := &arm.Error{StatusCode: 403, Code: arm.CodeAuthorizationFailed, Message: "does not have authorization"}
	err := armAccessErr(denied, "list resource groups of subscription s", "Reader at /subscriptions/s")
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "the app needs Reader at /subscriptions/s") {
		t.Errorf("403: %v", err)
	}
	if err := armAccessErr(&arm.Error{StatusCode: 503}, "x", "Reader at /"); strings.Contains(err.Error(), "needs") || status.Code(err) != codes.Unavailable {
		t.Errorf("503 names a role or has the wrong code: %v", err)
	}
}
