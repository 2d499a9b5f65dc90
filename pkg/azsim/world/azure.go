package world

import (
	"strings"
	"time"
)

// ManagementGroup is a node of the management-group tree. The tenant root group's Name is the tenant id
// and its Parent is empty.
type ManagementGroup struct {
	Name        string
	DisplayName string
	Parent      string // parent management group name
}

// Scope is the ARM scope string of the management group.
func (m *ManagementGroup) Scope() string {
	return "/providers/Microsoft.Management/managementGroups/" + m.Name
}

// Subscription is an Azure subscription placed under a management group.
type Subscription struct {
	ID          string // GUID
	DisplayName string
	State       string
	Parent      string // management group name
}

// Scope is the ARM scope string of the subscription.
func (s *Subscription) Scope() string { return "/subscriptions/" + s.ID }

// ResourceGroup is a resource group in a subscription.
type ResourceGroup struct {
	SubscriptionID string
	Name           string
	Location       string
}

// Scope is the ARM scope string of the resource group.
func (r *ResourceGroup) Scope() string {
	return "/subscriptions/" + r.SubscriptionID + "/resourceGroups/" + r.Name
}

// StorageAccount is a Microsoft.Storage/storageAccounts resource.
type StorageAccount struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
	Location       string
	Kind           string
	SKU            string
	// AllowSharedKeyAccess nil means the property was never set (ARM treats that as true).
	AllowSharedKeyAccess *bool
	// IdentityPrincipalID is the object id of the system-assigned managed identity, or empty.
	IdentityPrincipalID string
	CreatedAt           time.Time
}

// Scope is the ARM resource id of the account.
func (a *StorageAccount) Scope() string {
	return "/subscriptions/" + a.SubscriptionID + "/resourceGroups/" + a.ResourceGroup +
		"/providers/Microsoft.Storage/storageAccounts/" + a.Name
}

// Container is a blob container of a storage account.
type Container struct {
	Account      *StorageAccount
	Name         string
	PublicAccess string // None, Blob, Container
	ModifiedAt   time.Time
}

// Scope is the ARM resource id of the container.
func (c *Container) Scope() string {
	return c.Account.Scope() + "/blobServices/default/containers/" + c.Name
}

// UserAssignedIdentity is a Microsoft.ManagedIdentity/userAssignedIdentities resource. Its PrincipalID and
// ClientID equal the id and appId of its Entra service principal.
type UserAssignedIdentity struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
	Location       string
	PrincipalID    string
	ClientID       string
}

// Scope is the ARM resource id of the identity.
func (u *UserAssignedIdentity) Scope() string {
	return "/subscriptions/" + u.SubscriptionID + "/resourceGroups/" + u.ResourceGroup +
		"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + u.Name
}

// Permission is one permission block of an ARM role definition.
type Permission struct {
	Actions        []string
	NotActions     []string
	DataActions    []string
	NotDataActions []string
}

// ARMRoleDefinition is an Azure role definition. Built-in roles live at "/" (AssignableScopes ["/"]);
// custom roles are defined in a subscription (DefinedAt).
type ARMRoleDefinition struct {
	Name             string // GUID
	RoleName         string
	Type             string // BuiltInRole or CustomRole
	Description      string
	AssignableScopes []string
	Permissions      []Permission
	DefinedAt        string // "" for built-in, else the subscription scope
}

// ARMRoleAssignment is an active Azure role assignment or an eligible one (PIM).
type ARMRoleAssignment struct {
	Name             string // GUID
	Scope            string // canonical scope string
	RoleDefinition   string // role definition GUID
	PrincipalID      string
	PrincipalType    string // User, Group, ServicePrincipal
	Condition        string
	ConditionVersion string
	Description      string
	CreatedOn        time.Time
	Eligible         bool
	Start            *time.Time
	End              *time.Time
	// Ghost marks an assignment whose principal has been deleted from the directory.
	Ghost bool
}

// ParentScope returns the scope directly above s, given the world's hierarchy. It returns "" above "/".
func (w *World) ParentScope(s string) string {
	l := strings.ToLower(s)
	switch {
	case l == "/":
		return ""
	case strings.HasPrefix(l, "/providers/microsoft.management/managementgroups/"):
		name := s[len("/providers/Microsoft.Management/managementGroups/"):]
		if mg := w.ManagementGroup(name); mg != nil && mg.Parent != "" {
			return "/providers/Microsoft.Management/managementGroups/" + mg.Parent
		}
		return "/"
	case strings.HasPrefix(l, "/subscriptions/"):
		rest := strings.Split(strings.TrimPrefix(s, "/"), "/")
		switch {
		case len(rest) == 2: // subscriptions/{id}
			if sub := w.Subscription(rest[1]); sub != nil {
				return "/providers/Microsoft.Management/managementGroups/" + sub.Parent
			}
			return "/"
		case len(rest) == 4: // .../resourceGroups/{rg}
			return "/" + strings.Join(rest[:2], "/")
		case len(rest) >= 8 && strings.EqualFold(rest[len(rest)-2], "containers"):
			// .../storageAccounts/{a}/blobServices/default/containers/{c}
			return "/" + strings.Join(rest[:len(rest)-4], "/")
		default: // a top-level resource
			return "/" + strings.Join(rest[:4], "/")
		}
	}
	return "/"
}
