package arm

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/baton-azure/baton-azure/internal/pacer"
)

// lowRemaining is the x-ms-ratelimit-remaining-subscription-reads (or -tenant-reads) below which a
// response counts as pressure: a fifth of ARM's 250-read burst.
const lowRemaining = 50

// pacers paces ARM requests per subscription (ARM's throttling scope; requests outside a subscription
// share one tenant pacer). A 429's Retry-After holds the subscription's requests; few remaining reads slow
// them, and they speed up again while the budget has room.
type pacers struct {
	mu sync.Mutex
	m  map[string]*pacer.Pacer
}

func (ps *pacers) get(path string) *pacer.Pacer {
	key := subscriptionOf(path)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[string]*pacer.Pacer{}
	}
	p := ps.m[key]
	if p == nil {
		p = pacer.New(pacer.Options{})
		ps.m[key] = p
	}
	return p
}

// Do implements policy.Policy: every try (azcore's retries of a 429 included) waits for its
// subscription's pacer and reports its answer to it.
func (ps *pacers) Do(req *policy.Request) (*http.Response, error) {
	p := ps.get(req.Raw().URL.Path)
	if err := p.Wait(req.Raw().Context(), 1); err != nil {
		return nil, err
	}
	resp, err := req.Next()
	if resp != nil {
		observe(p, resp.Header, resp.StatusCode)
	}
	return resp, err
}

// subscriptionOf is the lower-case subscription id of a request path, or "" (tenant-level requests).
func subscriptionOf(path string) string {
	rest, ok := cutPrefixFold(path, "/subscriptions/")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return strings.ToLower(rest)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// observe feeds one response to the pacer of its subscription.
func observe(p *pacer.Pacer, h http.Header, status int) {
	if status == http.StatusTooManyRequests {
		p.Throttled(retryAfter(h, time.Now()))
		return
	}
	if status < 200 || status > 299 {
		return
	}
	high := false
	for _, name := range []string{"x-ms-ratelimit-remaining-subscription-reads", "x-ms-ratelimit-remaining-tenant-reads"} {
		if v := h.Get(name); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n < lowRemaining {
				high = true
			}
		}
	}
	p.Observe(high)
}

// PacerStats reports the pacing state of a subscription ("" for tenant-level requests).
func (c *Client) PacerStats(subscriptionID string) pacer.Stats {
	return c.pacers.get("/subscriptions/" + subscriptionID).Stats()
}
