// Command azsim runs the Entra ID + Microsoft Graph + Azure Resource Manager simulator.
//
//	azsim serve --preset small --seed 1 [--vhost :443] [--state-dir DIR]
//	azsim truth --preset tiny --seed 1 [-o truth.jsonl]
//	azsim gen   --preset large --seed 1 --stats
//	azsim churn --state-dir DIR --users 1 --memberships 2 --roles 5 --rbac 5
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/gen"
)

const usage = `azsim simulates Microsoft Entra ID login, Microsoft Graph and Azure Resource Manager over HTTPS.

Usage:
  azsim serve [flags]   serve a generated tenant until SIGINT/SIGTERM
  azsim truth [flags]   print the tenant's ground truth (JSONL) without serving
  azsim gen   [flags]   generate a tenant and print its summary (--stats) and timing
  azsim churn [flags]   change a running simulator's tenant (users, memberships, role assignments) by percentages
  azsim help            show this help

Run "azsim <command> -h" for the flags of a command. Presets: ` + "tiny, small, medium, large, xlarge" + `.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "azsim:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "truth":
		return truth(args[1:], stdout, stderr)
	case "gen":
		return generate(args[1:], stdout, stderr)
	case "churn":
		return churnCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// worldFlags are the flags that choose a tenant.
type worldFlags struct {
	preset string
	seed   uint64
	noP2   bool
}

func (w *worldFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&w.preset, "preset", "small", "tenant size: "+strings.Join(gen.Presets(), ", "))
	fs.Uint64Var(&w.seed, "seed", 1, "generator seed (same preset+seed = same tenant)")
	fs.BoolVar(&w.noP2, "no-p2", false, "simulate a tenant without Entra ID P2 (PIM and signInActivity refused)")
}

func (w *worldFlags) spec() (gen.Spec, error) {
	spec, err := gen.PresetSpec(w.preset, w.seed)
	if err != nil {
		return gen.Spec{}, err
	}
	spec.NoP2 = w.noP2
	return spec, nil
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var wf worldFlags
	wf.register(fs)
	var o azsim.Options
	fs.StringVar(&o.Host, "host", "127.0.0.1", "listen host in port mode")
	fs.IntVar(&o.LoginPort, "login-port", 0, "login service port (0: any free port)")
	fs.IntVar(&o.GraphPort, "graph-port", 0, "Graph service port (0: any free port)")
	fs.IntVar(&o.ARMPort, "arm-port", 0, "ARM service port (0: any free port)")
	fs.StringVar(&o.VHostAddr, "vhost", "", "virtual-host mode: one listener (e.g. :443) routing the real cloud hostnames")
	fs.StringVar(&o.StateDir, "state-dir", "", "write ca.pem, client.pem and (when ready) endpoints.json here")
	fs.StringVar(&o.CertFile, "tls-cert", "", "serve this certificate instead of minting one (with --tls-key, --tls-ca)")
	fs.StringVar(&o.KeyFile, "tls-key", "", "key of --tls-cert")
	fs.StringVar(&o.CAFile, "tls-ca", "", "CA that issued --tls-cert")
	fs.DurationVar(&o.TokenLifetime, "token-lifetime", time.Hour, "lifetime of issued access tokens")
	fs.IntVar(&o.ARMPageSize, "arm-page-size", 1000, "items per ARM list page")
	fs.DurationVar(&o.DeltaLinkLifetime, "delta-lifetime", 7*24*time.Hour, "validity of Graph delta and next links (then 410 Gone)")
	fs.StringVar(&o.Throttle, "throttle", "off", "throttling: off, or the Graph RU budget of an S, M or L tenant (3,500/5,000/8,000 RU per 10 s) plus ARM's token buckets")
	fs.StringVar(&o.Latency, "latency", "off", "latency model: off, demo (graph ~20 ms + 0.01 ms/item) or bench (graph ~40 ms + 0.02 ms/item); p99 = 3x median")
	fs.StringVar(&o.Faults, "faults", "none", "seeded faults: none, flaky (2% 5xx, 1% 429, 0.5% resets), storm (12% 429, 2% 5xx) or a JSON rules FILE (docs/azsim.md)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error (debug logs every request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("serve: --log-level: %w", err)
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	o.Preset, o.Seed, o.NoP2 = wf.preset, wf.seed, wf.noP2
	srv, err := azsim.New(o)
	if err != nil {
		return err
	}
	defer srv.Close()
	e, err := srv.Endpoints()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "azsim serving preset=%s seed=%d tenant=%s\n  login %s\n  graph %s\n  arm   %s\n  admin %s\n",
		wf.preset, wf.seed, e.TenantID, e.AuthorityHost, e.GraphURL, e.ARM, e.Admin)
	if rs := srv.Realism(); rs.Throttle != azsim.ThrottleOff || rs.Latency != azsim.LatencyOff || rs.Faults != azsim.FaultsNone {
		fmt.Fprintf(stderr, "  realism throttle=%s latency=%s faults=%s (%d rules)\n", rs.Throttle, rs.Latency, rs.Faults, len(rs.Rules))
	}
	if o.StateDir != "" {
		fmt.Fprintf(stderr, "  state %s (ca.pem, client.pem, endpoints.json)\n", o.StateDir)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(stderr, "azsim: shutting down")
	return nil
}

func truth(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("truth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var wf worldFlags
	wf.register(fs)
	out := fs.String("o", "", "write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec, err := wf.spec()
	if err != nil {
		return err
	}
	w, err := gen.Generate(spec)
	if err != nil {
		return err
	}
	dst := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		dst = f
	}
	bw := bufio.NewWriterSize(dst, 1<<16)
	if err := w.WriteTruth(bw); err != nil {
		return err
	}
	return bw.Flush()
}

func generate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var wf worldFlags
	wf.register(fs)
	stats := fs.Bool("stats", false, "print the tenant summary as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec, err := wf.spec()
	if err != nil {
		return err
	}
	start := time.Now()
	w, err := gen.Generate(spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "generated %s seed=%d (generator v%d) in %s\n", wf.preset, wf.seed, gen.Version, time.Since(start).Round(time.Millisecond))
	if *stats {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(gen.Summarize(w))
	}
	return nil
}
