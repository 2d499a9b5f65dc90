package graph

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/internal/pacer"
)

// pressureThreshold is the x-ms-throttle-limit-percentage (share of the app+tenant budget used) from
// which a response counts as pressure. Graph sends the header only above 0.8.
const pressureThreshold = 0.8

// budget is one of Graph's throttling budgets. Most of Graph charges resource units to the app in the
// tenant (budgetDirectory); Identity Protection (riskyUsers) has a small budget of its own, about one
// request per second per tenant, and answers 429 without Retry-After. A 429 from one budget says nothing
// about the other, so each has its own pacer.
type budget int

const (
	budgetDirectory budget = iota
	budgetIdentityProtection
	budgets
)

// budgetOf tells which budget a request for path (with or without the version segment) is charged to.
func budgetOf(path string) budget {
	if strings.Contains(path, "/identityProtection/") {
		return budgetIdentityProtection
	}
	return budgetDirectory
}

// graphPacer paces the requests of one client to one budget (one app in one tenant: the scope of Graph's
// resource-unit budget). A 429 — of a request or of a sub-request inside a $batch — holds every request until its
// Retry-After has passed; responses reporting x-ms-throttle-limit-percentage ≥ 0.8 slow the client down,
// and it speeds up again while responses carry no such report.
type graphPacer struct{ p *pacer.Pacer }

func newGraphPacer() graphPacer { return graphPacer{p: pacer.New(pacer.Options{})} }

// pacerFor is the pacer of the budget a request for path is charged to.
func (c *Client) pacerFor(path string) graphPacer { return c.pacers[budgetOf(path)] }

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

// PacerStats reports the client's pacing state for the resource-unit budget (rate in requests per second,
// 0 = unpaced; 429s seen).
func (c *Client) PacerStats() pacer.Stats { return c.pacers[budgetDirectory].p.Stats() }

// IdentityProtectionPacerStats reports the pacing state for Identity Protection's own budget.
func (c *Client) IdentityProtectionPacerStats() pacer.Stats {
	return c.pacers[budgetIdentityProtection].p.Stats()
}
