// Command baton-azure syncs Microsoft Entra ID and Azure access into a .c1z file (one-shot with -f, or in
// service mode with --client-id/--client-secret). Run `baton-azure --help` for every flag.
package main

import (
	"context"

	sdkconfig "github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorrunner"

	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	sdkconfig.RunConnector(context.Background(), "baton-azure", version, config.Configuration, connector.New,
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(connector.Capabilities()))
}
