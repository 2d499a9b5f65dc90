package connector

import (
	"context"
	"net/http"
	"time"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// A call that gathers several Graph pages before it answers (risk levels, a scope's role assignments) must
// not lose its progress to one throttled page: baton-sdk would retry the whole call from the first page, and
// under a small budget (Identity Protection allows about one request per second per tenant) every retry is
// throttled again at the same depth — the sync never finishes. Such loops retry a throttled page in place.
const (
	throttledPageAttempts = 8
	minThrottleWait       = time.Second
)

// pageWithRetry reads one page, retrying it in place while Graph answers 429 (waiting Retry-After, at least
// a second), at most throttledPageAttempts times; any other error, or the last 429, is returned.
func pageWithRetry[T any](ctx context.Context, read func() (graph.Page[T], error)) (graph.Page[T], error) {
	for attempt := 1; ; attempt++ {
		page, err := read()
		e, ok := graph.AsError(err)
		if err == nil || !ok || e.StatusCode != http.StatusTooManyRequests || attempt == throttledPageAttempts {
			return page, err
		}
		t := time.NewTimer(max(e.RetryAfter, minThrottleWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return page, err
		case <-t.C:
		}
	}
}
