package azsim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Latency profiles (Options.Latency, --latency).
const (
	LatencyOff   = "off"
	LatencyDemo  = "demo"
	LatencyBench = "bench"
)

// latencySigma makes the jitter lognormal with p99 = 3x the median: exp(2.326 * sigma) = 3.
var latencySigma = math.Log(3) / 2.3263478740408408

// latencyMaxFactor bounds the jitter multiplier (the lognormal tail beyond it is irrelevant here).
const latencyMaxFactor = 10

// latencySpec is the median latency of one service: base + perItem x items in the reply.
type latencySpec struct {
	Base    time.Duration `json:"base"`
	PerItem time.Duration `json:"per_item"`
}

// latencyProfile is a named set of per-service latency specs.
type latencyProfile struct {
	name     string
	services map[string]latencySpec
}

// latencyProfiles are the built-in models (medians; the jitter is lognormal with p99 = 3x median).
//
//	demo:  login 30 ms; graph 20 ms + 0.01 ms/item; arm 25 ms + 0.01 ms/item
//	bench: login 60 ms; graph 40 ms + 0.02 ms/item; arm 50 ms + 0.02 ms/item
func latencyProfileNamed(name string) (*latencyProfile, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", LatencyOff, "none":
		return nil, nil
	case LatencyDemo:
		return &latencyProfile{name: LatencyDemo, services: map[string]latencySpec{
			"login": {Base: 30 * time.Millisecond},
			"graph": {Base: 20 * time.Millisecond, PerItem: 10 * time.Microsecond},
			"arm":   {Base: 25 * time.Millisecond, PerItem: 10 * time.Microsecond},
		}}, nil
	case LatencyBench:
		return &latencyProfile{name: LatencyBench, services: map[string]latencySpec{
			"login": {Base: 60 * time.Millisecond},
			"graph": {Base: 40 * time.Millisecond, PerItem: 20 * time.Microsecond},
			"arm":   {Base: 50 * time.Millisecond, PerItem: 20 * time.Microsecond},
		}}, nil
	}
	return nil, fmt.Errorf("azsim: unknown latency profile %q (want off, demo or bench)", name)
}

// delay is the latency of the seq-th request of a service whose reply holds items items: the median
// base + perItem x items times a lognormal factor drawn from PCG(seed, seq), so the same seed and
// request sequence always give the same delays.
func (p *latencyProfile) delay(seed uint64, service string, seq uint64, items int) time.Duration {
	if p == nil {
		return 0
	}
	spec, found := p.services[service]
	if !found {
		return 0
	}
	median := float64(spec.Base) + float64(spec.PerItem)*float64(max(items, 0))
	rng := rand.New(rand.NewPCG(seed^serviceSalt(service), seq))
	factor := math.Min(math.Exp(latencySigma*rng.NormFloat64()), latencyMaxFactor)
	return time.Duration(median * factor)
}

func serviceSalt(service string) uint64 {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(service); i++ {
		h = (h ^ uint64(service[i])) * 1099511628211
	}
	return h
}

// sleepContext is the default Options.Sleep: a timer that stops early when ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
