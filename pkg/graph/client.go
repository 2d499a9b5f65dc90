// Package graph is a lean, typed Microsoft Graph client on the azcore pipeline. It knows HTTP, paging
// and Graph's error envelope; it knows nothing about baton. Every list call returns exactly one page and
// the absolute @odata.nextLink to continue with, which is refused if it points at another host.
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/baton-azure/baton-azure/pkg/internal/reauth"
)

// Options configures a Client.
type Options struct {
	// BaseURL is the Graph endpoint without version, e.g. https://graph.microsoft.com.
	BaseURL string
	// Credential obtains tokens for Scope (default BaseURL + "/.default").
	Credential azcore.TokenCredential
	Scope      string
	// Transport sends requests (an *http.Client trusting the right CAs).
	Transport policy.Transporter
	// Version is v1.0 (default) or beta.
	Version string
	// UserAgent is appended to azcore's telemetry header.
	UserAgent string
}

// Client calls Microsoft Graph. It is safe for concurrent use.
type Client struct {
	pl      runtime.Pipeline
	base    *url.URL
	version string
	pacers  [budgets]graphPacer
}

// New validates opts and builds a client. Retries are left to the caller (baton's syncer retries
// Unavailable errors with the Retry-After carried by *Error).
func New(o Options) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || base.Scheme != "https" || base.Host == "" || (base.Path != "" && base.Path != "/") {
		return nil, fmt.Errorf("graph: base URL %q must be https://host[:port] with no path", o.BaseURL)
	}
	if o.Credential == nil {
		return nil, errors.New("graph: a credential is required")
	}
	if o.Version == "" {
		o.Version = "v1.0"
	}
	if o.Scope == "" {
		o.Scope = base.String() + "/.default"
	}
	copts := &policy.ClientOptions{
		Transport: o.Transport,
		Retry:     policy.RetryOptions{MaxRetries: -1},
		Telemetry: policy.TelemetryOptions{ApplicationID: o.UserAgent},
	}
	pl := runtime.NewPipeline("graph", "v1", runtime.PipelineOptions{
		PerCall:  []policy.Policy{reauth.Policy{}}, // one fresh token after an early "token expired" 401
		PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(o.Credential, []string{o.Scope}, nil)},
	}, copts)
	c := &Client{pl: pl, base: base, version: o.Version}
	for b := range c.pacers {
		c.pacers[b] = newGraphPacer()
	}
	return c, nil
}

// Host is the host[:port] the client talks to.
func (c *Client) Host() string { return c.base.Host }

// request describes one call.
type request struct {
	method string
	// target is a path with query relative to the version root ("/users?$top=999") or an absolute
	// nextLink returned by a previous page.
	target   string
	body     any
	eventual bool   // ConsistencyLevel: eventual
	prefer   string // Prefer header (e.g. odata.maxpagesize=999)
	// batch is the number of sub-requests of a $batch (0 for a plain request): the pacer counts them,
	// and the envelope's own answer says nothing about the budget (each sub-response does).
	batch int
}

// resolve turns a relative target into an absolute URL and refuses absolute URLs for another host:
// a bearer token is only ever sent to the configured Graph endpoint.
func (c *Client) resolve(target string) (string, error) {
	if strings.HasPrefix(target, "/") {
		return c.base.String() + "/" + c.version + target, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("graph: invalid next link %q: %w", target, err)
	}
	if u.Scheme != c.base.Scheme || !strings.EqualFold(u.Host, c.base.Host) {
		return "", &ForeignHostError{URL: redactQuery(u), Want: c.base.Host}
	}
	return target, nil
}

// ForeignHostError is returned instead of following a link to a host other than the Graph endpoint.
type ForeignHostError struct {
	URL  string
	Want string
}

func (e *ForeignHostError) Error() string {
	return fmt.Sprintf("graph: refusing to follow %s: it is not on the configured Graph host %s (the token is never sent elsewhere)", e.URL, e.Want)
}

func redactQuery(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	return c.String()
}

// do sends a request and decodes a 2xx JSON body into out (if non-nil). Non-2xx answers become *Error.
func (c *Client) do(ctx context.Context, r request, out any) error {
	target, err := c.resolve(r.target)
	if err != nil {
		return err
	}
	req, err := runtime.NewRequest(ctx, r.method, target)
	if err != nil {
		return fmt.Errorf("graph: build %s %s: %w", r.method, r.target, err)
	}
	// The target is already encoded; keep it byte for byte (Graph's skip tokens are opaque).
	raw := req.Raw()
	if u, perr := url.Parse(target); perr == nil {
		raw.URL = u
	}
	raw.Header.Set("Accept", "application/json")
	if r.eventual {
		raw.Header.Set("ConsistencyLevel", "eventual")
	}
	if r.prefer != "" {
		raw.Header.Set("Prefer", r.prefer)
	}
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("graph: encode body: %w", err)
		}
		if err := req.SetBody(streamingNopCloser(b), "application/json"); err != nil {
			return err
		}
	}
	pace := c.pacerFor(raw.URL.Path)
	if err := pace.p.Wait(ctx, float64(max(r.batch, 1))); err != nil {
		return fmt.Errorf("graph: %s %s: %w", r.method, pathOf(target), err)
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		return fmt.Errorf("graph: %s %s: %w", r.method, pathOf(target), err)
	}
	defer resp.Body.Close()
	if r.batch == 0 {
		pace.observe(resp.Header, resp.StatusCode)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseError(resp, r.method, pathOf(target))
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("graph: decode %s %s: %w", r.method, pathOf(target), err)
	}
	return nil
}

func pathOf(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.Path
	}
	return target
}

// Page is one page of a Graph collection.
type Page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
	Count    *int   `json:"@odata.count"`
}

// list fetches one page: the first (target = relative path with query) or a following one (target =
// the previous page's NextLink).
func list[T any](ctx context.Context, c *Client, target string, eventual bool) (Page[T], error) {
	var p Page[T]
	err := c.do(ctx, request{method: http.MethodGet, target: target, eventual: eventual}, &p)
	return p, err
}

// first returns next if it continues a listing, else the first-page target.
func first(next, initial string) string {
	if next != "" {
		return next
	}
	return initial
}

// quote renders an OData string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// q builds a query string keeping $-options readable, with values percent-encoded.
func q(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func streamingNopCloser(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }
