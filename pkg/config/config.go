// Package config declares baton-azure's configuration: flags, environment variables (BATON_*) and their
// constraints. conf.gen.go is generated from it by `go generate ./pkg/config`.
package config

//go:generate go run ./gen

import "github.com/conductorone/baton-sdk/pkg/field"

// Field names are the flags; the environment variable is BATON_ + the name upper-cased with - → _.
var (
	AzureClientID = field.StringField("azure-client-id",
		field.WithDescription("Application (client) ID of the app registration"),
		field.WithDisplayName("Client ID"))
	AzureClientSecret = field.StringField("azure-client-secret",
		field.WithDescription("Client secret value of the app registration"),
		field.WithDisplayName("Client secret"), field.WithIsSecret(true))
	AzureTenantID = field.StringField("azure-tenant-id",
		field.WithDescription("Directory (tenant) ID, a GUID or verified domain"),
		field.WithDisplayName("Tenant ID"))
	EntraClientID = field.StringField("entra-client-id",
		field.WithDescription("Equivalent of azure-client-id, as ConductorOne's Entra ID connector names it"))
	EntraClientSecret = field.StringField("entra-client-secret",
		field.WithDescription("Equivalent of azure-client-secret"), field.WithIsSecret(true))
	EntraTenantID = field.StringField("entra-tenant-id",
		field.WithDescription("Equivalent of azure-tenant-id"))
	ClientCertificatePath = field.StringField("azure-client-certificate-path",
		field.WithDescription("PEM or PKCS#12 file with the app's certificate and private key, instead of a client secret"))
	ClientCertificatePassword = field.StringField("azure-client-certificate-password",
		field.WithDescription("Password of an encrypted PKCS#12 certificate file"), field.WithIsSecret(true))
	UseWorkloadIdentity = field.BoolField("use-workload-identity",
		field.WithDescription("Authenticate with a federated token file (Kubernetes workload identity, as AKS injects AZURE_FEDERATED_TOKEN_FILE)"))
	FederatedTokenFile = field.StringField("azure-federated-token-file",
		field.WithDescription("Federated token file for workload identity (default: $AZURE_FEDERATED_TOKEN_FILE)"))
	UseManagedIdentity = field.BoolField("use-managed-identity",
		field.WithDescription("Authenticate as the Azure managed identity of the host (azure-client-id selects a user-assigned identity)"))
	UseCLICredentials = field.BoolField("use-cli-credentials",
		field.WithDescription("Authenticate with the signed-in Azure CLI (az login), for local use"))

	Cloud = field.SelectField("cloud", []string{"public", "usgov", "usgov-dod", "china"},
		field.WithDescription("Azure cloud: sets the authority, Graph and ARM endpoints consistently"),
		field.WithDefaultValue("public"))
	AuthorityHost = field.StringField("authority-host",
		field.WithDescription("Override the Entra authority URL (private clouds, azsim), e.g. https://login.microsoftonline.com"))
	GraphDomain = field.StringField("graph-domain",
		field.WithDescription("Microsoft Graph host[:port]; also drives the token scope (default: the cloud's Graph host)"),
		field.WithDefaultValue("graph.microsoft.com"))
	ARMEndpoint = field.StringField("arm-endpoint",
		field.WithDescription("Override the Azure Resource Manager URL (private clouds, azsim)"))
	CAFile = field.StringField("ca-file",
		field.WithDescription("PEM file of extra CA certificates to trust (added to the system roots), e.g. azsim's ca.pem"))

	MailboxSettings = field.BoolField("mailboxSettings",
		field.WithDescription("Read each user's mailbox purpose to mark shared, room and equipment mailboxes as non-human; one call per user"))
	SkipADGroups = field.BoolField("skip-ad-groups",
		field.WithDescription("Skip groups synced from on-premises Active Directory"))
	SkipUnusedRoles = field.BoolField("skip-unused-roles",
		field.WithDescription("Only sync directory roles that have at least one assignment, and offer an Azure role at a scope only where it is assigned (at the scope, or above it unless rbac-inheritance is off)"))
	SkipP2 = field.BoolField("skip-entra-id-p2-license-features",
		field.WithDescription("The tenant has no Entra ID P2 / ID Governance: skip PIM eligibility, PIM for Groups, sign-in activity and risk levels"))
	SkipSyncStorageContainers = field.BoolField("skip-sync-storage-containers",
		field.WithDescription("Do not sync blob containers of storage accounts, nor Azure role assignments scoped to a container"))
	RBACInheritance = field.SelectField("rbac-inheritance", []string{"effective", "structural", "off"},
		field.WithDescription("How a role assigned at a management group, subscription or resource group shows on the scopes below it: "+
			"effective (every holder gets a grant on every scope below; complete effective access, but grants multiply with scopes x holders), "+
			"structural (each scope's inherited role is granted to the scope directly above it, marked inherited_from; holders are not copied down), "+
			"off (a role shows only where it is assigned)"),
		field.WithDefaultValue("effective"))
	DisableRBACInheritance = field.BoolField("disable-rbac-inheritance",
		field.WithDescription("Same as rbac-inheritance=off (kept for compatibility)"))
	ExternalResources = field.BoolField("enable-sync-external-resources-via-baton-id",
		field.WithDescription("Take identities from another connector's c1z (--external-resource-c1z): emit grants to users by object id instead of syncing users"))

	// Provisioning (just-in-time access).
	PIMDefaultDuration = field.StringField("pim-default-duration",
		field.WithDescription("How long a PIM grant (eligible or active: directory roles, PIM for Groups, Azure roles) lasts when the request names no expiry; a Go duration such as 8h or 720h"),
		field.WithDefaultValue("8h"))
	PIMJustification = field.StringField("pim-justification",
		field.WithDescription("Justification recorded on PIM schedule requests the connector makes"),
		field.WithDefaultValue("Requested through baton-azure"))
)

// Fields are every field of the configuration, in display order.
func Fields() []field.SchemaField {
	return []field.SchemaField{
		AzureClientID, AzureClientSecret, AzureTenantID, EntraClientID, EntraClientSecret, EntraTenantID,
		ClientCertificatePath, ClientCertificatePassword, UseWorkloadIdentity, FederatedTokenFile, UseManagedIdentity, UseCLICredentials,
		Cloud, AuthorityHost, GraphDomain, ARMEndpoint, CAFile,
		MailboxSettings, SkipADGroups, SkipUnusedRoles, SkipP2, SkipSyncStorageContainers, RBACInheritance, DisableRBACInheritance, ExternalResources,
		PIMDefaultDuration, PIMJustification,
	}
}

// Configuration is the schema with its constraints.
var Configuration = field.NewConfiguration(Fields(),
	field.WithConstraints(
		field.FieldsMutuallyExclusive(AzureClientID, EntraClientID),
		field.FieldsMutuallyExclusive(AzureClientSecret, EntraClientSecret),
		field.FieldsMutuallyExclusive(AzureTenantID, EntraTenantID),
		field.FieldsMutuallyExclusive(AzureClientSecret, EntraClientSecret, ClientCertificatePath, UseWorkloadIdentity, UseManagedIdentity, UseCLICredentials),
		field.FieldsDependentOn([]field.SchemaField{ClientCertificatePassword}, []field.SchemaField{ClientCertificatePath}),
		field.FieldsDependentOn([]field.SchemaField{FederatedTokenFile}, []field.SchemaField{UseWorkloadIdentity}),
	),
	field.WithConnectorDisplayName("Microsoft Entra ID and Azure"),
)
