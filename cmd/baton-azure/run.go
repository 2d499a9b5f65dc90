package main

import (
	"context"

	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"

	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// newConnectorServer builds the connector server as baton-sdk's RunConnector does (its runConnectorFunc
// is unexported; main uses DefineConfigurationV2 to wrap the command, see output.go), with grants kept
// consistent with the principals the sync listed (connector.ConsistentGrants). provisioning (the
// --provisioning flag) also lets the resource actions that change the tenant run, which baton-sdk serves
// in every mode.
func newConnectorServer(ctx context.Context, cfg *config.Azure, rt cli.RunTimeOpts, provisioning bool) (types.ConnectorServer, error) {
	b, opts, err := connector.New(ctx, cfg, &cli.ConnectorOpts{
		TokenSource: rt.TokenSource, SelectedAuthMethod: rt.SelectedAuthMethod,
		SyncResourceTypeIDs: rt.SyncResourceTypeIDs, EgressPolicy: rt.EgressPolicy,
	})
	if err != nil {
		return nil, err
	}
	if c, ok := b.(*connector.Connector); ok && provisioning {
		c.EnableWriteActions()
	}
	opts = append(opts, connectorbuilder.WithSessionStore(rt.SessionStore))
	srv, err := connectorbuilder.NewConnector(ctx, b, opts...)
	if err != nil {
		return nil, err
	}
	return connector.ConsistentGrants(srv), nil
}
