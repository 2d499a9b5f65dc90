package azsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// api-versions accepted per resource provider (the SDK modules' versions plus common older ones).
func versionsSubscriptions() []string {
	return []string{"2016-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-12-01"}
}
func versionsResourceGroups() []string {
	return []string{"2019-10-01", "2020-06-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2025-04-01"}
}
func versionsManagementGroups() []string {
	return []string{"2020-02-01", "2020-05-01", "2021-04-01", "2023-04-01"}
}
func versionsStorage() []string {
	return []string{"2022-09-01", "2023-01-01", "2023-05-01", "2024-01-01", "2025-01-01"}
}
func versionsMSI() []string { return []string{"2018-11-30", "2023-01-31", "2024-11-30"} }

// armRouteTable lists every ARM route azsim serves.
func (s *Server) armRouteTable() []*armRoute {
	r := func(method, path string, versions []string, h armHandler) *armRoute {
		return &armRoute{method: method, pattern: splitPath(path), label: path, versions: versions, h: h}
	}
	const sa = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts"
	const mi = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
	return []*armRoute{
		r("GET", "/tenants", versionsSubscriptions(), handleListTenants),
		r("GET", "/subscriptions", versionsSubscriptions(), handleListSubscriptions),
		r("GET", "/subscriptions/{sub}", versionsSubscriptions(), handleGetSubscription),
		r("GET", "/subscriptions/{sub}/resourcegroups", versionsResourceGroups(), handleListResourceGroups),
		r("GET", "/subscriptions/{sub}/resourcegroups/{rg}", versionsResourceGroups(), handleGetResourceGroup),
		r("GET", "/providers/Microsoft.Management/managementGroups", versionsManagementGroups(), handleListManagementGroups),
		r("GET", "/providers/Microsoft.Management/managementGroups/{mg}", versionsManagementGroups(), handleGetManagementGroup),
		r("GET", "/providers/Microsoft.Management/managementGroups/{mg}/descendants", versionsManagementGroups(), handleMGDescendants),
		r("POST", "/providers/Microsoft.Management/getEntities", versionsManagementGroups(), handleGetEntities),
		r("GET", "/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts", versionsStorage(), handleListStorageAccounts),
		r("GET", sa, versionsStorage(), handleListStorageAccounts),
		r("GET", sa+"/{account}", versionsStorage(), handleGetStorageAccount),
		r("GET", sa+"/{account}/blobServices/default/containers", versionsStorage(), handleListContainers),
		r("GET", sa+"/{account}/blobServices/default/containers/{container}", versionsStorage(), handleGetContainer),
		r("GET", "/subscriptions/{sub}"+mi, versionsMSI(), handleListIdentities),
		r("GET", "/subscriptions/{sub}/resourceGroups/{rg}"+mi, versionsMSI(), handleListIdentities),
		r("GET", "/subscriptions/{sub}/resourceGroups/{rg}"+mi+"/{name}", versionsMSI(), handleGetIdentity),
		r("GET", "{scope}/providers/Microsoft.Authorization/roleDefinitions", versionsAuthorization(), handleListRoleDefinitions),
		r("GET", "{scope}/providers/Microsoft.Authorization/roleDefinitions/{name}", versionsAuthorization(), handleGetRoleDefinition),
		r("GET", "{scope}/providers/Microsoft.Authorization/roleAssignments", versionsAuthorization(), handleListRoleAssignments),
		r("GET", "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", versionsAuthorization(), handleGetRoleAssignment),
		r("GET", "{scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances", versionsPIM(), handleListEligibilityInstances),
		r("GET", "{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances", versionsPIM(), handleListAssignmentInstances),
	}
}

func handleListTenants(c *actx) reply {
	t := c.w.Tenant
	return c.page([]any{map[string]any{
		"id": "/tenants/" + t.ID, "tenantId": t.ID, "tenantCategory": "Home", "countryCode": "US",
		"displayName": t.DisplayName, "defaultDomain": t.DefaultDomain, "domains": []string{t.DefaultDomain}, "tenantType": "AAD",
	}})
}

func subscriptionJSON(w *world.World, s *world.Subscription) map[string]any {
	return map[string]any{
		"id": s.Scope(), "subscriptionId": s.ID, "tenantId": w.Tenant.ID, "displayName": s.DisplayName, "state": s.State,
		"authorizationSource": "RoleBased", "managedByTenants": []any{},
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
	}
}

const actionReadSubscription = "Microsoft.Resources/subscriptions/read"

// handleListSubscriptions lists the subscriptions the caller can read, as ARM does.
func handleListSubscriptions(c *actx) reply {
	var out []any
	for _, s := range c.w.Subscriptions {
		if c.allowed(actionReadSubscription, s.Scope()) {
			out = append(out, subscriptionJSON(c.w, s))
		}
	}
	return c.page(out)
}

// subscription resolves {sub} or answers ARM's 404.
func (c *actx) subscription() (*world.Subscription, *apiError) {
	id := c.vars["sub"]
	s := c.w.Subscription(id)
	if s == nil {
		return nil, &apiError{status: http.StatusNotFound, code: "SubscriptionNotFound", message: "The subscription '" + id + "' could not be found."}
	}
	return s, nil
}

func handleGetSubscription(c *actx) reply {
	s, aerr := c.subscription()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize(actionReadSubscription, s.Scope()); aerr != nil {
		return fail(aerr)
	}
	return ok(subscriptionJSON(c.w, s))
}

func resourceGroupJSON(r *world.ResourceGroup) map[string]any {
	return map[string]any{"id": r.Scope(), "name": r.Name, "type": "Microsoft.Resources/resourceGroups", "location": r.Location,
		"properties": map[string]any{"provisioningState": "Succeeded"}}
}

const actionReadResourceGroup = "Microsoft.Resources/subscriptions/resourceGroups/read"

func handleListResourceGroups(c *actx) reply {
	s, aerr := c.subscription()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize(actionReadResourceGroup, s.Scope()); aerr != nil {
		return fail(aerr)
	}
	var out []any
	for _, rg := range c.w.ResourceGroups {
		if strings.EqualFold(rg.SubscriptionID, s.ID) {
			out = append(out, resourceGroupJSON(rg))
		}
	}
	return c.page(out)
}

// resourceGroup resolves {sub}/{rg}.
func (c *actx) resourceGroup() (*world.ResourceGroup, *apiError) {
	s, aerr := c.subscription()
	if aerr != nil {
		return nil, aerr
	}
	rg := c.w.ResourceGroup(s.ID, c.vars["rg"])
	if rg == nil {
		return nil, &apiError{status: http.StatusNotFound, code: "ResourceGroupNotFound", message: "Resource group '" + c.vars["rg"] + "' could not be found."}
	}
	return rg, nil
}

func handleGetResourceGroup(c *actx) reply {
	rg, aerr := c.resourceGroup()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize(actionReadResourceGroup, rg.Scope()); aerr != nil {
		return fail(aerr)
	}
	return ok(resourceGroupJSON(rg))
}

const actionReadStorage = "Microsoft.Storage/storageAccounts/read"

func storageAccountJSON(w *world.World, a *world.StorageAccount) map[string]any {
	props := map[string]any{
		"creationTime": a.CreatedAt.UTC(), "provisioningState": "Succeeded", "primaryLocation": a.Location,
		"statusOfPrimary": "available", "supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2",
		"allowBlobPublicAccess": false, "accessTier": "Hot", "isHnsEnabled": false,
		"primaryEndpoints": map[string]any{
			"blob": "https://" + a.Name + ".blob.core.windows.net/", "dfs": "https://" + a.Name + ".dfs.core.windows.net/",
			"file": "https://" + a.Name + ".file.core.windows.net/", "queue": "https://" + a.Name + ".queue.core.windows.net/",
			"table": "https://" + a.Name + ".table.core.windows.net/", "web": "https://" + a.Name + ".z13.web.core.windows.net/",
		},
		"networkAcls": map[string]any{"bypass": "AzureServices", "defaultAction": "Allow", "ipRules": []any{}, "virtualNetworkRules": []any{}},
		"encryption": map[string]any{"keySource": "Microsoft.Storage", "services": map[string]any{
			"blob": map[string]any{"enabled": true, "keyType": "Account"}, "file": map[string]any{"enabled": true, "keyType": "Account"}}},
	}
	if a.AllowSharedKeyAccess != nil {
		props["allowSharedKeyAccess"] = *a.AllowSharedKeyAccess
	}
	out := map[string]any{"id": a.Scope(), "name": a.Name, "type": "Microsoft.Storage/storageAccounts", "location": a.Location,
		"kind": a.Kind, "sku": map[string]any{"name": a.SKU, "tier": "Standard"}, "tags": map[string]any{}, "properties": props}
	if a.IdentityPrincipalID != "" {
		out["identity"] = map[string]any{"type": "SystemAssigned", "principalId": a.IdentityPrincipalID, "tenantId": w.Tenant.ID}
	}
	return out
}

// handleListStorageAccounts lists accounts of a subscription or, with {rg}, of a resource group.
func handleListStorageAccounts(c *actx) reply {
	s, aerr := c.subscription()
	if aerr != nil {
		return fail(aerr)
	}
	scope := s.Scope()
	rgName := c.vars["rg"]
	if rgName != "" {
		rg, aerr := c.resourceGroup()
		if aerr != nil {
			return fail(aerr)
		}
		scope = rg.Scope()
	}
	if aerr := c.authorize(actionReadStorage, scope); aerr != nil {
		return fail(aerr)
	}
	var out []any
	for _, a := range c.w.StorageAccounts {
		if strings.EqualFold(a.SubscriptionID, s.ID) && (rgName == "" || strings.EqualFold(a.ResourceGroup, rgName)) {
			out = append(out, storageAccountJSON(c.w, a))
		}
	}
	return c.page(out)
}

func (c *actx) storageAccount() (*world.StorageAccount, *apiError) {
	rg, aerr := c.resourceGroup()
	if aerr != nil {
		return nil, aerr
	}
	a := c.w.StorageAccount(rg.SubscriptionID, rg.Name, c.vars["account"])
	if a == nil {
		return nil, &apiError{status: http.StatusNotFound, code: "ResourceNotFound", message: "The Resource 'Microsoft.Storage/storageAccounts/" +
			c.vars["account"] + "' under resource group '" + rg.Name + "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"}
	}
	return a, nil
}

func handleGetStorageAccount(c *actx) reply {
	a, aerr := c.storageAccount()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize(actionReadStorage, a.Scope()); aerr != nil {
		return fail(aerr)
	}
	return ok(storageAccountJSON(c.w, a))
}

const actionReadContainer = "Microsoft.Storage/storageAccounts/blobServices/containers/read"

func containerJSON(ct *world.Container) map[string]any {
	return map[string]any{"id": ct.Scope(), "name": ct.Name, "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
		"etag": "\"0x8D" + strings.ToUpper(ct.ModifiedAt.UTC().Format("060102150405")) + "\"",
		"properties": map[string]any{"publicAccess": ct.PublicAccess, "leaseStatus": "Unlocked", "leaseState": "Available",
			"lastModifiedTime": ct.ModifiedAt.UTC(), "hasImmutabilityPolicy": false, "hasLegalHold": false,
			"defaultEncryptionScope": "$account-encryption-key", "denyEncryptionScopeOverride": false}}
}

func (c *actx) containersOf(a *world.StorageAccount) []*world.Container {
	var out []*world.Container
	for _, ct := range c.w.Containers {
		if ct.Account == a {
			out = append(out, ct)
		}
	}
	return out
}

func handleListContainers(c *actx) reply {
	a, aerr := c.storageAccount()
	if aerr != nil {
		return fail(aerr)
	}
	if aerr := c.authorize(actionReadContainer, a.Scope()); aerr != nil {
		return fail(aerr)
	}
	return c.page(toAny(c.containersOf(a), func(ct *world.Container) any { return containerJSON(ct) }))
}

func handleGetContainer(c *actx) reply {
	a, aerr := c.storageAccount()
	if aerr != nil {
		return fail(aerr)
	}
	for _, ct := range c.containersOf(a) {
		if strings.EqualFold(ct.Name, c.vars["container"]) {
			if aerr := c.authorize(actionReadContainer, ct.Scope()); aerr != nil {
				return fail(aerr)
			}
			return ok(containerJSON(ct))
		}
	}
	return armNotFound("ContainerNotFound", "The specified container does not exist.")
}

const actionReadIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities/read"

func identityJSON(w *world.World, u *world.UserAssignedIdentity) map[string]any {
	return map[string]any{"id": u.Scope(), "name": u.Name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
		"location": u.Location, "tags": map[string]any{},
		"properties": map[string]any{"tenantId": w.Tenant.ID, "principalId": u.PrincipalID, "clientId": u.ClientID, "isolationScope": "None"}}
}

func handleListIdentities(c *actx) reply {
	s, aerr := c.subscription()
	if aerr != nil {
		return fail(aerr)
	}
	scope, rgName := s.Scope(), c.vars["rg"]
	if rgName != "" {
		rg, aerr := c.resourceGroup()
		if aerr != nil {
			return fail(aerr)
		}
		scope = rg.Scope()
	}
	if aerr := c.authorize(actionReadIdentity, scope); aerr != nil {
		return fail(aerr)
	}
	var out []any
	for _, u := range c.w.Identities {
		if strings.EqualFold(u.SubscriptionID, s.ID) && (rgName == "" || strings.EqualFold(u.ResourceGroup, rgName)) {
			out = append(out, identityJSON(c.w, u))
		}
	}
	return c.page(out)
}

func handleGetIdentity(c *actx) reply {
	rg, aerr := c.resourceGroup()
	if aerr != nil {
		return fail(aerr)
	}
	for _, u := range c.w.Identities {
		if strings.EqualFold(u.SubscriptionID, rg.SubscriptionID) && strings.EqualFold(u.ResourceGroup, rg.Name) && strings.EqualFold(u.Name, c.vars["name"]) {
			if aerr := c.authorize(actionReadIdentity, u.Scope()); aerr != nil {
				return fail(aerr)
			}
			return ok(identityJSON(c.w, u))
		}
	}
	return armNotFound("ResourceNotFound", "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/"+c.vars["name"]+
		"' under resource group '"+rg.Name+"' was not found.")
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }
