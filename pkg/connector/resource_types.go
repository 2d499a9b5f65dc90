package connector

import (
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/protobuf/types/known/anypb"
)

// Resource type ids.
const (
	typeTenant             = "tenant"
	typeUser               = "user"
	typeGroup              = "group"
	typeDirectoryRole      = "directory_role"
	typeAdministrativeUnit = "administrative_unit"
	typeEnterpriseApp      = "enterprise_application"
	typeManagedIdentity    = "managed_identity"
	typeLicense            = "license"

	// Azure Resource Manager.
	typeManagementGroup  = "management_group"
	typeSubscription     = "subscription"
	typeResourceGroup    = "resource_group"
	typeStorageAccount   = "storage_account"
	typeContainer        = "container"
	typeAzureRole        = "role"
	typeDeletedPrincipal = "deleted_principal"
)

// Entitlement slugs.
const (
	entMember         = "member"
	entOwner          = "owner"
	entEligibleMember = "eligible-member"
	entEligibleOwner  = "eligible-owner"
	entAssigned       = "assigned"
	entEligible       = "eligible"
	entDefaultAccess  = "default-access"
)

func resourceType(id, name, desc string, traits []v2.ResourceType_Trait, annos ...*anypb.Any) *v2.ResourceType {
	return v2.ResourceType_builder{Id: id, DisplayName: name, Description: desc, Traits: traits, Annotations: annos}.Build()
}

func skipEntitlementsAndGrants() *anypb.Any {
	a, err := anypb.New(&v2.SkipEntitlementsAndGrants{})
	if err != nil {
		return nil
	}
	return a
}

// typeScopedGrants marks a type whose grants the connector enumerates per type (GrantsForResourceType)
// instead of per resource.
func typeScopedGrants() *anypb.Any {
	a, err := anypb.New(&v2.TypeScopedGrants{})
	if err != nil {
		return nil
	}
	return a
}

// resourceTypeOf returns the definition of a resource type id (a fresh value: protos are mutable).
func resourceTypeOf(id string) *v2.ResourceType {
	user := []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER}
	group := []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}
	switch id {
	case typeTenant:
		return resourceType(id, "Tenant", "The Microsoft Entra tenant", nil, skipEntitlementsAndGrants())
	case typeUser:
		return resourceType(id, "User", "Microsoft Entra users, members and guests", user, skipEntitlementsAndGrants())
	case typeGroup:
		return resourceType(id, "Group", "Microsoft Entra groups: security, Microsoft 365, distribution, dynamic, role-assignable, AD-synced", group,
			typeScopedGrants())
	case typeDirectoryRole:
		return resourceType(id, "Directory role", "Microsoft Entra role definitions, built-in and custom",
			[]v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE})
	case typeAdministrativeUnit:
		return resourceType(id, "Administrative unit", "Microsoft Entra administrative units and their scoped roles", group)
	case typeEnterpriseApp:
		return resourceType(id, "Enterprise application", "Service principals of applications, their owners and app roles",
			[]v2.ResourceType_Trait{v2.ResourceType_TRAIT_APP}, typeScopedGrants())
	case typeManagedIdentity:
		return resourceType(id, "Managed identity", "Service principals of system- and user-assigned managed identities", nil,
			skipEntitlementsAndGrants())
	case typeLicense:
		return resourceType(id, "License", "Subscribed license SKUs and who holds them", nil)
	case typeManagementGroup:
		return resourceType(id, "Management group", "Azure management groups: the tree under the tenant root group, with the Azure roles assigned at each",
			nil, typeScopedGrants())
	case typeSubscription:
		return resourceType(id, "Subscription", "Azure subscriptions, with the Azure roles assigned at each", nil, typeScopedGrants())
	case typeResourceGroup:
		return resourceType(id, "Resource group", "Azure resource groups, with the Azure roles assigned at each", nil, typeScopedGrants())
	case typeStorageAccount:
		return resourceType(id, "Storage account", "Azure storage accounts (with allowSharedKeyAccess), with the Azure roles assigned at each",
			nil, typeScopedGrants())
	case typeContainer:
		return resourceType(id, "Container", "Blob containers of Azure storage accounts, with the Azure roles assigned at each",
			nil, typeScopedGrants())
	case typeAzureRole:
		return resourceType(id, "Azure role", "Azure role definitions, built-in and custom, with their permissions",
			[]v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE}, skipEntitlementsAndGrants())
	case typeDeletedPrincipal:
		return resourceType(id, "Deleted principal", "Principals of Azure role assignments that no longer exist in the directory (\"Identity not found\")",
			nil, skipEntitlementsAndGrants())
	}
	return nil
}
