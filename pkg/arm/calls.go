package arm

import (
	"context"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v2"
)

// api-versions, those of the SDK modules the models come from.
const (
	versionSubscriptions    = "2022-12-01"
	versionManagementGroups = "2021-04-01"
	versionResources        = "2025-04-01"
	versionStorage          = "2025-01-01"
	versionAuthorization    = "2022-04-01"
	versionPIM              = "2020-10-01"
)

// scopePath renders an ARM scope ("/", a management group, subscription, resource group or resource id)
// as a path prefix: "" for the root scope, else the escaped scope without a trailing slash.
func scopePath(scope string) string {
	s := strings.TrimRight(scope, "/")
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return escapePath(s)
}

// ListSubscriptions returns one page of the subscriptions the caller can read (GET /subscriptions).
func (c *Client) ListSubscriptions(ctx context.Context, next string) (Page[armsubscriptions.Subscription], error) {
	return list[armsubscriptions.Subscription](ctx, c, http.MethodGet,
		first(next, "/subscriptions?"+query("api-version", versionSubscriptions)), nil)
}

// ListEntities returns one page of the management groups and subscriptions the caller can see, each with
// its parent (POST /providers/Microsoft.Management/getEntities). Following pages are POSTed to the next
// link, as the operation is a POST.
func (c *Client) ListEntities(ctx context.Context, next string) (Page[armmanagementgroups.EntityInfo], error) {
	return list[armmanagementgroups.EntityInfo](ctx, c, http.MethodPost,
		first(next, "/providers/Microsoft.Management/getEntities?"+query("api-version", versionManagementGroups)), nil)
}

// ListResourceGroups returns one page of a subscription's resource groups.
func (c *Client) ListResourceGroups(ctx context.Context, subscriptionID, next string) (Page[armresources.ResourceGroup], error) {
	return list[armresources.ResourceGroup](ctx, c, http.MethodGet,
		first(next, "/subscriptions/"+escapePath(subscriptionID)+"/resourcegroups?"+query("api-version", versionResources)), nil)
}

// ListStorageAccounts returns one page of a subscription's storage accounts (all resource groups).
func (c *Client) ListStorageAccounts(ctx context.Context, subscriptionID, next string) (Page[armstorage.Account], error) {
	return list[armstorage.Account](ctx, c, http.MethodGet,
		first(next, "/subscriptions/"+escapePath(subscriptionID)+"/providers/Microsoft.Storage/storageAccounts?"+
			query("api-version", versionStorage)), nil)
}

// ListContainers returns one page of a storage account's blob containers; accountID is the account's
// resource id.
func (c *Client) ListContainers(ctx context.Context, accountID, next string) (Page[armstorage.ListContainerItem], error) {
	return list[armstorage.ListContainerItem](ctx, c, http.MethodGet,
		first(next, scopePath(accountID)+"/blobServices/default/containers?"+query("api-version", versionStorage)), nil)
}

// ListRoleDefinitions returns one page of the role definitions assignable at scope (and, with
// atScopeAndBelow, of those assignable only below it).
func (c *Client) ListRoleDefinitions(ctx context.Context, scope string, atScopeAndBelow bool, next string) (Page[armauthorization.RoleDefinition], error) {
	kv := []string{"api-version", versionAuthorization}
	if atScopeAndBelow {
		kv = append(kv, "$filter", "atScopeAndBelow()")
	}
	return list[armauthorization.RoleDefinition](ctx, c, http.MethodGet,
		first(next, scopePath(scope)+"/providers/Microsoft.Authorization/roleDefinitions?"+query(kv...)), nil)
}

// ListRoleAssignments returns one page of the active role assignments ARM lists for scope: without a
// filter those at, above and below it; with "atScope()" those at and above it. The filter is
// percent-encoded here (the SDK's pager sends it raw).
func (c *Client) ListRoleAssignments(ctx context.Context, scope, filter, next string) (Page[armauthorization.RoleAssignment], error) {
	kv := []string{"api-version", versionAuthorization}
	if filter != "" {
		kv = append(kv, "$filter", filter)
	}
	return list[armauthorization.RoleAssignment](ctx, c, http.MethodGet,
		first(next, scopePath(scope)+"/providers/Microsoft.Authorization/roleAssignments?"+query(kv...)), nil)
}

// ListRoleEligibilityScheduleInstances returns one page of the PIM eligibility instances for scope, with
// the same scope semantics and filters as ListRoleAssignments. Tenants without Entra ID P2 answer 400
// AadPremiumLicenseRequired.
func (c *Client) ListRoleEligibilityScheduleInstances(ctx context.Context, scope, filter, next string) (Page[armauthorization.RoleEligibilityScheduleInstance], error) {
	kv := []string{"api-version", versionPIM}
	if filter != "" {
		kv = append(kv, "$filter", filter)
	}
	return list[armauthorization.RoleEligibilityScheduleInstance](ctx, c, http.MethodGet,
		first(next, scopePath(scope)+"/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?"+query(kv...)), nil)
}
