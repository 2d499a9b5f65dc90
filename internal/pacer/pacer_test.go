package pacer

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPacer_Unpaced_UntilTheServicePushesBack(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := New(Options{Now: clk.now})
	for range 100 {
		if err := p.Wait(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		p.Observe(false)
	}
	if st := p.Stats(); st.Rate != 0 {
		t.Fatalf("rate %v without any pushback, want unpaced", st.Rate)
	}
}

func TestPacer_A429_HoldsEveryRequestForItsRetryAfter(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	p.Throttled(150 * time.Millisecond)
	start := time.Now()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Wait(context.Background(), 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Fatalf("requests started after %v, want ≥ the 150 ms Retry-After", d)
	}
	if st := p.Stats(); st.Throttles != 1 || st.Rate <= 0 {
		t.Fatalf("stats %+v: want one throttle and a paced rate", st)
	}
}

func TestPacer_WaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	p.Throttled(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Wait(ctx, 1); err == nil {
		t.Fatal("Wait returned nil while held for an hour")
	}
}

func TestPacer_Pressure_LowersTheRateOncePerInterval_AndRoomRaisesItBack(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := New(Options{Now: clk.now})
	// 200 sends over one second: the observed rate is ~200/s.
	for range 200 {
		_ = p.Wait(context.Background(), 1)
		clk.add(5 * time.Millisecond)
	}
	p.Observe(true)
	r1 := p.Stats().Rate
	if r1 < 150 || r1 > 200 {
		t.Fatalf("rate after first pressure %v, want ~0.85 × 200/s", r1)
	}
	p.Observe(true) // same interval: no further change
	if r := p.Stats().Rate; r != r1 {
		t.Fatalf("rate %v after a second report within %v, want unchanged %v", r, adjustEvery, r1)
	}
	clk.add(adjustEvery)
	p.Observe(true)
	r2 := p.Stats().Rate
	if r2 >= r1 {
		t.Fatalf("rate %v after pressure in a new interval, want below %v", r2, r1)
	}
	for range 40 {
		clk.add(adjustEvery)
		p.Observe(false)
	}
	if r := p.Stats().Rate; r != 0 {
		t.Fatalf("rate %v after 10 s of room, want unpaced again", r)
	}
}

func TestPacer_PacedRate_SpacesRequestsByCost(t *testing.T) {
	t.Parallel()
	p := New(Options{MinRate: 1})
	p.mu.Lock()
	p.rate = 100 // cost units per second
	p.mu.Unlock()
	start := time.Now()
	for range 3 {
		if err := p.Wait(context.Background(), 5); err != nil { // 3 × 5 units at 100/s: ≥ 100 ms after the first
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Fatalf("3 requests of cost 5 at 100/s took %v, want ≥ 100 ms", d)
	}
}
