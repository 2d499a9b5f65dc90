package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-azure/baton-azure/pkg/internal/reauth"
)

// BatchSize is Graph's limit of sub-requests per JSON batch (POST /$batch).
const BatchSize = 20

// batchThrottleRounds bounds how often GetBatch resends sub-requests that Graph throttled (429) before it
// hands their 429 to the caller, whose retry (baton's syncer) starts the whole call again.
const batchThrottleRounds = 6

// BatchResult is the answer to one sub-request of GetBatch: a 2xx body, or the sub-request's failure as
// an *Error (its own status, error envelope and Retry-After).
type BatchResult struct {
	Body json.RawMessage
	Err  error
}

// DecodePage decodes a BatchResult holding one page of a collection. A failed sub-request yields its error:
// a failure is never an empty page.
func DecodePage[T any](r BatchResult) (Page[T], error) {
	var p Page[T]
	if r.Err != nil {
		return p, r.Err
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return p, fmt.Errorf("graph: decode batch response: %w", err)
	}
	return p, nil
}

type batchSubRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

type batchSubResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// GetBatch reads many GET targets (relative paths with query, or next links from earlier pages; delta
// reads are sent with Prefer: odata.maxpagesize=999) with JSON batching: BatchSize sub-requests per POST /$batch, the batches of one call sent concurrently. Results
// come back in the order of targets. Graph charges every sub-request against the throttling budget and
// throttles each on its own: sub-requests answered 429 are resent (only they) once their Retry-After has
// passed, at most batchThrottleRounds times; then their 429 is returned as their result. A sub-request
// refused for an expired token is resent the same way. A failed batch
// envelope (transport error, non-2xx) fails the whole call.
func (c *Client) GetBatch(ctx context.Context, targets []string) ([]BatchResult, error) {
	out := make([]BatchResult, len(targets))
	rels := make([]string, len(targets))
	for i, t := range targets {
		rel, err := c.relative(t)
		if err != nil {
			return nil, err
		}
		rels[i] = rel
	}
	pending := make([]int, len(targets))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		var mu sync.Mutex
		var throttled []int
		var firstErr error
		var wg sync.WaitGroup
		for start := 0; start < len(pending); start += BatchSize {
			chunk := pending[start:min(start+BatchSize, len(pending))]
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := c.postBatch(ctx, chunk, rels)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					return
				}
				for k, i := range chunk {
					out[i] = res[k]
					if e, ok := AsError(res[k].Err); ok && resend(e) {
						throttled = append(throttled, i)
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return nil, firstErr
		}
		if len(throttled) == 0 || round+1 >= batchThrottleRounds {
			break
		}
		// No sleep here: observing the 429s made the pacer of their budget hold every request of this client
		// to it until the longest Retry-After has passed.
		slices.Sort(throttled)
		pending = throttled
	}
	return out, nil
}

// resend reports whether a sub-request's answer is worth sending it again in the next round: a 429, or a
// 401 for a token that expired or was revoked early (the next envelope authenticates afresh when the
// token is really gone: Graph then refuses the envelope itself, which the reauth policy retries).
func resend(e *Error) bool {
	return e.StatusCode == http.StatusTooManyRequests ||
		(e.StatusCode == http.StatusUnauthorized && reauth.ExpiredCode(e.Code, e.Message))
}

// postBatch sends one $batch of the targets rels[i] for i in idx and maps each sub-response back.
func (c *Client) postBatch(ctx context.Context, idx []int, rels []string) ([]BatchResult, error) {
	body := struct {
		Requests []batchSubRequest `json:"requests"`
	}{}
	for k, i := range idx {
		sub := batchSubRequest{ID: strconv.Itoa(k + 1), Method: http.MethodGet, URL: rels[i]}
		if isDelta(rels[i]) {
			sub.Headers = map[string]string{"Prefer": deltaPrefer}
		}
		body.Requests = append(body.Requests, sub)
	}
	var resp struct {
		Responses []batchSubResponse `json:"responses"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, target: "/$batch", body: body, batch: len(idx)}, &resp); err != nil {
		return nil, err
	}
	out := make([]BatchResult, len(idx))
	seen := make([]bool, len(idx))
	for _, r := range resp.Responses {
		k, err := strconv.Atoi(r.ID)
		if err != nil || k < 1 || k > len(idx) || seen[k-1] {
			return nil, fmt.Errorf("graph: $batch answered an unknown or repeated request id %q", r.ID)
		}
		seen[k-1] = true
		hdr := http.Header{}
		for name, v := range r.Headers {
			hdr.Set(name, v)
		}
		c.pacerFor(pathOf(rels[idx[k-1]])).observe(hdr, r.Status)
		if r.Status >= 200 && r.Status <= 299 {
			out[k-1] = BatchResult{Body: r.Body}
			continue
		}
		out[k-1] = BatchResult{Err: subError(r, hdr, pathOf(rels[idx[k-1]]))}
	}
	for k, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("graph: $batch left request %s (%s) unanswered", strconv.Itoa(k+1), pathOf(rels[idx[k]]))
		}
	}
	return out, nil
}

// subError is the *Error of a failed sub-request.
func subError(r batchSubResponse, hdr http.Header, path string) *Error {
	e := &Error{StatusCode: r.Status, Method: http.MethodGet, Path: path, RequestID: hdr.Get("request-id"),
		RetryAfter: ParseRetryAfter(hdr.Get("Retry-After"), time.Now())}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(r.Body, &env) == nil && env.Error.Code != "" {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	} else {
		e.Code, e.Message = http.StatusText(r.Status), truncate(string(r.Body), 200)
	}
	return e
}

// relative turns a target into the version-relative URL a sub-request carries: relative paths as they
// are, next links (absolute) only when they point at the configured Graph host and API version.
func (c *Client) relative(target string) (string, error) {
	if strings.HasPrefix(target, "/") {
		return target, nil
	}
	if _, err := c.resolve(target); err != nil {
		return "", err
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("graph: invalid next link %q: %w", target, err)
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), "/"+c.version+"/")
	if !ok {
		return "", fmt.Errorf("graph: next link %s is not under /%s", redactQuery(u), c.version)
	}
	rel := "/" + rest
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return rel, nil
}

// ResendThrottled runs read, one request, again while Graph answers it 429 (or an early-expired token's
// 401), at most batchThrottleRounds times, as GetBatch does for sub-requests: a call that gathers several
// pages keeps the pages it has instead of handing the 429 to baton's syncer, which would start the whole
// call again — throttled again at the same depth under a small budget (Identity Protection: about one
// request per second). There is no sleep here: observing the 429 made the pacer of its budget hold every
// request of the client to that budget until its Retry-After has passed.
func ResendThrottled[T any](read func() (T, error)) (T, error) {
	for round := 1; ; round++ {
		v, err := read()
		if e, ok := AsError(err); !ok || !resend(e) || round >= batchThrottleRounds {
			return v, err
		}
	}
}
