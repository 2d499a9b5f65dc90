package world

// This file holds the public, well-known identifiers azsim reuses so that simulated tenants look like real
// ones: Microsoft Graph application permissions (the appRoles of Microsoft Graph's service principal),
// Entra built-in directory roles, Azure built-in roles and license SKUs.

// GraphPermission is an application permission of Microsoft Graph.
type GraphPermission struct {
	ID    string
	Value string
}

// GraphPermissions lists the Graph application permissions azsim knows, with their public app role ids.
func GraphPermissions() []GraphPermission {
	return []GraphPermission{
		{"df021288-bdef-4463-88db-98f22de89214", "User.Read.All"},
		{"741f803b-c850-494e-b5df-cde7c675a1ca", "User.ReadWrite.All"},
		{"5b567255-7703-4780-807c-7be8301ae99b", "Group.Read.All"},
		{"62a82d76-70ea-41e2-9197-370581804d09", "Group.ReadWrite.All"},
		{"98830695-27a2-44f7-8c18-0c3ebc9698f6", "GroupMember.Read.All"},
		{"dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "GroupMember.ReadWrite.All"},
		{"658aa5d8-239f-45c4-aa12-864f4fc7e490", "Member.Read.Hidden"},
		{"7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All"},
		{"19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All"},
		{"483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "RoleManagement.Read.Directory"},
		{"9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory"},
		{"c7fbd983-d9aa-4fa7-84b8-17382c103bc4", "RoleManagement.Read.All"},
		{"ff278e11-4a33-4d0c-83d2-d01dc58929a5", "RoleEligibilitySchedule.Read.Directory"},
		{"fee28b28-e1f3-4841-818e-2704dc62245f", "RoleEligibilitySchedule.ReadWrite.Directory"},
		{"d5fe8ce8-684c-4c83-a52c-46e882ce4be1", "RoleAssignmentSchedule.Read.Directory"},
		{"dd199f4a-f148-40a4-a2ec-f0069cc799ec", "RoleAssignmentSchedule.ReadWrite.Directory"},
		{"edb419d6-7edc-42a3-9345-509bfdf5d87c", "PrivilegedEligibilitySchedule.Read.AzureADGroup"},
		{"618b6020-bca8-4de6-99f6-ef445fa4d857", "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"},
		{"cd4161cb-f098-48f8-a884-1eda9a42434c", "PrivilegedAssignmentSchedule.Read.AzureADGroup"},
		{"41202f2c-f7ab-45be-b001-85c9728b9d69", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"},
		{"9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All"},
		{"1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All"},
		{"06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All"},
		{"b0afded3-3588-46d8-8b3d-9842eff778da", "AuditLog.Read.All"},
		{"498476ce-e0fe-48b0-b801-37ba7e2685c6", "Organization.Read.All"},
		{"134fd756-38ce-4afd-ba33-e9623dbe66c2", "AdministrativeUnit.Read.All"},
		{"dc5007c0-2d7d-4c42-879c-2dab87571379", "IdentityRiskyUser.Read.All"},
		{"40f97065-369a-49f4-947c-6a255697ae91", "MailboxSettings.Read"},
		{"5facf0c1-8979-4e95-abcf-ff3d079771c0", "LicenseAssignment.ReadWrite.All"},
	}
}

// RoleSpec describes a well-known role: Entra directory role or Azure built-in role.
type RoleSpec struct {
	ID          string
	Name        string
	Description string
	Privileged  bool
	Permission  Permission // Azure roles only
}

// BuiltInDirectoryRoles lists the Entra built-in roles azsim's tenants define (template ids are public).
func BuiltInDirectoryRoles() []RoleSpec {
	return []RoleSpec{
		{ID: "62e90394-69f5-4237-9190-012177145e10", Name: "Global Administrator", Privileged: true,
			Description: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."},
		{ID: "e8611ab8-c189-46e8-94e1-60213ab1f814", Name: "Privileged Role Administrator", Privileged: true,
			Description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."},
		{ID: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", Name: "Privileged Authentication Administrator", Privileged: true,
			Description: "Can access to view, set and reset authentication method information for any user (admin or non-admin)."},
		{ID: "194ae4cb-b126-40b2-bd5b-6091b380977d", Name: "Security Administrator", Privileged: true,
			Description: "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365."},
		{ID: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", Name: "Application Administrator", Privileged: true,
			Description: "Can create and manage all aspects of app registrations and enterprise apps."},
		{ID: "158c047a-c907-4556-b7ef-446551a6b5f7", Name: "Cloud Application Administrator", Privileged: true,
			Description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."},
		{ID: "fe930be7-5e62-47db-91af-98c3a49a38b1", Name: "User Administrator", Privileged: true,
			Description: "Can manage all aspects of users and groups, including resetting passwords for limited admins."},
		{ID: "fdd7a751-b60b-444a-984c-02652fe8fa1c", Name: "Groups Administrator",
			Description: "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."},
		{ID: "729827e3-9c14-49f7-bb1b-9608f156bbb8", Name: "Helpdesk Administrator", Privileged: true,
			Description: "Can reset passwords for non-administrators and Helpdesk Administrators."},
		{ID: "c4e39bd9-1100-46d3-8c65-fb160da0071f", Name: "Authentication Administrator", Privileged: true,
			Description: "Can access to view, set and reset authentication method information for any non-admin user."},
		{ID: "29232cdf-9323-42fd-ade2-1d097af3e4de", Name: "Exchange Administrator",
			Description: "Can manage all aspects of the Exchange product."},
		{ID: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", Name: "SharePoint Administrator",
			Description: "Can manage all aspects of the SharePoint service."},
		{ID: "4d6ac14f-3453-41d0-bef9-a3e0c569773a", Name: "License Administrator",
			Description: "Can manage product licenses on users and groups."},
		{ID: "f2ef992c-3afb-46b9-b7cf-a126ee74c451", Name: "Global Reader",
			Description: "Can read everything that a Global Administrator can, but not update anything."},
		{ID: "5d6b6bb7-de71-4623-b4af-96380a352509", Name: "Security Reader",
			Description: "Can read security information and reports in Microsoft Entra ID and Office 365."},
		{ID: "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", Name: "Directory Readers",
			Description: "Can read basic directory information. Commonly used to grant directory read access to applications and guests."},
	}
}

// Well-known Azure built-in role definition GUIDs.
const (
	RoleOwner                      = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	RoleContributor                = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	RoleReader                     = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	RoleUserAccessAdministrator    = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	RoleRBACAdministrator          = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
	RoleManagementGroupReader      = "ac63b705-f282-497d-ac71-919bf39d939d"
	RoleStorageBlobDataOwner       = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
	RoleStorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	RoleStorageBlobDataReader      = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
	RoleStorageAccountContributor  = "17d1049b-9a84-46fb-8f53-869881c3d3ab"
	RoleVirtualMachineContributor  = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
	RoleKeyVaultAdministrator      = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
	RoleManagedIdentityOperator    = "f1a07417-d97a-45cb-824c-7a7467783830"
)

// BuiltInARMRoles lists the Azure built-in roles azsim defines, with their public GUIDs and a faithful
// subset of their permissions.
func BuiltInARMRoles() []RoleSpec {
	return []RoleSpec{
		{ID: RoleOwner, Name: "Owner", Privileged: true,
			Description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
			Permission:  Permission{Actions: []string{"*"}}},
		{ID: RoleContributor, Name: "Contributor", Privileged: true,
			Description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
			Permission: Permission{Actions: []string{"*"}, NotActions: []string{
				"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
				"Microsoft.Authorization/elevateAccess/Action"}}},
		{ID: RoleReader, Name: "Reader", Description: "View all resources, but does not allow you to make any changes.",
			Permission: Permission{Actions: []string{"*/read"}}},
		{ID: RoleUserAccessAdministrator, Name: "User Access Administrator", Privileged: true,
			Description: "Lets you manage user access to Azure resources.",
			Permission:  Permission{Actions: []string{"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}}},
		{ID: RoleRBACAdministrator, Name: "Role Based Access Control Administrator", Privileged: true,
			Description: "Manage access to Azure resources by assigning roles using Azure RBAC.",
			Permission: Permission{Actions: []string{"Microsoft.Authorization/roleAssignments/write",
				"Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"}}},
		{ID: RoleManagementGroupReader, Name: "Management Group Reader", Description: "Management Group Reader Role",
			Permission: Permission{Actions: []string{"Microsoft.Management/managementGroups/read",
				"Microsoft.Management/managementGroups/subscriptions/read", "Microsoft.Authorization/*/read"}}},
		{ID: RoleStorageBlobDataOwner, Name: "Storage Blob Data Owner", Privileged: true,
			Description: "Allows for full access to Azure Storage blob containers and data, including assigning POSIX access control.",
			Permission: Permission{Actions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/*",
				"Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"},
				DataActions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"}}},
		{ID: RoleStorageBlobDataContributor, Name: "Storage Blob Data Contributor", Privileged: true,
			Description: "Allows for read, write and delete access to Azure Storage blob containers and data.",
			Permission: Permission{Actions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/delete",
				"Microsoft.Storage/storageAccounts/blobServices/containers/read",
				"Microsoft.Storage/storageAccounts/blobServices/containers/write"},
				DataActions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
					"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
					"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"}}},
		{ID: RoleStorageBlobDataReader, Name: "Storage Blob Data Reader", Privileged: true,
			Description: "Allows for read access to Azure Storage blob containers and data.",
			Permission: Permission{Actions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/read"},
				DataActions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"}}},
		{ID: RoleStorageAccountContributor, Name: "Storage Account Contributor",
			Description: "Lets you manage storage accounts, including accessing storage account keys which provide full access to storage account data.",
			Permission: Permission{Actions: []string{"Microsoft.Storage/storageAccounts/*",
				"Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Authorization/*/read"}}},
		{ID: RoleVirtualMachineContributor, Name: "Virtual Machine Contributor",
			Description: "Create and manage virtual machines, manage disks, install and run software.",
			Permission: Permission{Actions: []string{"Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/disks/*",
				"Microsoft.Network/networkInterfaces/*", "Microsoft.Authorization/*/read"}}},
		{ID: RoleKeyVaultAdministrator, Name: "Key Vault Administrator", Privileged: true,
			Description: "Perform all data plane operations on a key vault and all objects in it.",
			Permission: Permission{Actions: []string{"Microsoft.Authorization/*/read", "Microsoft.KeyVault/checkNameAvailability/read"},
				DataActions: []string{"Microsoft.KeyVault/vaults/*"}}},
		{ID: RoleManagedIdentityOperator, Name: "Managed Identity Operator",
			Description: "Read and Assign User Assigned Identity",
			Permission: Permission{Actions: []string{"Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
				"Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.Authorization/*/read"}}},
	}
}

// SKUSpec is a well-known license SKU with its public skuId.
type SKUSpec struct {
	ID, PartNumber string
	Plans          []ServicePlan
	// P2 marks SKUs that carry Entra ID P2.
	P2 bool
}

// KnownSKUs lists the license SKUs azsim tenants subscribe to.
func KnownSKUs() []SKUSpec {
	p1 := ServicePlan{ID: "41781fb2-bc02-4b7c-bd55-b576c07bb09d", Name: "AAD_PREMIUM"}
	p2 := ServicePlan{ID: "eec0eb4f-6444-4f95-aba0-50c24d67f998", Name: "AAD_PREMIUM_P2"}
	exo := ServicePlan{ID: "efb87545-963c-4e0d-99df-69c6916d9eb0", Name: "EXCHANGE_S_ENTERPRISE"}
	return []SKUSpec{
		{ID: "6fd2c87f-b296-42f0-b197-1e91e994b900", PartNumber: "ENTERPRISEPACK", Plans: []ServicePlan{exo}},
		{ID: "06ebc4ee-1bb5-47dd-8120-11324bc54e06", PartNumber: "SPE_E5", Plans: []ServicePlan{exo, p1, p2}, P2: true},
		{ID: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", PartNumber: "AAD_PREMIUM", Plans: []ServicePlan{p1}},
		{ID: "84a661c4-e949-4bd2-a560-ed7766fcaf2b", PartNumber: "AAD_PREMIUM_P2", Plans: []ServicePlan{p1, p2}, P2: true},
		{ID: "f8a1db68-be16-40ed-86d5-cb42ce701560", PartNumber: "POWER_BI_PRO",
			Plans: []ServicePlan{{ID: "70d33638-9c74-4d01-bfd3-562de28bd4ba", Name: "BI_AZURE_P2"}}},
		{ID: "f30db892-07e9-47e9-837c-80727f46fd3d", PartNumber: "FLOW_FREE",
			Plans: []ServicePlan{{ID: "50e68c76-46c6-4674-81f9-75456511b170", Name: "FLOW_P2_VIRAL"}}},
	}
}
