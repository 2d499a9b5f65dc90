package azsim

import (
	"bufio"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/baton-azure/baton-azure/pkg/azsim/gen"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// adminPrefix is the reserved path of the admin plane, served unauthenticated on every service.
const adminPrefix = "/_azsim/"

// ReaderAppName is the registered app with read permissions whose credentials endpoints.json carries.
const ReaderAppName = "baton-azure-reader"

// AppCredentials are the credentials of a registered application of the simulated tenant.
type AppCredentials struct {
	Name             string   `json:"name"`
	Purpose          string   `json:"purpose"`
	ClientID         string   `json:"client_id"`
	ClientSecret     string   `json:"client_secret"`
	ObjectID         string   `json:"object_id"`
	GraphPermissions []string `json:"graph_permissions"`
}

// Apps lists the registered applications with their credentials.
func (s *Server) Apps() []AppCredentials {
	var out []AppCredentials
	s.ReadWorld(func(w *world.World) {
		for _, a := range w.Apps {
			c := AppCredentials{Name: a.Name, Purpose: a.Purpose, ClientID: a.ClientID, ObjectID: a.ServicePrincipalID,
				GraphPermissions: append([]string(nil), a.GraphPermissions...)}
			if len(a.Secrets) > 0 {
				c.ClientSecret = a.Secrets[0]
			}
			out = append(out, c)
		}
	})
	return out
}

// App returns the credentials of the registered application with the given name.
func (s *Server) App(name string) (AppCredentials, error) {
	for _, a := range s.Apps() {
		if a.Name == name {
			return a, nil
		}
	}
	return AppCredentials{}, fmt.Errorf("azsim: no registered app named %q", name)
}

// AddClientCertificate registers a certificate credential on an application, as uploading a certificate
// to an app registration does.
func (s *Server) AddClientCertificate(clientID string, cert *x509.Certificate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.world.App(clientID)
	if app == nil {
		return fmt.Errorf("azsim: no registered app with client id %s", clientID)
	}
	app.Certificates = append(app.Certificates, cert)
	return nil
}

// Reset regenerates the world from a preset and seed (empty preset keeps the current one) and clears the
// request counters. Registered certificates are kept.
func (s *Server) Reset(preset string, seed uint64, noP2 bool) error {
	if preset == "" {
		preset = s.opts.Preset
	}
	if seed == 0 {
		seed = s.opts.Seed
	}
	spec, err := gen.PresetSpec(preset, seed)
	if err != nil {
		return err
	}
	spec.NoP2 = noP2
	w, err := gen.Generate(spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.world.Apps {
		if a := w.App(old.ClientID); a != nil {
			a.Certificates = old.Certificates
		}
	}
	s.world = w
	s.opts.Preset, s.opts.Seed, s.opts.NoP2 = preset, seed, noP2
	s.stats.reset()
	return nil
}

// WriteTruth writes the ground truth of the current world as JSONL.
func (s *Server) WriteTruth(w *bufio.Writer) error {
	var err error
	s.ReadWorld(func(wd *world.World) { err = wd.WriteTruth(w) })
	if err != nil {
		return err
	}
	return w.Flush()
}

func (s *Server) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_azsim/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"}, "application/json")
	})
	mux.HandleFunc("GET /_azsim/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats(), "application/json")
	})
	mux.HandleFunc("POST /_azsim/stats/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.stats.reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_azsim/info", func(w http.ResponseWriter, _ *http.Request) {
		var info map[string]any
		s.ReadWorld(func(wd *world.World) {
			info = map[string]any{"tenant_id": wd.Tenant.ID, "preset": wd.Preset, "seed": wd.Seed,
				"generator_version": wd.GeneratorVersion, "p2": wd.Tenant.HasP2, "summary": gen.Summarize(wd)}
		})
		writeJSON(w, http.StatusOK, info, "application/json")
	})
	mux.HandleFunc("GET /_azsim/truth", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		if err := s.WriteTruth(bufio.NewWriterSize(w, 1<<16)); err != nil {
			s.log.Error("azsim: write truth", "err", err)
		}
	})
	mux.HandleFunc("POST /_azsim/reset", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var seed uint64
		if v := q.Get("seed"); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				http.Error(w, "azsim: seed must be a positive integer", http.StatusBadRequest)
				return
			}
			seed = n
		}
		if err := s.Reset(q.Get("preset"), seed, q.Get("no_p2") == "true"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.registerRealismAdmin(mux)
	s.registerChurnAdmin(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "azsim admin: unknown endpoint "+r.Method+" "+r.URL.Path+
			" (known: GET health, stats, info, truth, realism; GET/PUT throttle, latency, faults; DELETE faults; POST stats/reset, reset, churn)", http.StatusNotFound)
	})
	return mux
}

var errNoApp = errors.New("azsim: the world has no reader app")
