package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/baton-azure/baton-azure/pkg/connector"
)

// manifest is the least-privilege permission set for a set of options.
type manifest struct {
	GraphApplicationPermissions []string `json:"graph_application_permissions"`
	AzureRoles                  []string `json:"azure_roles,omitempty"`
}

// runPermissions prints the permissions baton-azure needs for the given options:
//
//	baton-azure permissions [--skip-entra-id-p2-license-features] [--mailboxSettings] [--entra-only] [--provisioning] [--json]
func runPermissions(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("permissions", flag.ContinueOnError)
	fs.SetOutput(out)
	skipP2 := fs.Bool("skip-entra-id-p2-license-features", false, "the tenant has no Entra ID P2 (no PIM, sign-in activity or risk)")
	mailbox := fs.Bool("mailboxSettings", false, "mailbox purposes are read")
	entraOnly := fs.Bool("entra-only", false, "no Azure subscriptions are synced")
	provisioning := fs.Bool("provisioning", false, "grants, revokes and account/group lifecycle are enabled (adds the ReadWrite permissions and User Access Administrator)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m := manifest{GraphApplicationPermissions: connector.PermissionManifest(*skipP2, *mailbox, !*entraOnly)}
	if *provisioning {
		m.GraphApplicationPermissions = append(m.GraphApplicationPermissions, connector.ProvisioningPermissionManifest(*skipP2)...)
	}
	if !*entraOnly {
		m.AzureRoles = []string{
			"Reader at the tenant root management group (or at each management group and subscription to sync)",
			"Management Group Reader at the tenant root management group (covered by Reader there)",
		}
		if *provisioning {
			m.AzureRoles = append(m.AzureRoles, "User Access Administrator at the tenant root management group (or at each scope to provision); "+
				"Role Based Access Control Administrator suffices for active assignments only, not PIM eligibility")
		}
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	fmt.Fprintln(out, "Microsoft Graph application permissions (grant with admin consent):")
	for _, p := range m.GraphApplicationPermissions {
		fmt.Fprintln(out, "  "+p)
	}
	if len(m.AzureRoles) > 0 {
		fmt.Fprintln(out, "Azure role assignments of the app's service principal:")
		for _, r := range m.AzureRoles {
			fmt.Fprintln(out, "  "+r)
		}
	}
	return nil
}
