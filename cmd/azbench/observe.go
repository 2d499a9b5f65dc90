package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// requestClock is an slog.Handler for azsim's Options.Logger: azsim logs every request it served at
// debug level ("azsim request", with its service) once the response is written, so the handler sees
// the exact completion time of each request — the first and last Graph request bound the Graph phase.
// Nothing else is kept.
type requestClock struct {
	mu          sync.Mutex
	first, last map[string]time.Time
	count       map[string]int64
}

func newRequestClock() *requestClock {
	return &requestClock{first: map[string]time.Time{}, last: map[string]time.Time{}, count: map[string]int64{}}
}

func (c *requestClock) Enabled(context.Context, slog.Level) bool { return true }
func (c *requestClock) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *requestClock) WithGroup(string) slog.Handler            { return c }

func (c *requestClock) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "azsim request" {
		return nil
	}
	service := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "service" {
			service = a.Value.String()
			return false
		}
		return true
	})
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.first[service]; !ok {
		c.first[service] = t
	}
	c.last[service] = t
	c.count[service]++
	return nil
}

// span returns the first and last request completion of a service.
func (c *requestClock) span(service string) (first, last time.Time, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first[service], c.last[service], c.count[service]
}

// sample is one poll of azsim's counters during the sync.
type sample struct {
	At            float64 `json:"t"` // seconds since the sync started
	GraphRequests int64   `json:"graph_requests"`
	GraphRU       int64   `json:"graph_ru"`
	Graph429      int64   `json:"graph_429"`
	ARMRequests   int64   `json:"arm_requests"`
	ARM429        int64   `json:"arm_429"`
	RSSBytes      int64   `json:"rss_bytes"` // sum over the sync's processes
}

func sampleOf(st azsim.Stats, at float64) sample {
	s := sample{At: at}
	for _, r := range st.Routes {
		switch r.Service {
		case "graph":
			s.GraphRequests += r.Requests
			s.GraphRU += r.RU
			s.Graph429 += r.Status["429"]
		case "arm":
			s.ARMRequests += r.Requests
			s.ARM429 += r.Status["429"]
		}
	}
	return s
}

// armReadMeter estimates the ARM reads per subscription from azsim's throttling buckets (only with
// throttling on). azsim counts requests per route template, not per subscription, so the meter polls the
// level of each subscription's read bucket (created full at the first request, refilled at 25/s, one
// token per served read) and adds up what each poll shows was taken: min(capacity, previous + refill) −
// now. Refill that a full bucket could not absorb between two polls is not seen, so the sum is a lower
// bound of the reads, tight while a subscription is read faster than its refill.
type armReadMeter struct {
	prev  map[string]float64
	last  time.Time
	reads map[string]float64
	min   map[string]float64
	cap   map[string]float64
}

func newARMReadMeter() *armReadMeter {
	return &armReadMeter{prev: map[string]float64{}, reads: map[string]float64{}, min: map[string]float64{},
		cap: map[string]float64{}}
}

// poll takes one snapshot of the buckets.
func (m *armReadMeter) poll(buckets []azsim.BucketState, now time.Time) {
	dt := now.Sub(m.last).Seconds()
	for _, b := range buckets {
		// arm|sub|<subscription>|<principal>|read and arm|tenant|<tenant>|<principal>|read
		parts := strings.Split(b.Key, "|")
		if len(parts) != 5 || parts[0] != "arm" || parts[4] != "read" || (parts[1] != "sub" && parts[1] != "tenant") {
			continue
		}
		key := parts[2]
		if parts[1] == "tenant" {
			key = "tenant " + parts[2]
		}
		prev, seen := m.prev[b.Key]
		if !seen {
			prev = b.Capacity // created full by its first request
		} else {
			prev = min(b.Capacity, prev+dt*b.PerSecond)
		}
		if taken := prev - b.Level; taken > 0 {
			m.reads[key] += taken
		}
		if lv, ok := m.min[key]; !ok || b.Level < lv {
			m.min[key] = b.Level
		}
		m.cap[key] = b.Capacity
		m.prev[b.Key] = b.Level
	}
	m.last = now
}
