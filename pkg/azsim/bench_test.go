package azsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

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

// BenchmarkServeGraphPage measures azsim serving full Graph list pages ($top=999) of the benchmark
// preset. The L-tenant budget is 8,000 RU per 10 s (800 RU/s); each sub-benchmark reads the page's cost
// from x-ms-resource-unit and reports "x-budget", its pages/s as a multiple of what that budget allows
// (the issue asks for >= 10 on the 2-core CI machine with AZSIM_BENCH_PRESET=large):
//
//	users          $select of 5 properties, 1 RU: the budget allows 800 pages/s
//	users-default  the default property set, 2 RU: 400 pages/s
//	members        the largest group's members, $select=id, 2 RU: 400 pages/s
//
// Each runs in-process on one goroutine, then with -parallel goroutines ("/par", b.RunParallel) and over
// a real HTTPS/HTTP2 listener ("/port", parallel), which adds TLS and framing to azsim's own work.
func BenchmarkServeGraphPage(b *testing.B) {
	s, err := azsim.New(azsim.Options{NoListener: true, Preset: benchPreset()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ps, err := azsim.New(azsim.Options{World: worldOf(s), Host: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	defer ps.Close()
	var bigGroup string
	s.ReadWorld(func(w *world.World) {
		best := 0
		for _, g := range w.Groups {
			if len(g.Members) > best {
				best, bigGroup = len(g.Members), g.ID
			}
		}
	})
	paths := []struct{ name, path string }{
		{"users", "/v1.0/users?$top=999&$select=id,displayName,userPrincipalName,accountEnabled,userType"},
		{"users-default", "/v1.0/users?$top=999"},
		{"members", "/v1.0/groups/" + bigGroup + "/members?$top=999&$select=id"},
	}
	for _, srv := range []struct {
		name string
		s    *azsim.Server
	}{{"", s}, {"/port", ps}} {
		app, err := srv.s.App(azsim.ReaderAppName)
		if err != nil {
			b.Fatal(err)
		}
		tok := benchToken(b, srv.s, app, "https://graph.microsoft.com/.default")
		for _, p := range paths {
			get := func(client *http.Client) int {
				req, _ := http.NewRequest(http.MethodGet, srv.s.GraphURL()+p.path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("GET %s: %v %v", p.path, err, resp)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ru, _ := strconv.Atoi(resp.Header.Get("x-ms-resource-unit"))
				return ru
			}
			report := func(b *testing.B, ru int, cpu time.Duration) {
				pagesPerSec := float64(b.N) / b.Elapsed().Seconds()
				b.ReportMetric(pagesPerSec, "pages/s")
				b.ReportMetric(pagesPerSec*float64(ru)/800, "x-budget")
				// CPU per page (the whole process: handlers, client, GC) and what two dedicated cores
				// would sustain: robust to other load on a shared machine.
				perPage := float64(cpu) / float64(b.N)
				b.ReportMetric(perPage/1e3, "cpu-µs/page")
				b.ReportMetric(2*float64(time.Second)/perPage*float64(ru)/800, "x-budget-2cpu")
			}
			if srv.name == "" {
				b.Run(p.name, func(b *testing.B) {
					client := srv.s.HTTPClient()
					b.ReportAllocs()
					ru := 0
					c0 := processCPU()
					for b.Loop() {
						ru = get(client)
					}
					report(b, ru, processCPU()-c0)
				})
			}
			b.Run(p.name+srv.name+"/par", func(b *testing.B) {
				client := srv.s.HTTPClient()
				ru := get(client)
				b.ReportAllocs()
				b.ResetTimer()
				c0 := processCPU()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						get(client)
					}
				})
				report(b, ru, processCPU()-c0)
			})
		}
	}
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// worldOf returns the world a server serves, so a second server can share it without regenerating.
func worldOf(s *azsim.Server) *world.World {
	var w *world.World
	s.ReadWorld(func(x *world.World) { w = x })
	return w
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
