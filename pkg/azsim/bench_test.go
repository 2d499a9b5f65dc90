package azsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// benchPreset is medium by default; AZSIM_BENCH_PRESET=large measures the big tenant.
func benchPreset() string {
	if p := os.Getenv("AZSIM_BENCH_PRESET"); p != "" {
		return p
	}
	return "medium"
}

// BenchmarkServeGraphPage measures azsim serving full Graph list pages ($top=999) in-process. The
// L-tenant budget is 8,000 RU per 10 s; a users page costs 2 RU and a members page 3 RU, so the budget
// allows 400 users pages/s or 266 members pages/s — compare with the reported pages/s.
func BenchmarkServeGraphPage(b *testing.B) {
	s, err := azsim.New(azsim.Options{NoListener: true, Preset: benchPreset()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	app, err := s.App(azsim.ReaderAppName)
	if err != nil {
		b.Fatal(err)
	}
	tok := benchToken(b, s, app, "https://graph.microsoft.com/.default")
	var bigGroup string
	s.ReadWorld(func(w *world.World) {
		best := 0
		for _, g := range w.Groups {
			if len(g.Members) > best {
				best, bigGroup = len(g.Members), g.ID
			}
		}
	})
	for name, path := range map[string]string{
		"users":   "/v1.0/users?$top=999&$select=id,displayName,userPrincipalName,accountEnabled,userType",
		"members": "/v1.0/groups/" + bigGroup + "/members?$top=999&$select=id",
	} {
		b.Run(name, func(b *testing.B) {
			client := s.HTTPClient()
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, s.GraphURL()+path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("GET %s: %v %v", path, err, resp)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

func benchToken(b *testing.B, s *azsim.Server, app azsim.AppCredentials, scope string) string {
	b.Helper()
	resp, err := s.HTTPClient().PostForm(s.LoginURL()+"/"+s.TenantID()+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {scope}})
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}
	return m.AccessToken
}
