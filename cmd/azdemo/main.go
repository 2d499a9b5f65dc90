// Command azdemo is `make demo`: it starts azsim (small preset) on loopback, runs a full baton-azure sync
// against it as a user would (separate process, -f demo/sync.c1z), and prints what was found.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/baton-azure/baton-azure/internal/c1zread"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "env" {
		err = runEnv(os.Args[2:], os.Stdout)
	} else {
		err = run(context.Background(), os.Args[1:], os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "azdemo:", err)
		os.Exit(1)
	}
}

// Well-known role ids: Entra Global Administrator (template id) and Azure Owner.
const (
	globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
	ownerRole           = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
)

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("azdemo", flag.ContinueOnError)
	dir := fs.String("dir", "demo", "output directory (sync.c1z, azsim state, sync.log)")
	bin := fs.String("baton-azure", "bin/baton-azure", "the baton-azure binary to run")
	preset := fs.String("preset", "small", "azsim preset")
	latency := fs.String("latency", "demo", "azsim latency profile: off, demo or bench")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	state := filepath.Join(*dir, "azsim")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	step := func(format string, a ...any) {
		fmt.Fprintf(out, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	step("starting azsim (%s tenant, %s latency) on loopback", *preset, *latency)
	sim, err := azsim.New(azsim.Options{Preset: *preset, Seed: 1, StateDir: state, Latency: *latency})
	if err != nil {
		return err
	}
	defer sim.Close()
	e, err := sim.Endpoints()
	if err != nil {
		return err
	}
	c1z := filepath.Join(*dir, "sync.c1z")
	_ = os.Remove(c1z)
	logPath := filepath.Join(*dir, "sync.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	step("running baton-azure -f %s (log: %s)", c1z, logPath)
	cmd := exec.CommandContext(ctx, *bin, "-f", c1z, "--log-format", "json",
		"--azure-tenant-id", e.TenantID, "--azure-client-id", e.ClientID,
		"--authority-host", e.AuthorityHost, "--graph-domain", e.Graph, "--arm-endpoint", e.ARM, "--ca-file", e.CAFile)
	// The secret goes through the environment, as in a Kubernetes Secret, not the command line.
	cmd.Env = append(os.Environ(), "BATON_AZURE_CLIENT_SECRET="+e.ClientSecret)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s (run `make build` first): %w", *bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := follow(out, isTerminal(out), logPath, done, func() int64 { return sim.Stats().Requests }, start); err != nil {
		return err
	}
	step("sync complete: %d requests to azsim", sim.Stats().Requests)
	tmp, err := os.MkdirTemp(*dir, "read-")
	if err != nil {
		return err
	}
	f, err := c1zread.Read(ctx, c1z, tmp)
	_ = os.RemoveAll(tmp)
	if err != nil {
		return err
	}
	summarize(out, f, c1z)
	return nil
}

func summarize(out io.Writer, f *c1zread.File, c1z string) {
	byType := map[string]int{}
	names := map[string]string{}
	for _, r := range f.Resources {
		byType[r.GetId().GetResourceType()]++
		names[r.GetId().GetResourceType()+"/"+r.GetId().GetResource()] = r.GetDisplayName()
	}
	fmt.Fprintf(out, "\n%s\n", c1z)
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(out, "  %-24s %6d\n", t, byType[t])
	}
	derived := 0
	for _, g := range f.Grants {
		if isDerived(g) {
			derived++
		}
	}
	fmt.Fprintf(out, "  %-24s %6d\n  %-24s %6d (%d derived: through nested groups or inherited from a scope above)\n",
		"entitlements", len(f.Entitlements), "grants", len(f.Grants), derived)
	for _, state := range []string{"assigned", "eligible"} {
		entID := "directory_role:" + globalAdministrator + ":" + state
		printHolders(out, "Global Administrators ("+map[string]string{"assigned": "active", "eligible": "eligible, PIM"}[state]+")", f, names,
			func(id string) bool { return id == entID })
	}
	printHolders(out, "Subscription Owners (active)", f, names, func(id string) bool {
		e, err := connector.ParseRBACEntitlementID(id)
		return err == nil && e.ResourceType == "subscription" && e.RoleID == ownerRole && e.State == connector.RBACActive
	})
	tryNext(out, f, c1z)
}

// printHolders lists who holds the entitlements matched by match: principal, name and how (direct, via a
// group, or inherited from a scope above).
func printHolders(out io.Writer, title string, f *c1zread.File, names map[string]string, match func(string) bool) {
	fmt.Fprintf(out, "\n%s:\n", title)
	var lines []string
	for _, g := range f.Grants {
		if !match(g.GetEntitlement().GetId()) {
			continue
		}
		p := g.GetPrincipal().GetId()
		if p.GetResourceType() != "user" && p.GetResourceType() != "group" && p.GetResourceType() != "enterprise_application" &&
			p.GetResourceType() != "managed_identity" {
			continue // structural inheritance grants to scope resources
		}
		name := names[p.GetResourceType()+"/"+p.GetResource()]
		how := "direct"
		if isDerived(g) {
			var via []string
			for src := range g.GetSources().GetSources() {
				if parts := strings.SplitN(src, ":", 3); len(parts) == 3 {
					via = append(via, parts[0]+" "+names[parts[0]+"/"+parts[1]])
				}
			}
			sort.Strings(via)
			how = "via " + strings.Join(via, ", ")
		}
		where := ""
		if r := g.GetEntitlement().GetResource().GetId(); r.GetResourceType() == "subscription" {
			where = names["subscription/"+r.GetResource()] + ": "
		}
		lines = append(lines, fmt.Sprintf("  %s%-16s %-36s %s", where, p.GetResourceType(), name, how))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		lines = []string{"  (none)"}
	}
	fmt.Fprintln(out, strings.Join(lines, "\n"))
}

// isDerived reports whether a grant was derived by expansion (its sources name another entitlement).
func isDerived(g *v2.Grant) bool {
	for src := range g.GetSources().GetSources() {
		if src != g.GetEntitlement().GetId() {
			return true
		}
	}
	return false
}
