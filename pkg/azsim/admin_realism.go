package azsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// registerRealismAdmin adds the admin endpoints of throttling, latency and faults:
//
//	GET  /_azsim/realism            all three settings, fault counters and bucket levels
//	GET  /_azsim/throttle           {"profile": "L", "buckets": [...]}
//	PUT  /_azsim/throttle           {"profile": "M"} (or ?profile=M); refills every bucket
//	GET  /_azsim/latency            {"profile": "demo"}
//	PUT  /_azsim/latency            {"profile": "bench"} (or ?profile=bench)
//	GET  /_azsim/faults             {"profile": "storm", "seed": 1, "rules": [{"rule": {...}, "matched": n, "injected": n}]}
//	PUT  /_azsim/faults             {"profile": "flaky", "rules": [...]} or a JSON array of rules; counters restart
//	DELETE /_azsim/faults           no faults
//
// POST is accepted wherever PUT is.
func (s *Server) registerRealismAdmin(mux *http.ServeMux) {
	const jsonType = "application/json"
	mux.HandleFunc("GET /_azsim/realism", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Realism(), jsonType)
	})
	mux.HandleFunc("GET /_azsim/throttle", func(w http.ResponseWriter, _ *http.Request) {
		st := s.Realism()
		writeJSON(w, http.StatusOK, map[string]any{"profile": st.Throttle, "buckets": st.Buckets}, jsonType)
	})
	mux.HandleFunc("GET /_azsim/latency", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"profile": s.Realism().Latency}, jsonType)
	})
	mux.HandleFunc("GET /_azsim/faults", func(w http.ResponseWriter, _ *http.Request) {
		st := s.Realism()
		writeJSON(w, http.StatusOK, map[string]any{"profile": st.Faults, "seed": st.Seed, "rules": st.Rules}, jsonType)
	})
	setProfile := func(set func(string) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			profile, err := profileParam(r)
			if err == nil {
				err = set(profile)
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
	setFaults := func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var f FaultsFile
		if strings.TrimSpace(string(b)) != "" {
			if f, err = parseFaultsJSON(b); err != nil {
				http.Error(w, "azsim: faults body: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		if p := r.URL.Query().Get("profile"); p != "" {
			f.Profile = p
		}
		if err := s.SetFaults(f.Profile, f.Rules...); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	for _, m := range []string{"PUT", "POST"} {
		mux.HandleFunc(m+" /_azsim/throttle", setProfile(s.SetThrottle))
		mux.HandleFunc(m+" /_azsim/latency", setProfile(s.SetLatency))
		mux.HandleFunc(m+" /_azsim/faults", setFaults)
	}
	mux.HandleFunc("DELETE /_azsim/faults", func(w http.ResponseWriter, _ *http.Request) {
		_ = s.SetFaults(FaultsNone)
		w.WriteHeader(http.StatusNoContent)
	})
}

// profileParam reads {"profile": "..."} from the body or ?profile= from the query.
func profileParam(r *http.Request) (string, error) {
	if p := r.URL.Query().Get("profile"); p != "" {
		return p, nil
	}
	var body struct {
		Profile *string `json:"profile"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil || body.Profile == nil {
		return "", errBadProfileBody
	}
	return *body.Profile, nil
}

var errBadProfileBody = errors.New(`azsim: want {"profile": "..."} or ?profile=`)
