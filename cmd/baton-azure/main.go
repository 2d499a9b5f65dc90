// Command baton-azure syncs Microsoft Entra ID and Azure access into a .c1z file (one-shot with -f, or in
// service mode with --client-id/--client-secret). Run `baton-azure --help` for every flag.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/conductorone/baton-sdk/pkg/cli"
	sdkconfig "github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorrunner"
	"github.com/conductorone/baton-sdk/pkg/exit"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/spf13/viper"

	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// `permissions` prints the least-privilege manifest; everything else is baton-sdk's CLI.
	if len(os.Args) > 1 && os.Args[1] == "permissions" {
		if err := runPermissions(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "baton-azure permissions:", err)
			os.Exit(2)
		}
		return
	}
	servePprof()
	// sdkconfig.RunConnector, with the one-shot output kept intact on failure (output.go).
	ctx := context.Background()
	var v *viper.Viper // baton-sdk's flags, bound by the time a command builds the connector
	newServer := func(ctx context.Context, cfg *config.Azure, rt cli.RunTimeOpts) (types.ConnectorServer, error) {
		return newConnectorServer(ctx, cfg, rt, v.GetBool("provisioning"))
	}
	v, cmd, err := sdkconfig.DefineConfigurationV2(ctx, "baton-azure", newServer, config.Configuration,
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(connector.Capabilities()))
	if err != nil {
		exit.LogExit(err)
		return
	}
	cmd.Version = version
	guardOneShotRuns(cmd, v)
	if err := cmd.Execute(); err != nil {
		exit.LogExit(err)
	}
}
