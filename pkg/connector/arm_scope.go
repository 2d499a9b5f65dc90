package connector

import (
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
)

// scopeKind is what an ARM scope string designates.
type scopeKind int

const (
	scopeUnknown        scopeKind = iota
	scopeRoot                     // "/": the whole tenant, above the root management group
	scopeMG                       // /providers/Microsoft.Management/managementGroups/{mg}
	scopeSubscription             // /subscriptions/{sub}
	scopeResourceGroup            // …/resourceGroups/{rg}
	scopeStorageAccount           // …/providers/Microsoft.Storage/storageAccounts/{account}
	scopeContainer                // …/blobServices/default/containers/{container}
	scopeOtherResource            // any other resource (or sub-resource) in a subscription: not modelled
)

// armScope is a parsed ARM scope. key is the canonical form: lower case, no trailing slash ("/" for the
// root); ARM ids are case-insensitive, so keys compare scopes.
type armScope struct {
	kind scopeKind
	key  string
	mg   string // management group name (lower case)
	sub  string // subscription id (lower case)
	rg   string // resource group name (lower case)
}

// parseScope classifies an ARM scope or resource id.
func parseScope(s string) armScope {
	var segs []string
	for _, p := range strings.Split(strings.ToLower(s), "/") {
		if p != "" {
			segs = append(segs, p)
		}
	}
	sc := armScope{key: "/" + strings.Join(segs, "/")}
	n := len(segs)
	switch {
	case n == 0:
		sc.kind = scopeRoot
	case n == 4 && segs[0] == "providers" && segs[1] == "microsoft.management" && segs[2] == "managementgroups":
		sc.kind, sc.mg = scopeMG, segs[3]
	case segs[0] == "subscriptions" && n >= 2:
		sc.sub = segs[1]
		switch {
		case n == 2:
			sc.kind = scopeSubscription
		case segs[2] != "resourcegroups" || n < 4:
			sc.kind = scopeOtherResource
		default:
			sc.rg = segs[3]
			switch {
			case n == 4:
				sc.kind = scopeResourceGroup
			case n == 8 && segs[4] == "providers" && segs[5] == "microsoft.storage" && segs[6] == "storageaccounts":
				sc.kind = scopeStorageAccount
			case n == 12 && segs[4] == "providers" && segs[5] == "microsoft.storage" && segs[6] == "storageaccounts" &&
				segs[8] == "blobservices" && segs[9] == "default" && segs[10] == "containers":
				sc.kind = scopeContainer
			default:
				sc.kind = scopeOtherResource
			}
		}
	}
	return sc
}

// mgScopeKey is the scope key of a management group.
func mgScopeKey(name string) string {
	return "/providers/microsoft.management/managementgroups/" + strings.ToLower(name)
}

// subScopeKey is the scope key of a subscription.
func subScopeKey(id string) string { return "/subscriptions/" + strings.ToLower(id) }

// resourceType is the baton resource type of a modelled scope ("" for the root and unmodelled scopes).
func (s armScope) resourceType() string {
	switch s.kind {
	case scopeMG:
		return typeManagementGroup
	case scopeSubscription:
		return typeSubscription
	case scopeResourceGroup:
		return typeResourceGroup
	case scopeStorageAccount:
		return typeStorageAccount
	case scopeContainer:
		return typeContainer
	}
	return ""
}

// resourceID is the baton id of a modelled scope: the management group name, the subscription GUID, or the
// scope key for resource groups, storage accounts and containers (unique across subscriptions).
func (s armScope) resourceID() string {
	switch s.kind {
	case scopeMG:
		return s.mg
	case scopeSubscription:
		return s.sub
	}
	return s.key
}

// id is the baton resource id of a modelled scope.
func (s armScope) id() *v2.ResourceId { return resourceID(s.resourceType(), s.resourceID()) }

// stub is a resource carrying only the scope's id, for building entitlement ids and grants.
func (s armScope) stub() *v2.Resource { return v2.Resource_builder{Id: s.id()}.Build() }

// within reports whether s is sub or lies below it.
func (s armScope) within(sub string) bool { return s.sub != "" && s.sub == strings.ToLower(sub) }

// parentInSubscription is the scope directly above a resource group, storage account or container.
func (s armScope) parentInSubscription() armScope {
	switch s.kind {
	case scopeResourceGroup:
		return parseScope(subScopeKey(s.sub))
	case scopeStorageAccount:
		// …/resourcegroups/{rg}/providers/microsoft.storage/storageaccounts/{a} → the resource group
		return parseScope(subScopeKey(s.sub) + "/resourcegroups/" + s.rg)
	case scopeContainer:
		// …/storageaccounts/{a}/blobservices/default/containers/{c} → the account
		k := s.key
		for range 4 {
			k = k[:strings.LastIndex(k, "/")]
		}
		return parseScope(k)
	}
	return armScope{}
}

// modelled reports whether the scope is one baton-azure syncs as a resource (containers only when they are
// synced).
func (c *Connector) modelled(s armScope) bool {
	switch s.kind {
	case scopeMG, scopeSubscription, scopeResourceGroup, scopeStorageAccount:
		return true
	case scopeContainer:
		return !c.s.skipContainers
	}
	return false
}
