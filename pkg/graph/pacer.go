package graph

import (
	"net/http"
	"strconv"
	"time"

	"github.com/baton-azure/baton-azure/internal/pacer"
)

// pressureThreshold is the x-ms-throttle-limit-percentage (share of the app+tenant budget used) from
// which a response counts as pressure. Graph sends the header only above 0.8.
const pressureThreshold = 0.8

// graphPacer paces the requests of one client (one app in one tenant: the scope of Graph's resource-unit
// budget). A 429 — of a request or of a sub-request inside a $batch — holds every request until its
// Retry-After has passed; responses reporting x-ms-throttle-limit-percentage ≥ 0.8 slow the client down,
// and it speeds up again while responses carry no such report.
type graphPacer struct{ p *pacer.Pacer }

func newGraphPacer() graphPacer { return graphPacer{p: pacer.New(pacer.Options{})} }

// observe feeds one response (or sub-response) to the pacer.
func (g graphPacer) observe(h http.Header, status int) {
	if status == http.StatusTooManyRequests {
		g.p.Throttled(ParseRetryAfter(h.Get("Retry-After"), time.Now()))
		return
	}
	if status < 200 || status > 299 {
		return
	}
	high := false
	if v := h.Get("x-ms-throttle-limit-percentage"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= pressureThreshold {
			high = true
		}
	}
	g.p.Observe(high)
}

// PacerStats reports the client's pacing state (rate in requests per second, 0 = unpaced; 429s seen).
func (c *Client) PacerStats() pacer.Stats { return c.pacer.p.Stats() }
