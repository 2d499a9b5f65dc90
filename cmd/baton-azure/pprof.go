package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
)

// pprofDirEnv names a directory: when set, every baton-azure process (the sync's parent and the connector
// child baton-sdk starts) serves net/http/pprof on an ephemeral loopback port and writes its address to
// <dir>/pprof-<pid>.addr (with its command line), for profiling a benchmark run (BENCHMARKS.md).
const pprofDirEnv = "BATON_AZURE_PPROF_DIR"

func servePprof() {
	dir := os.Getenv(pprofDirEnv)
	if dir == "" {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "baton-azure: pprof:", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() { _ = http.Serve(ln, mux) }() //nolint:gosec // loopback, opt-in diagnostics
	note := "http://" + ln.Addr().String() + "\n" + strings.Join(os.Args, " ") + "\n"
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("pprof-%d.addr", os.Getpid())), []byte(note), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "baton-azure: pprof:", err)
	}
}
