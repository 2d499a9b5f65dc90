package azsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// reply is what a handler returns; one renderer per API writes it. Exactly one of body, text, err is used.
type reply struct {
	status int
	body   any
	text   string // text/plain body (Graph /$count)
	header http.Header
	err    *apiError
}

// apiError is an API error in neutral form; the Graph and ARM renderers wrap it in their envelopes.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func ok(body any) reply      { return reply{status: http.StatusOK, body: body} }
func fail(e *apiError) reply { return reply{err: e} }
func errorf(status int, code, msg string) reply {
	return reply{err: &apiError{status: status, code: code, message: msg}}
}

const graphContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// renderGraph writes a reply with Graph's headers and error envelope.
func renderGraph(w http.ResponseWriter, r *http.Request, rp reply, now time.Time) {
	h := w.Header()
	reqID := newID()
	h.Set("request-id", reqID)
	if c := r.Header.Get("client-request-id"); c != "" {
		h.Set("client-request-id", c)
	} else {
		h.Set("client-request-id", reqID)
	}
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"azsim","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"azsim"}}`)
	h.Set("OData-Version", "4.0")
	for k, v := range rp.header {
		h[k] = v
	}
	if rp.err != nil {
		for k, v := range rp.err.header {
			h[k] = v
		}
		writeJSON(w, rp.err.status, graphErrorBody(rp.err, reqID, h.Get("client-request-id"), now), graphContentType)
		return
	}
	if rp.text != "" || rp.body == nil {
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(statusOr(rp.status, http.StatusOK))
		_, _ = w.Write([]byte(rp.text))
		return
	}
	writeJSON(w, statusOr(rp.status, http.StatusOK), rp.body, graphContentType)
}

func graphErrorBody(e *apiError, reqID, clientReqID string, now time.Time) map[string]any {
	return map[string]any{"error": map[string]any{
		"code": e.code, "message": e.message,
		"innerError": map[string]any{
			"date": now.UTC().Format("2006-01-02T15:04:05"), "request-id": reqID, "client-request-id": clientReqID,
		},
	}}
}

// renderARM writes a reply with ARM's headers and error envelope.
func renderARM(w http.ResponseWriter, r *http.Request, rp reply) {
	h := w.Header()
	reqID := newID()
	h.Set("x-ms-request-id", reqID)
	h.Set("x-ms-correlation-request-id", orDefault(r.Header.Get("x-ms-correlation-request-id"), reqID))
	h.Set("x-ms-routing-request-id", "AZSIM:"+time.Now().UTC().Format("20060102T150405Z")+":"+reqID)
	for k, v := range rp.header {
		h[k] = v
	}
	if rp.err != nil {
		for k, v := range rp.err.header {
			h[k] = v
		}
		writeJSON(w, rp.err.status, map[string]any{"error": map[string]any{"code": rp.err.code, "message": rp.err.message}},
			"application/json; charset=utf-8")
		return
	}
	if rp.body == nil {
		w.WriteHeader(statusOr(rp.status, http.StatusOK))
		return
	}
	writeJSON(w, statusOr(rp.status, http.StatusOK), rp.body, "application/json; charset=utf-8")
}

func writeJSON(w http.ResponseWriter, status int, v any, contentType string) {
	if raw, isRaw := v.(rawJSON); isRaw {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write(append(raw, '\n'))
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "azsim: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func statusOr(s, def int) int {
	if s == 0 {
		return def
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
