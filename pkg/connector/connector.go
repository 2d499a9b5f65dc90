// Package connector is baton-azure's baton-sdk connector: the only package that knows baton. It turns
// Microsoft Graph (pkg/graph) reads into resources, entitlements and grants.
package connector

import (
	"context"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/baton-azure/baton-azure/pkg/arm"
	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Connector syncs Microsoft Entra ID and Azure RBAC.
type Connector struct {
	s       *settings
	cred    azcore.TokenCredential
	graph   *graph.Client
	arm     *arm.Client
	spTypes *principalTypes
	risk    *riskCache
	roles   *roleCatalog

	azMu     sync.Mutex
	az       *azureState // what the current sync learned from ARM (azure_state.go)
	pageSize int         // grants per page of the RBAC cursors; 0 = grantsPerPage
	// appRoles holds the app roles of the enterprise applications listed by this process until their
	// entitlements are built (enterprise_application.go); a miss reads them from Graph.
	appRoles *appRoleCache
	// grantBytes is the byte budget of a page of batched grants (group_batch.go); 0 = maxGrantPageBytes.
	grantBytes int
	// writeActions lets the resource actions that change the tenant run (EnableWriteActions).
	writeActions bool
}

// New builds the connector from its configuration. It makes no network call; Validate does.
func New(_ context.Context, cfg *config.Azure, _ *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	c, err := newConnector(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, nil, nil
}

func newConnector(cfg *config.Azure) (*Connector, error) {
	s, err := resolveSettings(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid configuration: %w", errPrefix, err)
	}
	cred, err := s.credential()
	if err != nil {
		return nil, fmt.Errorf("%s: credentials: %w", errPrefix, err)
	}
	g, err := graph.New(graph.Options{BaseURL: s.graphBase, Credential: cred, Transport: s.httpClient, UserAgent: "baton-azure"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errPrefix, err)
	}
	a, err := arm.New(cred, s.armOptions())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errPrefix, err)
	}
	return &Connector{s: s, cred: cred, graph: g, arm: a, spTypes: newPrincipalTypes(), risk: newRiskCache(), roles: &roleCatalog{},
		appRoles: &appRoleCache{m: map[string][]graph.AppRole{}}}, nil
}

// EnableWriteActions lets the resource actions that change the tenant (disable_user, enable_user) run.
// baton-sdk v0.25.0 serves resource actions whether or not provisioning is enabled, so baton-azure calls
// this only when it is (--provisioning); otherwise the actions are refused before any request. Call it
// before the connector serves.
func (c *Connector) EnableWriteActions() { c.writeActions = true }

// Capabilities is a credential-free connector for `baton-azure capabilities`.
func Capabilities() *Connector { return &Connector{s: &settings{}} }

// Metadata describes the connector.
func (c *Connector) Metadata(_ context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{
		DisplayName: "Microsoft Entra ID and Azure",
		Description: "Users, groups (nested), directory roles with PIM, enterprise apps and app roles, managed identities, " +
			"administrative units and licenses of a Microsoft Entra tenant; Azure management groups, subscriptions, resource groups, " +
			"storage accounts and containers with every Azure role assignment, active or eligible, direct or inherited.",
		AccountCreationSchema: accountCreationSchema(),
	}.Build(), nil
}

// ResourceSyncers lists the syncers; optional features follow the configuration.
func (c *Connector) ResourceSyncers(_ context.Context) []connectorbuilder.ResourceSyncerV2 {
	out := []connectorbuilder.ResourceSyncerV2{
		&tenantSyncer{c}, &groupSyncer{c}, &directoryRoleSyncer{c}, &administrativeUnitSyncer{c},
		&enterpriseAppSyncer{c}, &managedIdentitySyncer{c}, &licenseSyncer{c},
	}
	if c.s == nil || !c.s.external {
		out = append(out, &userSyncer{c})
	}
	out = append(out, &managementGroupSyncer{c}, &subscriptionSyncer{c}, &resourceGroupSyncer{c}, &storageAccountSyncer{c},
		&azureRoleSyncer{c}, &deletedPrincipalSyncer{c})
	if c.s == nil || !c.s.skipContainers {
		out = append(out, &containerSyncer{c})
	}
	return out
}

// Validate obtains a Graph token, makes the cheapest ARM read (a page of subscriptions), checks every Graph
// permission the chosen features need and makes the cheapest Graph read. Missing permissions are reported
// together, by name and consequence.
func (c *Connector) Validate(ctx context.Context) (annotations.Annotations, error) {
	granted, err := c.grantedGraphPermissions(ctx)
	if err != nil {
		return nil, wrapErr(err, "obtain a Microsoft Graph token")
	}
	azure, err := c.validateARM(ctx)
	if err != nil {
		return nil, err
	}
	if granted != nil {
		if err := checkPermissions(granted, c.requiredPermissions(azure)); err != nil {
			return nil, err
		}
	}
	if _, err := c.graph.Organization(ctx); err != nil {
		return nil, wrapErr(err, "read the organization from Microsoft Graph")
	}
	return nil, nil
}

// validateARM makes the cheapest ARM read, a page of subscriptions. It fails when ARM is unreachable or
// refuses the app, and reports whether the app can read any subscription: an app without any Azure role
// syncs Microsoft Entra ID only (logged), which needs no Azure permission.
func (c *Connector) validateARM(ctx context.Context) (bool, error) {
	page, err := c.arm.ListSubscriptions(ctx, "")
	if err != nil {
		return false, armAccessErr(err, "read subscriptions from Azure Resource Manager at "+c.arm.Endpoint(),
			"Reader on each subscription to sync (or at the tenant root management group) and Management Group Reader at the tenant root group")
	}
	if len(page.Value) == 0 {
		ctxzap.Extract(ctx).Warn("baton-azure: the app can read no Azure subscription, so no Azure resources or role assignments are synced; "+
			"assign it Reader at the tenant root management group (or on each subscription) and Management Group Reader to sync Azure RBAC",
			zap.String("arm_endpoint", c.arm.Endpoint()))
		return false, nil
	}
	return true, nil
}
