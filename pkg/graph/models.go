package graph

import "time"

// DirectoryObject is an item of a polymorphic collection (members, owners, getByIds, expanded principals).
type DirectoryObject struct {
	ODataType            string `json:"@odata.type"`
	ID                   string `json:"id"`
	DisplayName          string `json:"displayName"`
	UserPrincipalName    string `json:"userPrincipalName"`
	ServicePrincipalType string `json:"servicePrincipalType"`
	// OnPremisesSyncEnabled is set on users and groups synced from Active Directory.
	OnPremisesSyncEnabled *bool `json:"onPremisesSyncEnabled"`
}

// ODataType values of directory objects.
const (
	TypeUser             = "#microsoft.graph.user"
	TypeGroup            = "#microsoft.graph.group"
	TypeServicePrincipal = "#microsoft.graph.servicePrincipal"
)

// Organization is the tenant.
type Organization struct {
	ID              string    `json:"id"`
	DisplayName     string    `json:"displayName"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	VerifiedDomains []struct {
		Name      string `json:"name"`
		IsDefault bool   `json:"isDefault"`
	} `json:"verifiedDomains"`
}

// User is a directory user with the properties baton-azure selects.
type User struct {
	ID                    string          `json:"id"`
	DisplayName           string          `json:"displayName"`
	GivenName             string          `json:"givenName"`
	Surname               string          `json:"surname"`
	UserPrincipalName     string          `json:"userPrincipalName"`
	Mail                  string          `json:"mail"`
	JobTitle              string          `json:"jobTitle"`
	Department            string          `json:"department"`
	EmployeeID            string          `json:"employeeId"`
	AccountEnabled        bool            `json:"accountEnabled"`
	UserType              string          `json:"userType"`
	OnPremisesSyncEnabled *bool           `json:"onPremisesSyncEnabled"`
	CreatedDateTime       *time.Time      `json:"createdDateTime"`
	EmployeeLeaveDateTime *time.Time      `json:"employeeLeaveDateTime"`
	SignInActivity        *SignInActivity `json:"signInActivity"`
}

// SignInActivity is a user's last sign-ins (premium tenants, AuditLog.Read.All).
type SignInActivity struct {
	LastSignInDateTime               *time.Time `json:"lastSignInDateTime"`
	LastNonInteractiveSignInDateTime *time.Time `json:"lastNonInteractiveSignInDateTime"`
	LastSuccessfulSignInDateTime     *time.Time `json:"lastSuccessfulSignInDateTime"`
}

// Group is a directory group.
type Group struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	Description           string   `json:"description"`
	Mail                  string   `json:"mail"`
	MailEnabled           bool     `json:"mailEnabled"`
	SecurityEnabled       bool     `json:"securityEnabled"`
	GroupTypes            []string `json:"groupTypes"`
	MembershipRule        string   `json:"membershipRule"`
	OnPremisesSyncEnabled *bool    `json:"onPremisesSyncEnabled"`
	IsAssignableToRole    *bool    `json:"isAssignableToRole"`
	Visibility            string   `json:"visibility"`
}

// GroupWithOwners is a group with its first owners inline ($expand=owners): at most ExpandLimit of them,
// all of them only if fewer.
type GroupWithOwners struct {
	Group
	Owners []DirectoryObject `json:"owners"`
}

// AppRole is an application role of a service principal.
type AppRole struct {
	ID                 string   `json:"id"`
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description"`
	Value              string   `json:"value"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	IsEnabled          bool     `json:"isEnabled"`
}

// ServicePrincipal is an enterprise application or managed identity.
type ServicePrincipal struct {
	ID                        string    `json:"id"`
	AppID                     string    `json:"appId"`
	DisplayName               string    `json:"displayName"`
	ServicePrincipalType      string    `json:"servicePrincipalType"`
	AccountEnabled            bool      `json:"accountEnabled"`
	AppOwnerOrganizationID    string    `json:"appOwnerOrganizationId"`
	AppRoleAssignmentRequired bool      `json:"appRoleAssignmentRequired"`
	AppRoles                  []AppRole `json:"appRoles"`
	AlternativeNames          []string  `json:"alternativeNames"`
}

// AppRoleAssignment grants an app role (or default access) on a resource service principal.
type AppRoleAssignment struct {
	ID            string `json:"id"`
	AppRoleID     string `json:"appRoleId"`
	PrincipalID   string `json:"principalId"`
	PrincipalType string `json:"principalType"` // User, Group, ServicePrincipal
	ResourceID    string `json:"resourceId"`
}

// RoleDefinition is an Entra role definition.
type RoleDefinition struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
	IsBuiltIn    bool   `json:"isBuiltIn"`
	IsEnabled    bool   `json:"isEnabled"`
	IsPrivileged bool   `json:"isPrivileged"`
	TemplateID   string `json:"templateId"`
}

// RoleAssignment is an active directory role assignment, or a PIM schedule instance (active or eligible).
type RoleAssignment struct {
	ID               string           `json:"id"`
	PrincipalID      string           `json:"principalId"`
	RoleDefinitionID string           `json:"roleDefinitionId"`
	DirectoryScopeID string           `json:"directoryScopeId"`
	StartDateTime    *time.Time       `json:"startDateTime"`
	EndDateTime      *time.Time       `json:"endDateTime"`
	MemberType       string           `json:"memberType"`
	Principal        *DirectoryObject `json:"principal"`
}

// GroupSchedule is a PIM for Groups eligibility or assignment schedule instance.
type GroupSchedule struct {
	ID            string           `json:"id"`
	GroupID       string           `json:"groupId"`
	PrincipalID   string           `json:"principalId"`
	AccessID      string           `json:"accessId"` // member or owner
	MemberType    string           `json:"memberType"`
	StartDateTime *time.Time       `json:"startDateTime"`
	EndDateTime   *time.Time       `json:"endDateTime"`
	Principal     *DirectoryObject `json:"principal"`
}

// SubscribedSKU is a license SKU of the tenant.
type SubscribedSKU struct {
	ID            string `json:"id"`
	SkuID         string `json:"skuId"`
	SkuPartNumber string `json:"skuPartNumber"`
	ConsumedUnits int    `json:"consumedUnits"`
	PrepaidUnits  struct {
		Enabled int `json:"enabled"`
	} `json:"prepaidUnits"`
}

// LicenseState is one license of a user and where it comes from.
type LicenseState struct {
	SkuID           string `json:"skuId"`
	AssignedByGroup string `json:"assignedByGroup"`
	State           string `json:"state"`
}

// LicensedUser is a user with its license assignment states.
type LicensedUser struct {
	ID                      string         `json:"id"`
	LicenseAssignmentStates []LicenseState `json:"licenseAssignmentStates"`
}

// AdministrativeUnit is an Entra administrative unit.
type AdministrativeUnit struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
	Visibility  string `json:"visibility"`
}

// RiskyUser is an identity-protection risky user record.
type RiskyUser struct {
	ID        string `json:"id"`
	RiskLevel string `json:"riskLevel"`
	RiskState string `json:"riskState"`
}
