// Package azsim is a local simulator of Microsoft Entra ID login, Microsoft Graph and Azure Resource
// Manager, faithful enough that unmodified Microsoft clients (azidentity, the ARM SDK) work against it.
//
// One Options value and one constructor: New starts the services in one of three modes —
//   - port mode (default): one HTTPS listener per service (login, graph, arm) on 127.0.0.1;
//   - virtual-host mode (Options.VHostAddr): one HTTPS listener that routes by Host header for the real
//     cloud hostnames (login.microsoftonline.com, graph.microsoft.com, management.azure.com and the US Gov
//     and China equivalents);
//   - in-process mode (Options.NoListener): no sockets; HTTPClient serves requests in memory.
//
// HTTPS is mandatory (azidentity refuses http authorities) and HTTP/2 is enabled (the ARM SDK sends an
// unencoded $filter that HTTP/1.1 servers reject). azsim mints its own CA unless given certificate files;
// clients trust it through CACertPEM / the state directory's ca.pem, never by disabling verification.
package azsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/gen"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Options configures a Server. The zero value serves the tiny preset with seed 1 in port mode.
type Options struct {
	// Preset and Seed choose the generated tenant (see package gen); NoP2 generates a tenant without
	// Entra ID P2. World, when set, is served instead and the three fields are ignored.
	Preset string
	Seed   uint64
	NoP2   bool
	World  *world.World

	// NoListener serves in-process only: use HTTPClient to reach the services.
	NoListener bool
	// Host is the listen address for port mode (default 127.0.0.1). Ports 0 pick free ports.
	Host                          string
	LoginPort, GraphPort, ARMPort int
	// VHostAddr enables virtual-host mode on the given address (e.g. ":443" or "127.0.0.1:0").
	VHostAddr string

	// CertFile, KeyFile and CAFile load the TLS identity instead of minting one. ExtraHostnames are added
	// to a minted leaf certificate.
	CertFile, KeyFile, CAFile string
	ExtraHostnames            []string

	// StateDir, when set, receives ca.pem, client.pem (certificate + key of the reader app) and, once the
	// services are ready, endpoints.json.
	StateDir string

	// TokenLifetime of issued access tokens (default 1h).
	TokenLifetime time.Duration
	// ARMPageSize is the number of items per ARM list page (default 1000).
	ARMPageSize int
	// DeltaLinkLifetime is how long Graph delta and next links stay valid on azsim's clock (default 7
	// days, as for directory objects); older ones answer 410 Gone (delta.go).
	DeltaLinkLifetime time.Duration
	// DeltaPageSize is the default number of entries per Graph delta page, where an object and each of
	// its members@delta entries count one (default 100; Prefer: odata.maxpagesize overrides it).
	DeltaPageSize int

	// Logger receives request logs at debug level and lifecycle events at info. Default: discard.
	Logger *slog.Logger
	// Clock returns the simulator's current time (default time.Now). Tests use it to expire tokens.
	Clock func() time.Time

	// Throttle, Latency and Faults select the realism profiles (throttle.go, latency.go, faults.go):
	// Throttle off (default), S, M or L; Latency off (default), demo or bench; Faults none (default),
	// flaky, storm or the path of a JSON rules file. FaultRules are appended to the profile's rules.
	Throttle, Latency, Faults string
	FaultRules                []FaultRule
	// Sleep waits for latency and slow faults (default: a timer that stops when ctx is done). Tests
	// inject a fake to observe delays without sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Server is a running simulator.
type Server struct {
	opts   Options
	pki    *pki
	tokens *tokenIssuer
	clock  func() time.Time
	log    *slog.Logger
	stats  *stats
	rl     *realism // throttling, latency and faults (realism.go)
	gs     *graphSets

	mu     sync.RWMutex
	world  *world.World
	writes writeState // write side, delta and churn (writes.go)

	loginH, graphH, armH http.Handler
	root                 http.Handler // routes by Host (virtual-host and in-process modes)

	loginURL, graphURL, armURL string
	vhostAddr                  string
	servers                    []*http.Server
	closed                     atomic.Bool
}

// New builds the world, mints or loads certificates and starts listening according to opts.
func New(opts Options) (*Server, error) {
	if opts.Preset == "" {
		opts.Preset = "tiny"
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.ARMPageSize <= 0 {
		opts.ARMPageSize = 1000
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.NoListener && opts.VHostAddr != "" {
		return nil, errors.New("azsim: NoListener and VHostAddr are mutually exclusive")
	}
	s := &Server{opts: opts, clock: opts.Clock, log: opts.Logger, stats: newStats()}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.rl, err = newRealism(opts); err != nil {
		return nil, err
	}
	w := opts.World
	if w == nil {
		spec, err := gen.PresetSpec(opts.Preset, opts.Seed)
		if err != nil {
			return nil, fmt.Errorf("azsim: %w", err)
		}
		spec.NoP2 = opts.NoP2
		if w, err = gen.Generate(spec); err != nil {
			return nil, fmt.Errorf("azsim: generate %s: %w", opts.Preset, err)
		}
	}
	s.world = w
	if s.pki, err = loadPKI(opts.CertFile, opts.KeyFile, opts.CAFile, opts.ExtraHostnames); err != nil {
		return nil, err
	}
	if s.tokens, err = newTokenIssuer(); err != nil {
		return nil, err
	}
	s.loginH = s.instrument("login", s.realismLayer("login", s.loginRoutes()))
	s.graphH = s.instrument("graph", s.realismLayer("graph", s.graphRoutes()))
	s.armH = s.instrument("arm", s.realismLayer("arm", s.armRoutes()))
	s.root = http.HandlerFunc(s.routeByHost)

	switch {
	case opts.NoListener:
		s.loginURL, s.graphURL, s.armURL = "https://"+inProcLoginHost, "https://"+inProcGraphHost, "https://"+inProcARMHost
	case opts.VHostAddr != "":
		err = s.listenVHost()
	default:
		err = s.listenPorts()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	if opts.StateDir != "" {
		if err := s.writeState(); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.log.Info("azsim ready", "login", s.loginURL, "graph", s.graphURL, "arm", s.armURL,
		"preset", opts.Preset, "seed", opts.Seed, "tenant", w.Tenant.ID)
	return s, nil
}

func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{s.pki.leaf},
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

func (s *Server) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("azsim: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	srv.TLSConfig = s.tlsConfig()
	s.servers = append(s.servers, srv)
	tlsLn := tls.NewListener(ln, srv.TLSConfig)
	go func() {
		if err := srv.Serve(tlsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("azsim: serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return ln.Addr().String(), nil
}

func (s *Server) listenPorts() error {
	for _, svc := range []struct {
		port int
		h    http.Handler
		url  *string
	}{{s.opts.LoginPort, s.loginH, &s.loginURL}, {s.opts.GraphPort, s.graphH, &s.graphURL}, {s.opts.ARMPort, s.armH, &s.armURL}} {
		addr, err := s.serve(net.JoinHostPort(s.opts.Host, strconv.Itoa(svc.port)), svc.h)
		if err != nil {
			return err
		}
		*svc.url = "https://" + addr
	}
	return nil
}

func (s *Server) listenVHost() error {
	addr, err := s.serve(s.opts.VHostAddr, s.root)
	if err != nil {
		return err
	}
	s.vhostAddr = addr
	s.loginURL, s.graphURL, s.armURL = "https://login.microsoftonline.com", "https://graph.microsoft.com", "https://management.azure.com"
	return nil
}

// routeByHost dispatches on the Host header: real cloud hostnames and the in-process names.
func (s *Server) routeByHost(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	switch serviceOfHost(host) {
	case "login":
		s.loginH.ServeHTTP(w, r)
	case "graph":
		s.graphH.ServeHTTP(w, r)
	case "arm":
		s.armH.ServeHTTP(w, r)
	default:
		http.Error(w, "azsim: unknown host "+host+": expected a login, Graph or ARM hostname", http.StatusMisdirectedRequest)
	}
}

// LoginURL is the authority host (e.g. https://127.0.0.1:41234), usable as azidentity's
// Cloud.ActiveDirectoryAuthorityHost.
func (s *Server) LoginURL() string { return s.loginURL }

// GraphURL is the Graph base URL without version segment.
func (s *Server) GraphURL() string { return s.graphURL }

// ARMURL is the ARM endpoint.
func (s *Server) ARMURL() string { return s.armURL }

// AdminURL is the base URL of the admin plane (served under /_azsim/ on every service).
func (s *Server) AdminURL() string { return s.armURL + "/_azsim" }

// VHostAddr is the listen address in virtual-host mode ("" otherwise).
func (s *Server) VHostAddr() string { return s.vhostAddr }

// CACertPEM is the PEM of the CA that issued the server certificate.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.pki.caPEM...) }

// TenantID is the simulated tenant's id.
func (s *Server) TenantID() string { return s.world.Tenant.ID }

// Handler serves all three services, routed by Host header (as in virtual-host mode).
func (s *Server) Handler() http.Handler { return s.root }

// ReadWorld runs f with a consistent, read-locked view of the world. f must not retain w.
func (s *Server) ReadWorld(f func(w *world.World)) {
	s.lockWorld(false, s.clock())
	defer s.unlockWorld(false)
	f(s.world)
}

// Close stops all listeners. It is safe to call more than once.
func (s *Server) Close() {
	if !s.closed.CompareAndSwap(false, true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
}
