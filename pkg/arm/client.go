// Package arm is a lean Azure Resource Manager reader on the azcore ARM pipeline. It knows HTTP, paging and
// ARM's error envelope; it knows nothing about baton. Every list call returns exactly one page, decoded into
// the Azure SDK's model types, and the absolute nextLink to continue with — so a caller can keep the link as
// a self-contained, resumable page token. A nextLink that points at another scheme or host than the
// configured ARM endpoint is refused: the bearer token is never sent elsewhere.
package arm

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
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/baton-azure/baton-azure/pkg/internal/reauth"
)

const (
	moduleName    = "github.com/baton-azure/baton-azure/pkg/arm"
	moduleVersion = "v1.0.0"
)

// Client reads ARM. It is safe for concurrent use.
type Client struct {
	pl     runtime.Pipeline
	base   *url.URL
	pacers *pacers
}

// New builds a client on azcore's ARM pipeline: the endpoint and token audience come from
// opts.Cloud.Services[cloud.ResourceManager]. Resource-provider auto-registration (a write) is always
// disabled: this client only reads.
func New(cred azcore.TokenCredential, opts *azarm.ClientOptions) (*Client, error) {
	if cred == nil {
		return nil, errors.New("arm: a credential is required")
	}
	o := azarm.ClientOptions{}
	if opts != nil {
		o = *opts
	}
	o.DisableRPRegistration = true
	ps := &pacers{}
	o.PerRetryPolicies = append(append([]policy.Policy(nil), o.PerRetryPolicies...), ps)
	// One fresh token after an early "token expired" 401 (copied so the caller's slice is not shared).
	o.PerCallPolicies = append(append([]policy.Policy(nil), o.PerCallPolicies...), reauth.Policy{})
	c, err := azarm.NewClient(moduleName, moduleVersion, cred, &o)
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	base, err := url.Parse(strings.TrimRight(c.Endpoint(), "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("arm: endpoint %q is not a URL", c.Endpoint())
	}
	return &Client{pl: c.Pipeline(), base: base, pacers: ps}, nil
}

// Endpoint is the ARM endpoint the client talks to, e.g. https://management.azure.com.
func (c *Client) Endpoint() string { return c.base.String() }

// Page is one page of an ARM collection: its items and the absolute link to the next page ("" on the last).
type Page[T any] struct {
	Value    []*T
	NextLink string
}

// ForeignHostError is returned instead of following a link to a host other than the ARM endpoint.
type ForeignHostError struct {
	URL  string
	Want string
}

func (e *ForeignHostError) Error() string {
	return fmt.Sprintf("arm: refusing to follow %s: it is not on the configured ARM endpoint %s (the token is never sent elsewhere)", e.URL, e.Want)
}

// resolve turns a path with query ("/subscriptions?api-version=…") into an absolute URL, or checks that an
// absolute next link is on the configured endpoint.
func (c *Client) resolve(target string) (string, error) {
	if strings.HasPrefix(target, "/") {
		return c.base.String() + target, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("arm: invalid next link: %w", err)
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		shown := *u
		shown.RawQuery = ""
		return "", &ForeignHostError{URL: shown.String(), Want: c.base.Scheme + "://" + c.base.Host}
	}
	// ARM's next links sometimes carry unencoded query values; encode them as azcore's pagers do.
	return runtime.EncodeQueryParams(target)
}

// do sends one request and decodes a 2xx JSON body into out. Non-2xx answers become *Error.
func (c *Client) do(ctx context.Context, method, target string, body any, out any) error {
	abs, err := c.resolve(target)
	if err != nil {
		return err
	}
	req, err := runtime.NewRequest(ctx, method, abs)
	if err != nil {
		return fmt.Errorf("arm: build %s %s: %w", method, pathOf(abs), err)
	}
	raw := req.Raw()
	if u, perr := url.Parse(abs); perr == nil {
		raw.URL = u // keep the encoded query byte for byte (skip tokens are opaque)
	}
	raw.Header.Set("Accept", "application/json")
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("arm: encode body: %w", err)
		}
		if err := req.SetBody(nopCloser{bytes.NewReader(b)}, "application/json"); err != nil {
			return err
		}
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		return fmt.Errorf("arm: %s %s: %w", method, pathOf(abs), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseError(resp, method, pathOf(abs))
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("arm: decode %s %s: %w", method, pathOf(abs), err)
	}
	return nil
}

// list fetches one page with method: the first (target = path with query) or a following one (target =
// the previous page's next link). The SDK models decode themselves (they implement json.Unmarshaler).
func list[T any](ctx context.Context, c *Client, method, target string, body any) (Page[T], error) {
	var raw struct {
		Value    []*T    `json:"value"`
		NextLink *string `json:"nextLink"`
	}
	if err := c.do(ctx, method, target, body, &raw); err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Value: raw.Value}
	if raw.NextLink != nil {
		p.NextLink = *raw.NextLink
	}
	return p, nil
}

func pathOf(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.Path
	}
	return target
}

// first returns next if it continues a listing, else the first-page target.
func first(next, initial string) string {
	if next != "" {
		return next
	}
	return initial
}

// query renders key=value pairs with values percent-encoded (spaces as %20, never '+'), keys as given.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(kv[i+1]), "+", "%20"))
	}
	return b.String()
}

// escapePath percent-encodes each segment of an ARM scope or resource id, keeping the slashes.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
