package reliability

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

	"github.com/baton-azure/baton-azure/internal/c1zread"
	"github.com/baton-azure/baton-azure/internal/groundtruth"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// jwtPattern matches a bearer token (a JWT's header and payload).
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}`)

// TestSecrets_NeverInOutputLogsOrTheFile syncs with debug logging to a log file (--log-path), once with
// the secret in the environment and once on the command line, and searches for the secret and for bearer
// tokens in stdout, stderr, the log file, every file the run left (output directory, TMPDIR, HOME), the c1z's decompressed
// payload and every object of the file.
func TestSecrets_NeverInOutputLogsOrTheFile(t *testing.T) {
	t.Parallel()
	binary(t)
	for _, via := range []string{"environment", "flag"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 61})
			dir := t.TempDir()
			out := filepath.Join(dir, "sync.c1z")
			logFile := filepath.Join(dir, "sync.log")
			args := append(connectorArgs(e, out), "--log-level", "debug", "--log-path", logFile)
			var env []string
			if via == "flag" {
				args = append(args, "--azure-client-secret", e.ClientSecret)
			} else {
				env = append(env, "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret)
			}
			cmd, stdout, stderr, tmp := command(t, args, env...)
			home := strings.TrimPrefix(cmd.Env[0], "HOME=")
			if err := cmd.Run(); err != nil {
				t.Fatalf("sync: %v\n%s", err, tail(stderr.String(), 3000))
			}
			assertTruth(t, s, out, groundtruth.Options{})
			secret := []byte(e.ClientSecret)
			check := func(what string, b []byte) {
				t.Helper()
				if bytes.Contains(b, secret) {
					t.Errorf("%s holds the client secret", what)
				}
				if m := jwtPattern.Find(b); m != nil {
					t.Errorf("%s holds a bearer token (%.20s…)", what, m)
				}
			}
			check("stdout", stdout.Bytes())
			check("stderr (the log)", stderr.Bytes())
			logged, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatalf("the log file: %v", err)
			}
			check("the log file", logged)
			if !bytes.Contains(append(logged, stderr.Bytes()...), []byte(`"level":"debug"`)) {
				t.Error("no debug log line: the check did not see the most verbose log")
			}
			for _, root := range []string{dir, tmp, home} {
				_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return nil
					}
					b, err := os.ReadFile(p)
					if err == nil {
						check(p, b)
					}
					return nil
				})
			}
			payload := decompressedC1Z(t, out)
			check("the c1z's decompressed payload", payload)
			// The search sees the file's contents: a user's display name is there in clear.
			var name string
			s.ReadWorld(func(w *world.World) { name = w.Users[0].DisplayName })
			if !bytes.Contains(payload, []byte(name)) {
				t.Errorf("the decompressed c1z does not hold the display name %q: the secret search is blind", name)
			}
			f, err := c1zread.Read(context.Background(), out, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var all []proto.Message
			for _, r := range f.Resources {
				all = append(all, r)
			}
			for _, en := range f.Entitlements {
				all = append(all, en)
			}
			for _, g := range f.Grants {
				all = append(all, g)
			}
			for _, m := range all {
				b, _ := proto.Marshal(m)
				check("an object of the file", b)
			}
		})
	}
}

// decompressedC1Z returns a c1z's bytes with every zstd frame in it decompressed (a v3 Pebble c1z holds
// one stream or one frame per file, depending on its payload encoding): the raw bytes, then each frame's
// output.
func decompressedC1Z(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), raw...)
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	decoded := 0
	for off := 0; off < len(raw); {
		i := bytes.Index(raw[off:], magic)
		if i < 0 {
			break
		}
		off += i
		if b := unzstd(raw[off:]); len(b) > 0 {
			out = append(out, b...)
			decoded += len(b)
		}
		off += len(magic)
	}
	if decoded < len(raw)/2 {
		t.Fatalf("decompressed only %d bytes from the %d-byte %s", decoded, len(raw), path)
	}
	return out
}

// unzstd decodes the zstd frames at the start of b, as far as they go.
func unzstd(b []byte) []byte {
	dec, err := zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil
	}
	defer dec.Close()
	out, _ := io.ReadAll(dec)
	return out
}

// TestTrust_ForeignNextLinkIsRefusedAndNoConnectionIsMade points an ARM next link at a listener of ours:
// the real binary refuses to follow it — not one connection reaches the listener, so the token is never
// sent — and fails naming the refusal, leaving the previous file untouched.
func TestTrust_ForeignNextLinkIsRefusedAndNoConnectionIsMade(t *testing.T) {
	t.Parallel()
	binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.Close()
		}
	}()
	// ARM pages of 5 items give the role assignment lists next links to redirect. (Graph's refusal of a
	// foreign @odata.nextLink is proven against azsim in pkg/graph and pkg/connector.)
	for _, route := range []string{"GET {scope}/providers/Microsoft.Authorization/roleAssignments", "GET /subscriptions/{sub}/resourcegroups"} {
		t.Run(route, func(t *testing.T) {
			s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 62, ARMPageSize: 2,
				FaultRules: []azsim.FaultRule{{Route: route, Kind: azsim.FaultForeignNextLink, Host: ln.Addr().String()}}})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			prev := previousFile(t)
			if err := os.WriteFile(out, prev, 0o600); err != nil {
				t.Fatal(err)
			}
			r := runBinary(t, connectorArgs(e, out), "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret)
			if r.Err == nil {
				t.Fatalf("the sync followed, or ignored, a next link to a foreign host and succeeded:\n%s", tail(r.Stderr, 3000))
			}
			if !strings.Contains(r.Stderr, "refusing to follow") || !strings.Contains(r.Stderr, ln.Addr().String()) {
				t.Errorf("the error does not name the refused link:\n%s", tail(r.Stderr, 2000))
			}
			if n := conns.Load(); n != 0 {
				t.Errorf("%d connections reached the foreign host", n)
			}
			if s.Stats().Faults["foreign_next_link"] == 0 {
				t.Error("azsim never sent a foreign next link")
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, prev) {
				t.Error("the previous file changed")
			}
		})
	}
}

// TestTrust_UntrustedCertificateFails runs the real binary against azsim without --ca-file: azsim's
// certificate is not trusted by the system roots, so the TLS handshake fails, the error says so, and
// azsim serves no request.
func TestTrust_UntrustedCertificateFails(t *testing.T) {
	t.Parallel()
	binary(t)
	s, e := startSim(t, azsim.Options{Preset: "tiny", Seed: 63})
	out := filepath.Join(t.TempDir(), "sync.c1z")
	args := set("--ca-file", "")(connectorArgs(e, out))
	var kept []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--ca-file" {
			i++
			continue
		}
		kept = append(kept, args[i])
	}
	r := runBinary(t, kept, "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret, "SSL_CERT_FILE=/dev/null", "SSL_CERT_DIR=/nonexistent")
	if r.Err == nil {
		t.Fatal("the sync trusted azsim's certificate without its CA")
	}
	if strings.Contains(r.Stderr, "retrying operation") {
		t.Error("an untrusted certificate was retried as if transient")
	}
	if r.ExitCode != 9 || !strings.Contains(r.Stderr, "ca-file") {
		t.Errorf("exit %d, want 9 (FailedPrecondition) with the fix (ca-file):\n%s", r.ExitCode, tail(r.Stderr, 1500))
	}
	if !strings.Contains(r.Stderr, "certificate") {
		t.Errorf("the error does not mention the certificate:\n%s", tail(r.Stderr, 2000))
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("azsim served %d requests over an untrusted connection", n)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a file was written")
	}
}
