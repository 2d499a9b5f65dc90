package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// runEnv is `azdemo env`: it prints the BATON_* variables that point baton-azure at a running azsim (read
// from its endpoints.json) as one of the simulated tenant's app registrations, for
// `eval "$(bin/azdemo env --app baton-azure-provisioner)"`. The secret goes to the environment, never to a
// command line.
func runEnv(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("azdemo env", flag.ContinueOnError)
	state := fs.String("state-dir", ".azsim", "azsim's state directory (make sim writes .azsim/endpoints.json)")
	app := fs.String("app", azsim.ReaderAppName, "the app registration to authenticate as (e.g. baton-azure-provisioner)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(*state, "endpoints.json"))
	if err != nil {
		return fmt.Errorf("%w (is azsim running? `make sim` writes it)", err)
	}
	var e azsim.Endpoints
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(*state, "endpoints.json"), err)
	}
	var creds *azsim.AppCredentials
	names := make([]string, 0, len(e.Apps))
	for i := range e.Apps {
		names = append(names, e.Apps[i].Name)
		if e.Apps[i].Name == *app {
			creds = &e.Apps[i]
		}
	}
	if creds == nil {
		sort.Strings(names)
		return fmt.Errorf("no app %q in %s; one of: %s", *app, *state, strings.Join(names, ", "))
	}
	ca, err := filepath.Abs(e.CAFile)
	if err != nil {
		return err
	}
	for _, kv := range [][2]string{
		{"BATON_AZURE_TENANT_ID", e.TenantID},
		{"BATON_AZURE_CLIENT_ID", creds.ClientID},
		{"BATON_AZURE_CLIENT_SECRET", creds.ClientSecret},
		{"BATON_AUTHORITY_HOST", e.AuthorityHost},
		{"BATON_GRAPH_DOMAIN", e.Graph},
		{"BATON_ARM_ENDPOINT", e.ARM},
		{"BATON_CA_FILE", ca},
	} {
		fmt.Fprintf(out, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
