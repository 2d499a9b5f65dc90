package azsim_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// token obtains an access token for scope with a client secret, straight from the token endpoint.
func token(t *testing.T, s *azsim.Server, app azsim.AppCredentials, scope string) string {
	t.Helper()
	status, body := postToken(t, s, s.TenantID(), url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {scope}})
	if status != http.StatusOK {
		t.Fatalf("token for %s: status %d: %v", scope, status, body)
	}
	return body["access_token"].(string)
}

func postToken(t *testing.T, s *azsim.Server, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(s.LoginURL()+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, m
}

// call performs a request against an absolute URL or a path under base and decodes the JSON answer
// (or returns the text in m["text"]).
func call(t *testing.T, s *azsim.Server, method, target, bearer string, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: invalid JSON %q", method, target, b)
		}
	} else {
		m["text"] = string(b)
	}
	return resp.StatusCode, m, resp.Header
}

// errCode extracts error.code and error.message of a Graph or ARM error body.
func errCode(m map[string]any) (string, string) {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return code, msg
}

// items returns the value array of a list response.
func items(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, v := range m["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// drain follows @odata.nextLink (or ARM nextLink) and returns every item and the number of pages.
func drain(t *testing.T, s *azsim.Server, first, bearer string, hdr map[string]string) ([]map[string]any, int) {
	t.Helper()
	var all []map[string]any
	pages := 0
	for next := first; next != ""; {
		status, m, _ := call(t, s, http.MethodGet, next, bearer, hdr)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", next, status, m)
		}
		pages++
		all = append(all, items(m)...)
		next, _ = m["@odata.nextLink"].(string)
		if next == "" {
			next, _ = m["nextLink"].(string)
		}
	}
	return all, pages
}
