package azsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// writeState is the server's write-side state: the source of new object ids and the churn round counter.
type writeState struct {
	ids    atomic.Uint64
	churns atomic.Uint64
}

// writeKey marks a request whose route mutates the world.
type writeKey struct{}

func markWrite(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), writeKey{}, true))
}

func isWrite(r *http.Request) bool { return r.Context().Value(writeKey{}) != nil }

// lockWorld takes the world's lock for one request: exclusive for writes, shared for reads. Time-bound
// assignments whose end has passed on azsim's clock are removed first (under the exclusive lock, only
// when one is due), so every read sees the current state.
func (s *Server) lockWorld(write bool, now time.Time) {
	if write {
		s.mu.Lock()
		if s.world.ExpiryDue(now) {
			s.world.ExpireSchedules(now)
		}
		return
	}
	s.mu.RLock()
	if !s.world.ExpiryDue(now) {
		return
	}
	s.mu.RUnlock()
	s.mu.Lock()
	if s.world.ExpiryDue(now) {
		s.world.ExpireSchedules(now)
	}
	s.mu.Unlock()
	s.mu.RLock()
}

func (s *Server) unlockWorld(write bool) {
	if write {
		s.mu.Unlock()
	} else {
		s.mu.RUnlock()
	}
}

// UpdateWorld runs f with the world write-locked, for library users and tests that mutate the world
// directly. f should use the World's mutation methods (world/mutate.go) so indexes, the delta journal and
// expiry tracking stay right.
func (s *Server) UpdateWorld(f func(w *world.World)) {
	s.lockWorld(true, s.clock())
	defer s.unlockWorld(true)
	f(s.world)
}

// newObjectID returns the id of a new directory object or assignment: deterministic per server (the n-th id
// of a server serving seed s is always the same), distinct from generated ids.
func (s *Server) newObjectID() string {
	n := s.writes.ids.Add(1)
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("azsim/write/%d/%d", s.opts.Seed, n))).String()
}

// decodeBody decodes a JSON request body into v; Graph answers 400 BadRequest for unreadable bodies.
func decodeBody(r *http.Request, v any) *apiError {
	if r.Body == nil {
		return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "Empty Payload, JSON content expected"}
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "Empty Payload, JSON content expected"}
		}
		return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."}
	}
	return nil
}

// fields is a JSON object body kept raw per property, so handlers can tell absent from null and reject
// unknown properties as Graph does.
type fields map[string]json.RawMessage

func (f fields) has(k string) bool { _, ok := f[k]; return ok }

func (f fields) str(k string) (string, bool) {
	raw, ok := f[k]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (f fields) boolean(k string) (bool, bool) {
	raw, ok := f[k]
	if !ok {
		return false, false
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return false, false
	}
	return b, true
}

func (f fields) strings(k string) ([]string, bool) {
	raw, ok := f[k]
	if !ok {
		return nil, false
	}
	var ss []string
	if json.Unmarshal(raw, &ss) != nil {
		return nil, false
	}
	return ss, true
}

// unknownProperty returns Graph's 400 for the first property of f not in allowed (case-sensitive, as
// Graph's JSON reader is), or nil.
func (f fields) unknownProperty(typeName string, allowed ...string) *apiError {
	for k := range f {
		if strings.HasPrefix(k, "@odata.") {
			continue
		}
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "The property '" + k +
				"' does not exist on type '" + typeName + "'. Make sure to only use property names that are defined by the type or mark the type as open type."}
		}
	}
	return nil
}

// odataIDPattern extracts the object id of an @odata.id or @odata.bind reference: any host, any version,
// directoryObjects/users/groups/servicePrincipals, as a path segment or a ('key').
var odataIDPattern = regexp.MustCompile(`(?i)/(?:directoryObjects|users|groups|servicePrincipals)(?:/|\(')([0-9a-f-]{36})(?:'\))?/?$`)

func refID(odataID string) (string, bool) {
	m := odataIDPattern.FindStringSubmatch(strings.TrimSpace(odataID))
	if m == nil {
		return "", false
	}
	return strings.ToLower(m[1]), true
}

// parseISODuration parses the ISO 8601 durations PIM uses (P365D, PT8H, P1Y2M3DT4H5M6S, P2W). Years are
// 365 days and months 30 days.
func parseISODuration(s string) (time.Duration, bool) {
	rest, found := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(s)), "P")
	if !found || rest == "" {
		return 0, false
	}
	var d time.Duration
	inTime := false
	units := map[bool]map[byte]time.Duration{
		false: {'Y': 365 * 24 * time.Hour, 'M': 30 * 24 * time.Hour, 'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour},
		true:  {'H': time.Hour, 'M': time.Minute, 'S': time.Second},
	}
	num := ""
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == 'T':
			if inTime || num != "" {
				return 0, false
			}
			inTime = true
		case c >= '0' && c <= '9' || c == '.':
			num += string(c)
		default:
			unit, ok := units[inTime][c]
			if !ok || num == "" {
				return 0, false
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, false
			}
			d += time.Duration(f * float64(unit))
			num = ""
		}
	}
	if num != "" || d <= 0 {
		return 0, false
	}
	return d, true
}

// schedule is a parsed PIM scheduleInfo: Graph's and ARM's share the shape.
type scheduleInfo struct {
	StartDateTime *time.Time `json:"startDateTime"`
	Expiration    *struct {
		Type        string     `json:"type"`
		EndDateTime *time.Time `json:"endDateTime"`
		Duration    string     `json:"duration"`
	} `json:"expiration"`
}

// window resolves a schedule to a start (default now) and an end (nil: no expiration). bad returns the
// API's error for a malformed schedule.
func (si *scheduleInfo) window(now time.Time, bad func(msg string) *apiError) (time.Time, *time.Time, *apiError) {
	start := now.UTC().Truncate(time.Second)
	if si != nil && si.StartDateTime != nil {
		start = si.StartDateTime.UTC()
	}
	if si == nil || si.Expiration == nil {
		return start, nil, nil
	}
	switch strings.ToLower(si.Expiration.Type) {
	case "", "noexpiration":
		return start, nil, nil
	case "afterdatetime":
		if si.Expiration.EndDateTime == nil {
			return start, nil, bad("The expiration endDateTime is required when the expiration type is afterDateTime.")
		}
		end := si.Expiration.EndDateTime.UTC()
		if !end.After(start) {
			return start, nil, bad("The expiration endDateTime must be later than the startDateTime.")
		}
		return start, &end, nil
	case "afterduration":
		d, ok := parseISODuration(si.Expiration.Duration)
		if !ok {
			return start, nil, bad("The expiration duration '" + si.Expiration.Duration + "' is not a valid ISO 8601 duration.")
		}
		end := start.Add(d)
		return start, &end, nil
	}
	return start, nil, bad("The expiration type '" + si.Expiration.Type + "' is not valid. Use noExpiration, afterDateTime or afterDuration.")
}

// scheduleJSON echoes a schedule as Graph and ARM render it.
func scheduleJSON(start time.Time, end *time.Time, si *scheduleInfo) map[string]any {
	exp := map[string]any{"type": "noExpiration", "endDateTime": nil, "duration": nil}
	if end != nil {
		exp["type"], exp["endDateTime"] = "afterDateTime", end.UTC()
		if si != nil && si.Expiration != nil && strings.EqualFold(si.Expiration.Type, "afterDuration") {
			exp["type"], exp["duration"] = "afterDuration", si.Expiration.Duration
		}
	}
	return map[string]any{"startDateTime": start.UTC(), "recurrence": nil, "expiration": exp}
}
