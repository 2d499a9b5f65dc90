package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// churnCmd posts a churn round to a running simulator's admin plane and prints what changed:
//
//	azsim churn --state-dir DIR --users 1 --memberships 2 --roles 5 --rbac 5 [--seed N]
//	azsim churn --url https://127.0.0.1:40003/_azsim --ca ca.pem --users 1
func churnCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("churn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	admin := fs.String("url", "", "admin plane URL of a running azsim (endpoints.json \"admin\")")
	caFile := fs.String("ca", "", "CA certificate (PEM) that azsim's TLS certificate chains to")
	stateDir := fs.String("state-dir", "", "read --url and --ca from DIR/endpoints.json")
	var spec azsim.ChurnSpec
	users := fs.Float64("users", 0, "percent of users added, deleted and disabled each (shorthand for the three flags below)")
	fs.Float64Var(&spec.AddUsers, "add-users", 0, "percent of users to create")
	fs.Float64Var(&spec.RemoveUsers, "remove-users", 0, "percent of users to delete")
	fs.Float64Var(&spec.DisableUsers, "disable-users", 0, "percent of enabled users to disable")
	fs.Float64Var(&spec.Memberships, "memberships", 0, "percent of direct group memberships to change (half removed, half added)")
	fs.Float64Var(&spec.RoleAssignments, "roles", 0, "percent of active directory role assignments to change (half removed, half added)")
	fs.Float64Var(&spec.RBACAssignments, "rbac", 0, "percent of active Azure role assignments to change (half removed, half added)")
	fs.Uint64Var(&spec.Seed, "seed", 0, "seed of the round (0: derived from the server's seed and round number)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("churn: unexpected arguments %q", fs.Args())
	}
	if *users > 0 {
		spec.AddUsers, spec.RemoveUsers, spec.DisableUsers = *users, *users, *users
	}
	if *stateDir != "" {
		b, err := os.ReadFile(filepath.Join(*stateDir, "endpoints.json"))
		if err != nil {
			return fmt.Errorf("churn: %w", err)
		}
		var e azsim.Endpoints
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("churn: endpoints.json: %w", err)
		}
		if *admin == "" {
			*admin = e.Admin
		}
		if *caFile == "" {
			*caFile = e.CAFile
		}
	}
	if *admin == "" {
		return errors.New("churn: --url (or --state-dir) is required")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
	if *caFile != "" {
		pemBytes, err := os.ReadFile(*caFile)
		if err != nil {
			return fmt.Errorf("churn: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return fmt.Errorf("churn: no certificate in %s", *caFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	body, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*admin, "/")+"/churn", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return fmt.Errorf("churn: %w", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("churn: %s: %s", resp.Status, strings.TrimSpace(string(out)))
	}
	var sum azsim.ChurnSummary
	if err := json.Unmarshal(out, &sum); err != nil {
		return fmt.Errorf("churn: response: %w", err)
	}
	fmt.Fprintf(stderr, "churn seed=%d: users +%d -%d disabled %d; memberships +%d -%d; role assignments +%d -%d; rbac +%d -%d\n",
		sum.Seed, len(sum.UsersAdded), len(sum.UsersRemoved), len(sum.UsersDisabled), len(sum.MembershipsAdded),
		len(sum.MembershipsRemoved), len(sum.RoleAssignmentsAdded), len(sum.RoleAssignmentsRemoved),
		len(sum.RBACAssignmentsAdded), len(sum.RBACAssignmentsRemoved))
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(sum)
}
