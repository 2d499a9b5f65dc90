package graph_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// BenchmarkMemberships_BatchVersusDelta reads every group's direct members of a tenant (default medium;
// AZSIM_BENCH_PRESET) with L throttling and bench latency, two ways, and reports wall time, Graph
// requests (sub-requests counted) and RU:
//
//   - batch-wN: list the groups, then /groups/{id}/members for every group with $batch (60 reads per call,
//     N calls in flight, as N sync workers would), next links followed inside later batches;
//
//   - delta: one /groups/delta?$select=members round (Prefer: odata.maxpagesize=999), page by page.
//
//     go test -run '^$' -bench Memberships -benchtime 1x ./pkg/graph/
func BenchmarkMemberships_BatchVersusDelta(b *testing.B) {
	preset := os.Getenv("AZSIM_BENCH_PRESET")
	if preset == "" {
		preset = "medium"
	}
	opts := azsim.Options{Preset: preset, Seed: 1, Throttle: azsim.ThrottleL, Latency: azsim.LatencyBench}
	for _, way := range []struct {
		name string
		read func(b *testing.B, c *graph.Client) int
	}{
		{"batch-w1", func(b *testing.B, c *graph.Client) int { return readBatched(b, c, 1) }},
		{"batch-w8", func(b *testing.B, c *graph.Client) int { return readBatched(b, c, 8) }},
		{"delta", readDelta},
	} {
		b.Run(way.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s, c := newClient(b, opts)
				var want int
				s.ReadWorld(func(w *world.World) {
					for _, g := range w.Groups {
						want += len(g.Members)
					}
				})
				b.StartTimer()
				start := time.Now()
				got := way.read(b, c)
				wall := time.Since(start)
				b.StopTimer()
				if got != want {
					b.Fatalf("%d memberships, want %d", got, want)
				}
				st := s.Stats()
				var reqs int64
				for _, r := range st.Routes {
					if r.Service == "graph" {
						reqs += r.Requests
					}
				}
				b.ReportMetric(wall.Seconds(), "wall-s")
				b.ReportMetric(float64(reqs), "graph-requests")
				b.ReportMetric(float64(st.Route("POST", "/v1.0/$batch").Requests), "batch-envelopes")
				b.ReportMetric(float64(st.RU), "RU")
				b.ReportMetric(float64(st.Throttled), "throttled")
			}
		})
	}
}

func readBatched(b *testing.B, c *graph.Client, workers int) int {
	ctx := context.Background()
	var work []string
	for next := ""; ; {
		p, err := c.ListGroupKindsWithOwners(ctx, next)
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range p.Value {
			work = append(work, graph.GroupMembersPath(g.ID))
		}
		if next = p.NextLink; next == "" {
			break
		}
	}
	var mu sync.Mutex
	total := 0
	queue := make(chan []string, len(work))
	var pending sync.WaitGroup
	for start := 0; start < len(work); start += 60 {
		pending.Add(1)
		queue <- work[start:min(start+60, len(work))]
	}
	go func() { pending.Wait(); close(queue) }()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for targets := range queue {
				res, err := c.GetBatch(ctx, targets)
				if err != nil {
					b.Error(err)
					pending.Done()
					continue
				}
				var more []string
				n := 0
				for _, r := range res {
					p, err := graph.DecodePage[graph.DirectoryObject](r)
					if err != nil {
						b.Error(err)
						continue
					}
					n += len(p.Value)
					if p.NextLink != "" {
						more = append(more, p.NextLink)
					}
				}
				mu.Lock()
				total += n
				mu.Unlock()
				if len(more) > 0 {
					pending.Add(1)
					queue <- more
				}
				pending.Done()
			}
		}()
	}
	wg.Wait()
	return total
}

func readDelta(b *testing.B, c *graph.Client) int {
	total := 0
	for next := ""; ; {
		p, err := c.ListGroupMembersDelta(context.Background(), next)
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range p.Value {
			for _, m := range g.Members {
				if m.ODataType != "" || m.ID != "" {
					total++
				}
			}
		}
		if next = p.NextLink; next == "" {
			return total
		}
	}
}
