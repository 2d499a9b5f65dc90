package azsim

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"sync"
)

// RouteStats counts the requests one route served.
type RouteStats struct {
	Service  string           `json:"service"`
	Method   string           `json:"method"`
	Route    string           `json:"route"`
	Requests int64            `json:"requests"`
	Bytes    int64            `json:"bytes"`
	Status   map[string]int64 `json:"status"`
	// RU is the Graph resource units charged, Throttled the requests the throttling buckets refused and
	// Faults the injected faults by kind (throttle.go, faults.go).
	RU        int64            `json:"ru,omitempty"`
	Throttled int64            `json:"throttled,omitempty"`
	Faults    map[string]int64 `json:"faults,omitempty"`
}

// Stats is a snapshot of the simulator's request counters.
type Stats struct {
	Requests int64        `json:"requests"`
	Bytes    int64        `json:"bytes"`
	Routes   []RouteStats `json:"routes"`
	// RU, Throttled and Faults sum the routes' counters.
	RU        int64            `json:"ru,omitempty"`
	Throttled int64            `json:"throttled,omitempty"`
	Faults    map[string]int64 `json:"faults,omitempty"`
}

// Route returns the counters of one route ("GET", "/v1.0/users"), or a zero value.
func (s Stats) Route(method, route string) RouteStats {
	for _, r := range s.Routes {
		if r.Method == method && r.Route == route {
			return r
		}
	}
	return RouteStats{Method: method, Route: route, Status: map[string]int64{}}
}

type stats struct {
	mu     sync.Mutex
	routes map[string]*RouteStats
}

func newStats() *stats { return &stats{routes: map[string]*RouteStats{}} }

// entry returns the counters of a route, created empty. Callers hold s.mu.
func (s *stats) entry(service, method, route string) *RouteStats {
	key := service + " " + method + " " + route
	rs := s.routes[key]
	if rs == nil {
		rs = &RouteStats{Service: service, Method: method, Route: route, Status: map[string]int64{}}
		s.routes[key] = rs
	}
	return rs
}

// charge counts the RU charged to a request and whether the throttling buckets refused it.
func (s *stats) charge(service, method, route string, ru int64, throttled bool) {
	if ru == 0 && !throttled {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.entry(service, method, route)
	rs.RU += ru
	if throttled {
		rs.Throttled++
	}
}

// fault counts one injected fault of a kind.
func (s *stats) fault(service, method, route, kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.entry(service, method, route)
	if rs.Faults == nil {
		rs.Faults = map[string]int64{}
	}
	rs.Faults[kind]++
}

func (s *stats) record(service, method, route string, status int, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.entry(service, method, route)
	rs.Requests++
	rs.Bytes += n
	rs.Status[strconv.Itoa(status)]++
}

func (s *stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Stats
	for _, rs := range s.routes {
		c := *rs
		c.Status = make(map[string]int64, len(rs.Status))
		for k, v := range rs.Status {
			c.Status[k] = v
		}
		if rs.Faults != nil {
			c.Faults = make(map[string]int64, len(rs.Faults))
			if out.Faults == nil {
				out.Faults = map[string]int64{}
			}
			for k, v := range rs.Faults {
				c.Faults[k] = v
				out.Faults[k] += v
			}
		}
		out.Requests += c.Requests
		out.Bytes += c.Bytes
		out.RU += c.RU
		out.Throttled += c.Throttled
		out.Routes = append(out.Routes, c)
	}
	sort.Slice(out.Routes, func(i, j int) bool {
		a, b := out.Routes[i], out.Routes[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		return a.Method < b.Method
	})
	return out
}

func (s *stats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = map[string]*RouteStats{}
}

// Stats returns a snapshot of the request counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// routeKey carries a *string through the request context so handlers can name their route template.
type routeKey struct{}

func setRoute(r *http.Request, route string) {
	if p, ok := r.Context().Value(routeKey{}).(*string); ok {
		*p = route
	}
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

// Unwrap lets http.ResponseController reach the underlying writer (flushes).
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *countingWriter) WriteHeader(s int) {
	if c.status == 0 {
		c.status = s
	}
	c.ResponseWriter.WriteHeader(s)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// instrument serves the admin plane, then h, and counts every request by route template.
func (s *Server) instrument(service string, h http.Handler) http.Handler {
	admin := s.adminRoutes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= len(adminPrefix) && r.URL.Path[:len(adminPrefix)] == adminPrefix {
			admin.ServeHTTP(w, r)
			return
		}
		route := "unmatched"
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		cw := &countingWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		s.stats.record(service, r.Method, route, statusOr(cw.status, http.StatusOK), cw.n)
		s.log.Debug("azsim request", "service", service, "method", r.Method, "route", route, "status", cw.status, "bytes", cw.n)
	})
}
