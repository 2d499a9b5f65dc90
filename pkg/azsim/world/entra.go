// Package world is azsim's model of one Microsoft Entra tenant and the Azure estate attached to it.
//
// A World is plain data: the generator (package gen) builds one, the simulator serves it, and the truth
// export (truth.go) describes the access facts it contains. All object ids are lower-case GUID strings;
// ARM names keep their case but are matched case-insensitively by the simulator.
//
// A World is not safe for concurrent mutation; the simulator guards it with its own lock.
package world

import "time"

// Kind is the type of a directory object that can be a principal or a member.
type Kind uint8

// Directory object kinds.
const (
	KindUser Kind = iota + 1
	KindGroup
	KindServicePrincipal
)

// ODataType is the @odata.type Graph puts on polymorphic collection items.
func (k Kind) ODataType() string {
	switch k {
	case KindUser:
		return "#microsoft.graph.user"
	case KindGroup:
		return "#microsoft.graph.group"
	case KindServicePrincipal:
		return "#microsoft.graph.servicePrincipal"
	}
	return "#microsoft.graph.directoryObject"
}

// PrincipalType is the spelling ARM role assignments and Graph appRoleAssignments use.
func (k Kind) PrincipalType() string {
	switch k {
	case KindUser:
		return "User"
	case KindGroup:
		return "Group"
	case KindServicePrincipal:
		return "ServicePrincipal"
	}
	return "Unknown"
}

// String is the lower-case name used in the truth export.
func (k Kind) String() string {
	switch k {
	case KindUser:
		return "user"
	case KindGroup:
		return "group"
	case KindServicePrincipal:
		return "servicePrincipal"
	}
	return "unknown"
}

// Ref points at a directory object.
type Ref struct {
	Kind Kind
	ID   string
}

// Tenant is the Entra tenant itself.
type Tenant struct {
	ID            string
	DisplayName   string
	DefaultDomain string // e.g. contoso1.onmicrosoft.com
	CreatedAt     time.Time
	// HasP2 is false for a tenant without Entra ID P2 / ID Governance: PIM endpoints answer 400
	// AadPremiumLicenseRequired and signInActivity answers 403.
	HasP2 bool
	// SizeClass is S, M or L as Graph's throttling table defines it (<50, 50-500, >500 users).
	SizeClass string
}

// User is an Entra user.
type User struct {
	ID                    string
	DisplayName           string
	GivenName             string
	Surname               string
	UserPrincipalName     string
	Mail                  string
	JobTitle              string
	Department            string
	EmployeeID            string
	UsageLocation         string
	AccountEnabled        bool
	UserType              string // Member or Guest
	OnPremisesSyncEnabled *bool
	CreatedDateTime       time.Time
	EmployeeLeaveDateTime *time.Time
	SignIn                *SignInActivity // nil: never signed in
	// MailboxPurpose is the Exchange userPurpose (user, shared, room, equipment); empty means the user has
	// no Exchange Online mailbox and /mailboxSettings answers 404 MailboxNotEnabledForRESTAPI.
	MailboxPurpose string
	Risk           *Risk    // nil: not a risky user
	Licenses       []string // skuIds assigned directly
	// ForceChangePasswordNextSignIn is the passwordProfile flag a create or password reset set (the
	// password itself is never kept).
	ForceChangePasswordNextSignIn bool

	pos uint64 // listing position (see World.Reindex and mutate.go)
}

// SignInActivity is the signInActivity complex property.
type SignInActivity struct {
	LastSignIn               time.Time
	LastNonInteractiveSignIn time.Time
	LastSuccessfulSignIn     time.Time
}

// Risk is a riskyUser record from identity protection.
type Risk struct {
	Level       string // low, medium, high
	State       string // atRisk, confirmedCompromised, remediated, dismissed
	Detail      string
	LastUpdated time.Time
}

// Group is an Entra group of any kind.
type Group struct {
	ID                    string
	DisplayName           string
	Description           string
	MailNickname          string
	Mail                  string
	GroupTypes            []string // "Unified", "DynamicMembership"
	SecurityEnabled       bool
	MailEnabled           bool
	MembershipRule        string
	OnPremisesSyncEnabled *bool
	IsAssignableToRole    bool
	Visibility            string
	CreatedDateTime       time.Time
	Members               []Ref
	Owners                []Ref
	Licenses              []string // skuIds assigned to the group (group-based licensing)

	pos uint64 // listing position (see World.Reindex and mutate.go)
}

// IsDynamic reports whether membership is computed by a rule.
func (g *Group) IsDynamic() bool { return contains(g.GroupTypes, "DynamicMembership") }

// IsUnified reports whether the group is a Microsoft 365 group.
func (g *Group) IsUnified() bool { return contains(g.GroupTypes, "Unified") }

// AppRole is an application role declared by an application / service principal.
type AppRole struct {
	ID                 string
	DisplayName        string
	Description        string
	Value              string
	AllowedMemberTypes []string // User, Application
	IsEnabled          bool
}

// ServicePrincipal is an enterprise application, a managed identity or a first-party Microsoft app.
type ServicePrincipal struct {
	ID                        string
	AppID                     string
	DisplayName               string
	ServicePrincipalType      string // Application or ManagedIdentity
	AccountEnabled            bool
	AppOwnerOrganizationID    string
	AppRoleAssignmentRequired bool
	AppRoles                  []AppRole
	AlternativeNames          []string
	ServicePrincipalNames     []string
	Tags                      []string
	SignInAudience            string
	CreatedDateTime           time.Time
	Owners                    []Ref

	pos uint64 // listing position (see World.Reindex and mutate.go)
}

// Application is an app registration owned by this tenant.
type Application struct {
	ID              string
	AppID           string
	DisplayName     string
	SignInAudience  string
	AppRoles        []AppRole
	CreatedDateTime time.Time
	Owners          []Ref
}

// AppRoleAssignment grants an app role of a resource service principal to a principal. AppRoleID is the
// all-zero GUID for "default access".
type AppRoleAssignment struct {
	ID         string
	AppRoleID  string
	Principal  Ref
	ResourceID string // service principal id
	CreatedAt  time.Time
}

// DirectoryRoleDefinition is an Entra role definition (unifiedRoleDefinition).
type DirectoryRoleDefinition struct {
	ID           string // == TemplateID for built-in roles
	TemplateID   string
	DisplayName  string
	Description  string
	IsBuiltIn    bool
	IsEnabled    bool
	IsPrivileged bool
	Actions      []string
	// DirectoryRoleID is the id of the activated legacy directoryRole object for this definition. Only
	// built-in roles with at least one active assignment are activated; it is empty otherwise.
	DirectoryRoleID string
}

// DirectoryRoleAssignment is an active (Active=true) or eligible directory role assignment. Scope is "/" or
// "/administrativeUnits/{id}". End is nil for a permanent assignment.
type DirectoryRoleAssignment struct {
	ID               string
	RoleDefinitionID string
	Principal        Ref
	DirectoryScopeID string
	Eligible         bool
	Start            *time.Time
	End              *time.Time
	// ScheduleID names the PIM schedule this instance belongs to.
	ScheduleID string
}

// GroupAccess is a PIM for Groups eligibility or time-bound assignment.
type GroupAccess struct {
	ID        string
	GroupID   string
	Principal Ref
	AccessID  string // member or owner
	Eligible  bool
	Start     time.Time
	End       *time.Time
}

// ServicePlan is one plan of a SKU.
type ServicePlan struct {
	ID   string
	Name string
}

// SKU is a subscribed license SKU.
type SKU struct {
	SkuID         string
	SkuPartNumber string
	PrepaidUnits  int
	ServicePlans  []ServicePlan
}

// AdministrativeUnit is an Entra administrative unit.
type AdministrativeUnit struct {
	ID          string
	DisplayName string
	Description string
	Visibility  string
	Members     []Ref
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
