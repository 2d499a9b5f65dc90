package arm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Error is a non-2xx answer from ARM: its status, the envelope's {"error":{"code","message"}}, the request
// id, and how long to wait before retrying (Retry-After: integer seconds or an HTTP date).
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
	msg := fmt.Sprintf("arm: %s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, e.Code, e.Message)
	if e.RequestID != "" {
		msg += " (x-ms-request-id " + e.RequestID + ")"
	}
	return msg
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HasCode reports whether err is an ARM error with the given error code.
func HasCode(err error, code string) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// Codes ARM uses that callers branch on.
const (
	CodeAuthorizationFailed    = "AuthorizationFailed"
	CodePremiumLicenseRequired = "AadPremiumLicenseRequired"
)

func parseError(resp *http.Response, method, path string) error {
	e := &Error{StatusCode: resp.StatusCode, Method: method, Path: path, RequestID: resp.Header.Get("x-ms-request-id")}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	switch {
	case json.Unmarshal(body, &env) == nil && env.Error.Code != "":
		e.Code, e.Message = env.Error.Code, env.Error.Message
	case resp.Header.Get("x-ms-error-code") != "":
		e.Code, e.Message = resp.Header.Get("x-ms-error-code"), truncate(string(body), 200)
	default:
		e.Code, e.Message = http.StatusText(resp.StatusCode), truncate(string(body), 200)
	}
	e.RetryAfter = retryAfter(resp.Header, time.Now())
	return e
}

// retryAfter reads the retry headers ARM and azcore know: retry-after-ms, x-ms-retry-after-ms, then
// Retry-After.
func retryAfter(h http.Header, now time.Time) time.Duration {
	for _, k := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := h.Get(k); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	return ParseRetryAfter(h.Get("Retry-After"), now)
}

// ParseRetryAfter reads a Retry-After value: seconds (ARM sends integers; fractions are accepted) or an
// HTTP date. It returns 0 when absent, negative or unreadable.
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
