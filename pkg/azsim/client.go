package azsim

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
)

// HTTPClient returns a client that reaches the simulator in any mode and trusts its CA: a TLS client in
// port mode; in virtual-host mode one whose dialer maps the real cloud hostnames to the listener; in
// in-process mode one that serves requests in memory.
func (s *Server) HTTPClient() *http.Client {
	if s.opts.NoListener {
		return &http.Client{Transport: &inProcessTransport{s: s}}
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: s.pki.pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 64,
	}
	if s.vhostAddr != "" {
		tr.DialContext = VHostDialer(s.vhostAddr)
	}
	return &http.Client{Transport: tr}
}

// VHostDialer returns a DialContext that sends connections for the simulated cloud hostnames to addr and
// every other host nowhere (an error), as a hosts-file entry would for the real names.
func VHostDialer(addr string) func(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		if serviceOfHost(host) == "" {
			return nil, errors.New("azsim: refusing to dial " + address + ": not a simulated hostname")
		}
		return d.DialContext(ctx, network, addr)
	}
}

// inProcessTransport serves requests through the host router without sockets.
type inProcessTransport struct{ s *Server }

func (t *inProcessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.s.closed.Load() {
		return nil, errors.New("azsim: server closed")
	}
	if req.URL.Scheme != "https" {
		return nil, errors.New("azsim: only https is served, got " + req.URL.Scheme)
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	in.Host = req.URL.Host
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:1"
	in.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: req.URL.Hostname(), NegotiatedProtocol: "h2"}
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/2.0", 2, 0
	if in.Body == nil {
		in.Body = http.NoBody
	}
	body := bodyBuffers.Get().(*bytes.Buffer) // recycled when the client closes the body (bufpool.go)
	rec := &httptest.ResponseRecorder{Body: body, Code: http.StatusOK}
	aborted := serveInProcess(t.s.root, rec, in)
	resp := rec.Result()
	resp.Body = newPooledBody(body)
	resp.Request = req
	if aborted { // a reset fault: the client reads the partial body, then an error (realism.go)
		resp.Body = &resetBody{r: resp.Body}
	}
	return resp, nil
}

// serviceOfHost maps a hostname (no port) to the service it names in virtual-host and in-process modes.
func serviceOfHost(host string) string {
	host = strings.ToLower(host)
	for _, c := range clouds() {
		switch host {
		case c.loginHost:
			return "login"
		case c.graphHost:
			return "graph"
		case c.armHost:
			return "arm"
		}
	}
	return ""
}

// cloud is one Azure cloud's set of hostnames and token audiences.
type cloud struct {
	name        string
	loginHost   string
	graphHost   string
	armHost     string
	armAudience string
}

func clouds() []cloud {
	return []cloud{
		{"public", "login.microsoftonline.com", "graph.microsoft.com", "management.azure.com", "https://management.core.windows.net/"},
		{"usgov", "login.microsoftonline.us", "graph.microsoft.us", "management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/"},
		{"usgov-dod", "login.microsoftonline.us", "dod-graph.microsoft.us", "management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/"},
		{"china", "login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn", "management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn/"},
		{"azsim", inProcLoginHost, inProcGraphHost, inProcARMHost, "https://" + inProcARMHost},
	}
}
