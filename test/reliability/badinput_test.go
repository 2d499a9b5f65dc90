package reliability

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// TestBadInput_ClearErrorNoRequestNoWrite runs the real binary with bad input, pointed at a live azsim
// and with a previous file at -f: each must exit != 0 with an error that says what is wrong, without
// a single request to azsim (login included), leaving the previous file as it was and nothing beside it.
func TestBadInput_ClearErrorNoRequestNoWrite(t *testing.T) {
	t.Parallel()
	binary(t)
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	derOnly := filepath.Join(t.TempDir(), "ca.der")
	if err := os.WriteFile(derOnly, []byte{0x30, 0x82, 0x01, 0x0a, 0x02, 0x82}, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(args []string) []string
		want string
	}{
		{"malformed tenant id", set("--azure-tenant-id", "not/a-tenant"), "tenant"},
		{"malformed client id", set("--azure-client-id", "client-123"), "client"},
		{"unknown cloud", add("--cloud", "mars"), "cloud"},
		{"conflicting credentials", add("--use-managed-identity"), "none of the others can be"},
		{"CA file that is not PEM", set("--ca-file", notPEM), "ca-file"},
		{"CA file in DER", set("--ca-file", derOnly), "ca-file"},
		{"missing CA file", set("--ca-file", filepath.Join(t.TempDir(), "absent.pem")), "ca-file"},
		{"graph domain with a path", set("--graph-domain", "graph.example.com/v1.0"), "graph-domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 51})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			prev := []byte("previous file")
			if err := os.WriteFile(out, prev, 0o600); err != nil {
				t.Fatal(err)
			}
			secret := "known-secret-" + strings.Repeat("x", 8)
			r := runBinary(t, tc.edit(connectorArgs(e, out)), "BATON_AZURE_CLIENT_SECRET="+secret)
			if r.Err == nil || r.ExitCode == 0 {
				t.Fatalf("exit %d; want a failure\n%s", r.ExitCode, tail(r.Stderr, 2000))
			}
			if !strings.Contains(strings.ToLower(r.Stderr), strings.ToLower(tc.want)) {
				t.Errorf("stderr does not mention %q:\n%s", tc.want, tail(r.Stderr, 2000))
			}
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			t.Logf("exit %d: %s", r.ExitCode, lines[len(lines)-1])
			if strings.Contains(r.Stderr+r.Stdout, secret) {
				t.Error("the output holds the client secret")
			}
			if n := s.Stats().Requests; n != 0 {
				t.Errorf("azsim served %d requests; bad input must be refused before any", n)
			}
			if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, prev) {
				t.Errorf("the previous file changed: %q, %v", got, err)
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			if len(entries) != 1 {
				var names []string
				for _, en := range entries {
					names = append(names, en.Name())
				}
				t.Errorf("the output directory holds %v; want only the previous file", names)
			}
			if left := leftovers(t, r.TmpDir); len(left) > 0 {
				t.Errorf("the run left %v in its TMPDIR", left)
			}
		})
	}
}

// set replaces the value of a flag; add appends flags.
func set(flag, value string) func([]string) []string {
	return func(args []string) []string {
		out := append([]string(nil), args...)
		for i := range out {
			if out[i] == flag && i+1 < len(out) {
				out[i+1] = value
				return out
			}
		}
		return append(out, flag, value)
	}
}

func add(extra ...string) func([]string) []string {
	return func(args []string) []string { return append(append([]string(nil), args...), extra...) }
}
