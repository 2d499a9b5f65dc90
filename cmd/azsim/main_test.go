package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/gen"
)

// The test binary doubles as the azsim binary when AZSIM_RUN_MAIN is set, so the signal handling of the
// real main is exercised in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("AZSIM_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestServe_StateDir_EndpointsDriveARealClient_AndSIGTERMStopsCleanly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--preset", "tiny", "--seed", "3", "--state-dir", dir)
	cmd.Env = append(os.Environ(), "AZSIM_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var e azsim.Endpoints
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "endpoints.json"))
		if err == nil {
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("endpoints.json: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoints.json never appeared; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, field := range []string{e.TenantID, e.ClientID, e.ClientSecret, e.AuthorityHost, e.Graph, e.ARM, e.Admin, e.CAFile} {
		if field == "" {
			t.Fatalf("endpoints.json has an empty field: %+v", e)
		}
	}
	caPEM, err := os.ReadFile(e.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}

	// A client configured only from endpoints.json: token from authority_host, then Graph and admin.
	resp, err := client.PostForm(e.AuthorityHost+"/"+e.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {e.ClientID}, "client_secret": {e.ClientSecret},
		"scope": {"https://" + e.Graph + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token: status %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://"+e.Graph+"/v1.0/organization", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), e.TenantID) {
		t.Fatalf("organization: %d %s", resp.StatusCode, body)
	}
	resp, err = client.Get(e.Admin + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin health: %v %v", err, resp)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("azsim exited with %v after SIGTERM; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("azsim did not stop within 10s of SIGTERM")
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr lacks the shutdown line:\n%s", stderr.String())
	}
}

func TestTruth_CLIOutputEqualsGeneratorOutput(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"truth", "--preset", "tiny", "--seed", "9"}, &out, &errOut); err != nil {
		t.Fatalf("truth: %v (%s)", err, errOut.String())
	}
	spec, err := gen.PresetSpec("tiny", 9)
	if err != nil {
		t.Fatal(err)
	}
	w, err := gen.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := w.WriteTruth(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want.Bytes()) {
		t.Fatal("azsim truth differs from the generator's truth for the same preset and seed")
	}
}

func TestCLI_BadInput_IsAnActionableError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"gen", "--preset", "huge"}, "huge"},
		{[]string{"serve", "--log-level", "loud"}, "--log-level"},
		{[]string{"serve", "--throttle", "XL"}, "throttle profile"},
		{[]string{"serve", "--latency", "warp"}, "latency profile"},
		{[]string{"serve", "--faults", "/nonexistent/faults.json"}, "--faults"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("azsim %v: err = %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"gen", "--preset", "tiny", "--stats"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var stats map[string]any
	if err := json.Unmarshal(out.Bytes(), &stats); err != nil || len(stats) == 0 {
		t.Fatalf("gen --stats printed %q", out.String())
	}
}
