// Package reauth holds the pipeline policy that Graph and ARM clients share to survive an access token
// that expired, or was revoked, before the time the token endpoint announced.
package reauth

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// maxErrorBody bounds how much of a 401 body is read to classify it.
const maxErrorBody = 64 << 10

// Policy retries a request once when the service answers 401 because the bearer token has expired
// (Graph: InvalidAuthenticationToken "... expired ..."; ARM: ExpiredAuthenticationToken). azcore's
// bearer token policy has already dropped the cached token on that 401, so the retry authenticates
// afresh. Any other 401 (a bad signature, a wrong audience) — and a second expired answer — is returned
// unchanged, so a permanent authentication problem still fails the call at once. It must be a per-call
// policy (it re-runs the retry and bearer token policies).
type Policy struct{}

// Do implements policy.Policy.
func (Policy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil || !Expired(body) {
		return resp, nil
	}
	if err := req.RewindBody(); err != nil {
		return resp, nil
	}
	return req.Next()
}

// Expired reports whether an error body is Graph's or ARM's answer for an expired access token.
func Expired(body []byte) bool {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	return ExpiredCode(env.Error.Code, env.Error.Message)
}

// ExpiredCode reports whether an error code and message (of a 401) say the access token has expired.
func ExpiredCode(code, message string) bool {
	switch code {
	case "ExpiredAuthenticationToken":
		return true
	case "InvalidAuthenticationToken":
		return strings.Contains(strings.ToLower(message), "expired")
	}
	return false
}
