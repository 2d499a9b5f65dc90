package connector

import (
	"context"
	"net/http"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// maxGrantPageBytes bounds the encoded grants of one response, well under gRPC's 4 MiB message limit. (A
// grant is 250–400 bytes, so a page holds 8,000–12,000 of them; one read adds at most 999.)
const maxGrantPageBytes = 3 << 20

func (c *Connector) grantPageBytes() int {
	if c.grantBytes > 0 {
		return c.grantBytes
	}
	return maxGrantPageBytes
}

// readBatched reads one page of each read with JSON batching (graph.GetBatch) and hands each answer, in
// order, to emit, which appends its grants and returns the read's next link. Reads with more pages, and
// the reads that no longer fit into the page's byte budget (read again later), form the next token. A failed read
// fails the call — baton retries it whole — so nothing is ever dropped.
func (c *Connector) readBatched(ctx context.Context, work []groupWork, target func(groupWork) string, what string,
	emit func(w groupWork, r graph.BatchResult, grants []*v2.Grant) ([]*v2.Grant, string, error)) ([]*v2.Grant, *rs.SyncOpResults, error) {
	targets := make([]string, len(work))
	for i, w := range work {
		targets[i] = target(w)
	}
	results, err := c.graph.GetBatch(ctx, targets)
	if err != nil {
		return nil, nil, wrapErr(err, what)
	}
	var grants []*v2.Grant
	var rest []groupWork
	size := 0
	for i, w := range work {
		before := len(grants)
		var next string
		if gone(ctx, w, results[i]) {
			continue
		}
		grants, next, err = emit(w, results[i], grants)
		if err != nil {
			return nil, nil, err
		}
		added := 0
		for _, g := range grants[before:] {
			added += proto.Size(g)
		}
		if i > 0 && size+added > c.grantPageBytes() {
			grants = grants[:before] // this read and the following ones are read again on the next page
			rest = append(rest, work[i:]...)
			break
		}
		size += added
		if next != "" {
			rest = append(rest, groupWork{Group: w.Group, Kind: w.Kind, Link: next})
		}
	}
	out := &rs.SyncOpResults{}
	if len(rest) > 0 {
		out.NextPageToken = groupCursor{Work: rest}.encode()
	}
	return grants, out, nil
}

// gone reports (and logs) a read of one object that Graph answered 404: the group or service principal
// was deleted after the listing, so it has no grants to report. The read is left out and the others of
// the batch go on. Returning NotFound instead would make baton-sdk skip the whole type-scoped call — every
// read of this page and the pages after it — with only a warning.
func gone(ctx context.Context, w groupWork, r graph.BatchResult) bool {
	e, ok := graph.AsError(r.Err)
	if !ok || e.StatusCode != http.StatusNotFound || strings.Contains(w.Group, ",") {
		return false
	}
	ctxzap.Extract(ctx).Warn(errPrefix+": "+w.Group+" was not found (deleted during the sync?): its grants are left out of this sync",
		zap.String("object_id", w.Group), zap.String("read", w.Kind), zap.String("error", e.Error()))
	return true
}

// enqueueWork builds the response of a fan-out step: one cursor per groupWorkPerCall reads. (A listing
// page holds at most 999 objects with at most 3 reads each: far fewer than maxEnqueue cursors.)
func enqueueWork(work []groupWork, next string) *rs.SyncOpResults {
	var tokens []string
	for start := 0; start < len(work); start += groupWorkPerCall {
		tokens = append(tokens, groupCursor{Work: work[start:min(start+groupWorkPerCall, len(work))]}.encode())
	}
	res := &rs.SyncOpResults{NextPageToken: next}
	if len(tokens) > 0 {
		res.Annotations = annotations.New(v2.EnqueuePageTokens_builder{PageTokens: tokens, EstimatedTotal: int64(len(tokens))}.Build())
	}
	return res
}
