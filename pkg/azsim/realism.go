package azsim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// realism holds the throttling, latency and fault settings of a server. All three can be changed at run
// time (Set* methods, admin plane).
type realism struct {
	seed     uint64
	sleep    func(ctx context.Context, d time.Duration) error
	throttle *throttler
	faults   *faultEngine
	latency  atomic.Pointer[latencyProfile]

	seqLogin, seqGraph, seqARM atomic.Uint64 // request sequence numbers per service (latency jitter)
}

func newRealism(o Options) (*realism, error) {
	th, err := normalizeThrottle(o.Throttle)
	if err != nil {
		return nil, err
	}
	lat, err := latencyProfileNamed(o.Latency)
	if err != nil {
		return nil, err
	}
	name, rules, err := loadFaults(o.Faults)
	if err != nil {
		return nil, err
	}
	if len(o.FaultRules) > 0 {
		rules = append(rules, o.FaultRules...)
		if name == FaultsNone {
			name = "custom"
		} else {
			name += "+custom"
		}
	}
	rl := &realism{seed: o.Seed, sleep: o.Sleep, throttle: newThrottler(th), faults: newFaultEngine(o.Seed)}
	if rl.sleep == nil {
		rl.sleep = sleepContext
	}
	if err := rl.faults.set(name, rules); err != nil {
		return nil, err
	}
	rl.latency.Store(lat)
	return rl, nil
}

func (rl *realism) nextSeq(service string) uint64 {
	switch service {
	case "graph":
		return rl.seqGraph.Add(1) - 1
	case "arm":
		return rl.seqARM.Add(1) - 1
	}
	return rl.seqLogin.Add(1) - 1
}

// RealismStatus describes the current throttling, latency and fault settings.
type RealismStatus struct {
	Throttle string           `json:"throttle"`
	Latency  string           `json:"latency"`
	Faults   string           `json:"faults"`
	Seed     uint64           `json:"seed"`
	Rules    []FaultRuleState `json:"rules"`
	Buckets  []BucketState    `json:"buckets,omitempty"`
}

// Realism returns the current throttling, latency and fault settings with the fault counters and the
// state of every throttling bucket.
func (s *Server) Realism() RealismStatus {
	lat := LatencyOff
	if p := s.rl.latency.Load(); p != nil {
		lat = p.name
	}
	name, rules := s.rl.faults.snapshot()
	return RealismStatus{Throttle: s.rl.throttle.getProfile(), Latency: lat, Faults: name, Seed: s.rl.seed, Rules: rules,
		Buckets: s.rl.throttle.snapshot(s.clock())}
}

// SetThrottle switches the throttle profile (off, S, M, L) and refills every bucket.
func (s *Server) SetThrottle(profile string) error {
	p, err := normalizeThrottle(profile)
	if err != nil {
		return err
	}
	s.rl.throttle.setProfile(p)
	return nil
}

// SetLatency switches the latency profile (off, demo, bench).
func (s *Server) SetLatency(profile string) error {
	p, err := latencyProfileNamed(profile)
	if err != nil {
		return err
	}
	s.rl.latency.Store(p)
	return nil
}

// SetFaults replaces the fault rules by a profile's (none, flaky, storm; "" = none) followed by rules.
// Fault counters restart.
func (s *Server) SetFaults(profile string, rules ...FaultRule) error {
	base, err := FaultProfile(profile)
	if err != nil {
		return err
	}
	name := profile
	if name == "" {
		name = FaultsNone
	}
	if len(rules) > 0 {
		if name == FaultsNone {
			name = "custom"
		} else {
			name += "+custom"
		}
	}
	return s.rl.faults.set(name, append(base, rules...))
}

// reqState is the per-request state of the realism layer, carried in the request context.
type reqState struct {
	service string
	seq     uint64
	items   atomic.Int64
	reset   atomic.Bool
	foreign atomic.Pointer[string]
}

type reqStateKey struct{}

func stateOf(r *http.Request) *reqState {
	st, _ := r.Context().Value(reqStateKey{}).(*reqState)
	return st
}

// routeOf returns the route template a handler named with setRoute ("" before that).
func routeOf(r *http.Request) string {
	if p, found := r.Context().Value(routeKey{}).(*string); found {
		return *p
	}
	return ""
}

// reportItems tells the latency model how many items a reply holds (list handlers call it).
func reportItems(r *http.Request, n int) {
	if st := stateOf(r); st != nil {
		st.items.Add(int64(n))
	}
}

// nextLinkHost is the host next links point to: the request's own, unless a foreign_next_link fault
// redirects them.
func nextLinkHost(r *http.Request) string {
	if st := stateOf(r); st != nil {
		if h := st.foreign.Load(); h != nil {
			return *h
		}
	}
	return r.Host
}

// realismLayer wraps a service: it numbers requests, applies the latency model once the reply is
// computed and carries out connection resets. With latency on, or a reset drawn, the reply is held back
// in memory until the handler has returned — so no lock a handler takes is held while waiting — and then
// delayed and sent (or cut off).
func (s *Server) realismLayer(service string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stateOf(r) != nil {
			// A request dispatched from inside another ($batch sub-requests): it shares the outer
			// request's state, so its latency, reset or foreign link apply to the outer response.
			h.ServeHTTP(w, r)
			return
		}
		st := &reqState{service: service, seq: s.rl.nextSeq(service)}
		r = r.WithContext(context.WithValue(r.Context(), reqStateKey{}, st))
		lat := s.rl.latency.Load()
		rw := &realismWriter{ResponseWriter: w, s: s, r: r, st: st, hold: lat != nil}
		h.ServeHTTP(rw, r)
		if lat != nil {
			_ = s.rl.sleep(r.Context(), lat.delay(s.rl.seed, service, st.seq, int(st.items.Load())))
		}
		rw.finish()
	})
}

// realismWriter passes a reply through, or holds it back (latency, reset) until finish.
type realismWriter struct {
	http.ResponseWriter
	s      *Server
	r      *http.Request
	st     *reqState
	hold   bool
	held   *bytes.Buffer // the held-back body
	status int
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *realismWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *realismWriter) holding() bool { return w.hold || w.st.reset.Load() }

func (w *realismWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	if !w.holding() {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *realismWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.holding() {
		return w.ResponseWriter.Write(p)
	}
	if w.held == nil {
		w.held = bodyBuffers.Get().(*bytes.Buffer)
	}
	return w.held.Write(p)
}

// finish sends a held-back reply, or carries out a reset.
func (w *realismWriter) finish() {
	var body []byte
	if w.held != nil {
		body = w.held.Bytes()
		defer func() {
			if w.held.Cap() <= maxPooledBuffer {
				w.held.Reset()
				bodyBuffers.Put(w.held)
			}
		}()
	}
	if w.st.reset.Load() {
		w.abort(body)
	}
	if !w.hold {
		return
	}
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
	if len(body) > 0 {
		_, _ = w.ResponseWriter.Write(body)
	}
}

// abort sends the status line, headers and half of the body, flushes, records the request (the
// instrument layer never sees it return) and aborts the response: net/http resets the HTTP/2 stream or
// closes the HTTP/1.1 connection.
func (w *realismWriter) abort(body []byte) {
	status := statusOr(w.status, http.StatusOK)
	w.ResponseWriter.WriteHeader(status)
	n, _ := w.ResponseWriter.Write(body[:len(body)/2])
	_ = http.NewResponseController(w.ResponseWriter).Flush()
	w.s.stats.record(w.st.service, w.r.Method, routeOf(w.r), status, int64(n))
	panic(http.ErrAbortHandler)
}

// graphGate charges an authenticated Graph request to the throttling buckets and applies the fault
// rules. stop reports that rp is the answer and the handler must not run.
func (s *Server) graphGate(w http.ResponseWriter, r *http.Request, c *caller) (rp reply, stop bool) {
	route, now := routeOf(r), s.clock()
	v := s.rl.throttle.chargeGraph(w.Header(), r.Method, route, r.URL.RawQuery, r.Header.Get("x-ms-throttle-priority"),
		c.appID, c.tenantID, now)
	s.stats.charge("graph", r.Method, route, int64(v.ru), v.throttled)
	if v.throttled {
		return fail(v.err), true
	}
	f, fired := s.rl.faults.pick("graph", r.Method, route, r.URL.Path, now.Sub(c.issuedAt))
	if !fired {
		return reply{}, false
	}
	s.stats.fault("graph", r.Method, route, f.label())
	switch f.Kind {
	case FaultThrottle, FaultError, FaultForbidden, FaultNotFound:
		return fail(graphFaultError(f, route, r.URL.Path)), true
	case FaultTokenExpired:
		return fail(graphAuthError("Lifetime validation failed, the token is expired.")), true
	}
	s.applySideFault(r, f)
	return reply{}, false
}

// armGate is graphGate for ARM.
func (s *Server) armGate(w http.ResponseWriter, r *http.Request, c *caller) (rp reply, stop bool) {
	route, now := routeOf(r), s.clock()
	if aerr := s.rl.throttle.chargeARM(w.Header(), r.Method, r.URL.Path, c.objectID, c.tenantID, now); aerr != nil {
		s.stats.charge("arm", r.Method, route, 0, true)
		return fail(aerr), true
	}
	f, fired := s.rl.faults.pick("arm", r.Method, route, r.URL.Path, now.Sub(c.issuedAt))
	if !fired {
		return reply{}, false
	}
	s.stats.fault("arm", r.Method, route, f.label())
	switch f.Kind {
	case FaultThrottle, FaultError, FaultForbidden, FaultNotFound:
		return fail(armFaultError(f, r.URL.Path, now)), true
	case FaultTokenExpired:
		exp := c.issuedAt.Add(f.MaxTokenAge).UTC().Format("1/2/2006 3:04:05 PM")
		return fail(armAuthError("ExpiredAuthenticationToken", "The access token expiry UTC time '"+exp+
			"' is earlier than current UTC time '"+now.UTC().Format("1/2/2006 3:04:05 PM")+"'.")), true
	}
	s.applySideFault(r, f)
	return reply{}, false
}

// applySideFault carries out the faults that let the handler run: slow, reset, foreign next link.
func (s *Server) applySideFault(r *http.Request, f FaultRule) {
	st := stateOf(r)
	switch f.Kind {
	case FaultSlow:
		_ = s.rl.sleep(r.Context(), f.Delay)
	case FaultReset:
		if st != nil {
			st.reset.Store(true)
		}
	case FaultForeignNextLink:
		if st != nil {
			host := f.Host
			st.foreign.Store(&host)
		}
	}
}

// serveInProcess serves r for the in-process transport and reports whether the handler aborted the
// response (panic(http.ErrAbortHandler), a reset fault), as net/http's servers do.
func serveInProcess(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// errConnectionReset is what an in-process client reads after the partial body of a reset response.
var errConnectionReset = errors.New("azsim: connection reset by peer (injected fault)")

// resetBody yields the bytes written before a reset, then errConnectionReset.
type resetBody struct{ r io.ReadCloser }

func (b *resetBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		err = errConnectionReset
	}
	return n, err
}

func (b *resetBody) Close() error { return b.r.Close() }
