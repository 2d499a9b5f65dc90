package azsim

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBatchRequests is Graph's JSON batching limit.
const maxBatchRequests = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// serveBatch serves POST /{ver}/$batch: each sub-request is dispatched as its own request through the
// Graph handler chain (authentication, permissions, instrumentation and anything else wrapped around
// s.graphH, e.g. throttling), carrying the outer Authorization header. Sub-requests run in order; one whose
// dependsOn names a request that did not succeed answers 424. The outer status is 200 whenever the batch
// itself is well-formed.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request) {
	now := s.clock()
	ver := r.PathValue("ver")
	if ver != "v1.0" && ver != "beta" {
		renderGraph(w, r, errorf(http.StatusBadRequest, "BadRequest", "Invalid version: "+ver), now)
		return
	}
	if _, aerr := s.authenticate(r, "graph"); aerr != nil {
		renderGraph(w, r, fail(aerr), now)
		return
	}
	reqs, order, aerr := parseBatch(r.Body)
	if aerr != nil {
		renderGraph(w, r, fail(aerr), now)
		return
	}
	results := make(map[string]*batchResponse, len(reqs))
	for _, i := range order {
		br := reqs[i]
		failed := ""
		for _, d := range br.DependsOn {
			if res := results[strings.ToLower(d)]; res == nil || res.Status < 200 || res.Status > 299 {
				failed = d
				break
			}
		}
		if failed != "" {
			results[strings.ToLower(br.ID)] = batchError(br.ID, http.StatusFailedDependency, "FailedDependency",
				"The request depends on request '"+failed+"', which failed.", now)
			continue
		}
		results[strings.ToLower(br.ID)] = s.dispatchBatch(r, ver, br)
	}
	out := struct {
		Responses []*batchResponse `json:"responses"`
	}{}
	for _, br := range reqs {
		out.Responses = append(out.Responses, results[strings.ToLower(br.ID)])
	}
	renderGraph(w, r, ok(out), now)
}

// parseBatch validates a batch: at most 20 requests, unique ids (case-insensitive), known dependsOn ids
// and no dependency cycle. It returns the requests and an execution order honouring dependsOn.
func parseBatch(body io.Reader) ([]batchRequest, []int, *apiError) {
	bad := func(msg string) *apiError {
		return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: msg}
	}
	var b struct {
		Requests []batchRequest `json:"requests"`
	}
	if body == nil || json.NewDecoder(body).Decode(&b) != nil {
		return nil, nil, bad("Invalid batch payload format.")
	}
	if len(b.Requests) == 0 {
		return nil, nil, bad("Invalid batch payload format: the batch contains no requests.")
	}
	if len(b.Requests) > maxBatchRequests {
		return nil, nil, bad("The number of requests in the batch (" + strconv.Itoa(len(b.Requests)) + ") exceeds the maximum of 20.")
	}
	index := map[string]int{}
	for i, br := range b.Requests {
		key := strings.ToLower(br.ID)
		if key == "" {
			return nil, nil, bad("Invalid batch payload format: every request needs an id.")
		}
		if _, dup := index[key]; dup {
			return nil, nil, bad("Batch request contains duplicate request id '" + br.ID + "'.")
		}
		index[key] = i
	}
	for _, br := range b.Requests {
		for _, d := range br.DependsOn {
			if _, known := index[strings.ToLower(d)]; !known {
				return nil, nil, bad("Request '" + br.ID + "' depends on request '" + d + "', which is not in the batch.")
			}
		}
	}
	// Topological order, stable with respect to the request order.
	state := make([]int, len(b.Requests)) // 0 new, 1 visiting, 2 done
	var order []int
	var visit func(i int) bool
	visit = func(i int) bool {
		switch state[i] {
		case 1:
			return false
		case 2:
			return true
		}
		state[i] = 1
		for _, d := range b.Requests[i].DependsOn {
			if !visit(index[strings.ToLower(d)]) {
				return false
			}
		}
		state[i] = 2
		order = append(order, i)
		return true
	}
	for i := range b.Requests {
		if !visit(i) {
			return nil, nil, bad("The dependsOn relations of the batch contain a cycle.")
		}
	}
	return b.Requests, order, nil
}

// batchError is a sub-response carrying a Graph error body.
func batchError(id string, status int, code, msg string, now time.Time) *batchResponse {
	reqID := newID()
	b, _ := json.Marshal(graphErrorBody(&apiError{status: status, code: code, message: msg}, reqID, reqID, now))
	return &batchResponse{ID: id, Status: status, Headers: map[string]string{"Content-Type": graphContentType}, Body: b}
}

// dispatchBatch runs one sub-request through the Graph handler chain and records its answer.
func (s *Server) dispatchBatch(outer *http.Request, ver string, br batchRequest) *batchResponse {
	now := s.clock()
	method := strings.ToUpper(br.Method)
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return batchError(br.ID, http.StatusBadRequest, "BadRequest", "Invalid method '"+br.Method+"' in batch request '"+br.ID+"'.", now)
	}
	rel := strings.TrimSpace(br.URL)
	if rel == "" || strings.Contains(rel, "://") {
		return batchError(br.ID, http.StatusBadRequest, "BadRequest", "The url of a batch request must be relative to the version, e.g. '/users'.", now)
	}
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	if strings.EqualFold(strings.SplitN(rel, "?", 2)[0], "/$batch") {
		return batchError(br.ID, http.StatusBadRequest, "BadRequest", "Nested batch requests are not supported.", now)
	}
	u, err := url.Parse("https://" + outer.Host + "/" + ver + rel)
	if err != nil {
		return batchError(br.ID, http.StatusBadRequest, "BadRequest", "Invalid url '"+br.URL+"' in batch request '"+br.ID+"'.", now)
	}
	var body io.Reader = http.NoBody
	if len(br.Body) > 0 && string(br.Body) != "null" {
		ct := ""
		for k, v := range br.Headers {
			if strings.EqualFold(k, "Content-Type") {
				ct = v
			}
		}
		if ct == "" {
			return batchError(br.ID, http.StatusBadRequest, "BadRequest", "A Content-Type header is required for batch request '"+br.ID+"', which has a body.", now)
		}
		raw := []byte(br.Body)
		if !strings.Contains(strings.ToLower(ct), "json") {
			var enc string
			if json.Unmarshal(br.Body, &enc) == nil {
				if dec, err := base64.StdEncoding.DecodeString(enc); err == nil {
					raw = dec
				}
			}
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(outer.Context(), method, u.String(), body)
	if err != nil {
		return batchError(br.ID, http.StatusBadRequest, "BadRequest", "Invalid batch request '"+br.ID+"': "+err.Error(), now)
	}
	for k, v := range br.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", outer.Header.Get("Authorization"))
	if c := outer.Header.Get("client-request-id"); c != "" && req.Header.Get("client-request-id") == "" {
		req.Header.Set("client-request-id", c)
	}
	req.Host = outer.Host
	req.RemoteAddr = outer.RemoteAddr
	req.RequestURI = u.RequestURI()
	req.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: outer.Host}
	req.Proto, req.ProtoMajor, req.ProtoMinor = outer.Proto, outer.ProtoMajor, outer.ProtoMinor
	rec := httptest.NewRecorder()
	s.graphH.ServeHTTP(rec, req)
	res := &batchResponse{ID: br.ID, Status: rec.Code, Headers: map[string]string{}}
	for k, v := range rec.Header() {
		if len(v) > 0 {
			res.Headers[k] = v[0]
		}
	}
	b := bytes.TrimSpace(rec.Body.Bytes())
	switch {
	case len(b) == 0:
	case json.Valid(b) && strings.Contains(strings.ToLower(rec.Header().Get("Content-Type")), "json"):
		res.Body = b
	default:
		res.Body, _ = json.Marshal(string(b))
	}
	return res
}
