// Package pacer spaces the requests a client sends to one throttled budget (Microsoft Graph per tenant,
// ARM per subscription) from what the service says about it: a 429's Retry-After holds every request
// until it has passed, and the rate adapts multiplicatively — down when a response reports the budget
// nearly spent (or a 429 arrives), slowly up again while responses report room. Until the service first
// pushes back, requests are not paced at all.
package pacer

import (
	"context"
	"sync"
	"time"
)

// Tuning of the adaptation.
const (
	// adjustEvery is the shortest time between two rate changes of the same direction, so that a burst of
	// responses all reporting pressure lowers the rate once, not once per response.
	adjustEvery = 250 * time.Millisecond
	// pressureFactor and throttleFactor lower the rate; recoverFactor raises it.
	pressureFactor = 0.85
	throttleFactor = 0.5
	recoverFactor  = 1.1
	// defaultRetryAfter is the pause after a 429 that names no Retry-After.
	defaultRetryAfter = time.Second
	// window is how far back the observed send rate is measured.
	window = 2 * time.Second
)

// Options tune a Pacer; the zero value is usable.
type Options struct {
	// MinRate is the floor of the rate in cost units per second (default 1).
	MinRate float64
	// MaxRate is the rate above which pacing stops again (default: unpaced after recovering to 4 × the
	// rate first imposed).
	MaxRate float64
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Pacer is safe for concurrent use.
type Pacer struct {
	mu         sync.Mutex
	now        func() time.Time
	minRate    float64
	maxRate    float64
	rate       float64   // cost units per second; 0 = unpaced
	next       time.Time // earliest start of the next request while paced
	resumeAt   time.Time // no request starts before (Retry-After)
	lastDown   time.Time
	lastUp     time.Time
	sent       []sample // sends within window, oldest first
	throttles  int
	pressureHi int
}

type sample struct {
	at   time.Time
	cost float64
}

// New returns an unpaced Pacer.
func New(o Options) *Pacer {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinRate <= 0 {
		o.MinRate = 1
	}
	return &Pacer{now: o.Now, minRate: o.MinRate, maxRate: o.MaxRate}
}

// Wait blocks until a request of the given cost (e.g. 1, or the number of sub-requests of a batch) may
// start, or ctx ends.
func (p *Pacer) Wait(ctx context.Context, cost float64) error {
	if cost <= 0 {
		cost = 1
	}
	for {
		p.mu.Lock()
		now := p.now()
		at := p.resumeAt
		if p.rate > 0 && p.next.After(at) {
			at = p.next
		}
		if !now.Before(at) {
			if p.rate > 0 {
				p.next = laterOf(now, p.next).Add(time.Duration(cost / p.rate * float64(time.Second)))
			}
			p.record(now, cost)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		t := time.NewTimer(at.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Throttled records a 429: nothing starts before retryAfter has passed, and the rate halves.
func (p *Pacer) Throttled(retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = defaultRetryAfter
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.throttles++
	p.resumeAt = laterOf(p.resumeAt, now.Add(retryAfter))
	p.down(now, throttleFactor, true)
}

// Observe records a successful response: high says it reported the budget nearly spent.
func (p *Pacer) Observe(high bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if high {
		p.pressureHi++
		p.down(now, pressureFactor, false)
		return
	}
	if p.rate == 0 || now.Sub(p.lastUp) < adjustEvery || now.Sub(p.lastDown) < adjustEvery {
		return
	}
	p.lastUp = now
	p.rate *= recoverFactor
	if p.maxRate > 0 && p.rate >= p.maxRate {
		p.rate, p.next = 0, time.Time{}
	}
}

// down lowers the rate (starting from the observed send rate when unpaced); a throttle always applies,
// pressure at most once per adjustEvery.
func (p *Pacer) down(now time.Time, factor float64, force bool) {
	if !force && now.Sub(p.lastDown) < adjustEvery {
		return
	}
	p.lastDown = now
	if p.rate == 0 {
		p.rate = p.observed(now)
		if p.maxRate == 0 {
			p.maxRate = 4 * p.rate
		}
	}
	p.rate = max(p.rate*factor, p.minRate)
}

// observed is the send rate over the window (cost units per second).
func (p *Pacer) observed(now time.Time) float64 {
	p.trim(now)
	var sum float64
	for _, s := range p.sent {
		sum += s.cost
	}
	span := window.Seconds()
	if len(p.sent) > 0 {
		span = max(now.Sub(p.sent[0].at).Seconds(), 0.1)
	}
	return max(sum/span, p.minRate)
}

func (p *Pacer) record(now time.Time, cost float64) {
	p.trim(now)
	p.sent = append(p.sent, sample{at: now, cost: cost})
}

func (p *Pacer) trim(now time.Time) {
	i := 0
	for i < len(p.sent) && now.Sub(p.sent[i].at) > window {
		i++
	}
	if i > 0 {
		p.sent = append(p.sent[:0], p.sent[i:]...)
	}
}

// Stats is a snapshot for logs and tests.
type Stats struct {
	Rate      float64 // cost units per second; 0 = unpaced
	Throttles int
	Pressure  int
	ResumeAt  time.Time
}

// Stats returns the pacer's current state.
func (p *Pacer) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Rate: p.rate, Throttles: p.throttles, Pressure: p.pressureHi, ResumeAt: p.resumeAt}
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
