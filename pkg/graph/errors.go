package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Error is a non-2xx answer from Graph: its status, the error envelope's code and message, the request
// id, and how long to wait before retrying (from Retry-After, fractional seconds or an HTTP date).
type Error struct {
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	Method     string
	Path       string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("graph: %s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, e.Code, e.Message)
	if e.RequestID != "" {
		msg += " (request-id " + e.RequestID + ")"
	}
	return msg
}

// Retryable reports whether the failure is transient (throttling or a service-side outage).
func (e *Error) Retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusBadGateway:
		return true
	}
	return false
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HasCode reports whether err is a Graph error with the given error code.
func HasCode(err error, code string) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// Codes Graph uses that callers branch on.
const (
	CodePremiumLicenseRequired = "AadPremiumLicenseRequired"
	CodeNonPremiumTenant       = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	CodeMailboxNotEnabled      = "MailboxNotEnabledForRESTAPI"
	CodeResourceNotFound       = "Request_ResourceNotFound"
)

func parseError(resp *http.Response, method, path string) error {
	e := &Error{StatusCode: resp.StatusCode, Method: method, Path: path, RequestID: resp.Header.Get("request-id")}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error.Code != "" {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	} else {
		e.Code, e.Message = http.StatusText(resp.StatusCode), truncate(string(body), 200)
	}
	e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

// ParseRetryAfter reads a Retry-After value: seconds (fractional allowed, as Graph sends) or an HTTP
// date. It returns 0 when absent or unreadable.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
