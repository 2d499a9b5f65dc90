package world

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// Fact is one line of the ground-truth export. Kind says which fields are set; the schema is documented in
// docs/azsim.md ("Ground truth"). Field names are neutral (neither Graph's nor baton's).
type Fact struct {
	Kind string `json:"kind"`

	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Parent      string `json:"parent,omitempty"`
	Type        string `json:"type,omitempty"`

	// Relationship facts.
	Target        string `json:"target,omitempty"`
	Principal     string `json:"principal,omitempty"`
	PrincipalType string `json:"principalType,omitempty"`
	Relation      string `json:"relation,omitempty"`
	Scope         string `json:"scope,omitempty"`
	Role          string `json:"role,omitempty"`
	State         string `json:"state,omitempty"` // active or eligible
	End           string `json:"end,omitempty"`
	Condition     string `json:"condition,omitempty"`
	Via           string `json:"via,omitempty"` // e.g. the group a license is inherited from

	// Flags and attributes.
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Fact kinds.
const (
	FactTenant              = "tenant"
	FactUser                = "user"
	FactGroup               = "group"
	FactServicePrincipal    = "service_principal"
	FactApplication         = "application"
	FactMembership          = "membership" // Relation: member, owner
	FactGroupPIM            = "group_pim"  // Relation: member, owner; State
	FactDirectoryRole       = "directory_role"
	FactDirectoryAssignment = "directory_role_assignment"
	FactAdministrativeUnit  = "administrative_unit"
	FactAppRole             = "app_role"
	FactAppRoleAssignment   = "app_role_assignment"
	FactSKU                 = "sku"
	FactLicense             = "license"
	FactManagementGroup     = "management_group"
	FactSubscription        = "subscription"
	FactResourceGroup       = "resource_group"
	FactStorageAccount      = "storage_account"
	FactContainer           = "container"
	FactManagedIdentity     = "managed_identity"
	FactARMRole             = "arm_role"
	FactRBACAssignment      = "rbac_assignment"
)

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func state(eligible bool) string {
	if eligible {
		return "eligible"
	}
	return "active"
}

// Facts calls emit for every ground-truth fact in a stable order. It stops at the first error.
func (w *World) Facts(emit func(Fact) error) error {
	e := &emitter{emit: emit}
	t := w.Tenant
	e.do(Fact{Kind: FactTenant, ID: t.ID, DisplayName: t.DisplayName,
		Attrs: map[string]any{"defaultDomain": t.DefaultDomain, "p2": t.HasP2}})
	w.entraFacts(e)
	w.azureFacts(e)
	return e.err
}

type emitter struct {
	emit func(Fact) error
	err  error
}

func (e *emitter) do(f Fact) {
	if e.err == nil {
		e.err = e.emit(f)
	}
}

func (w *World) entraFacts(e *emitter) {
	for _, u := range w.Users {
		a := map[string]any{"upn": u.UserPrincipalName, "enabled": u.AccountEnabled, "userType": u.UserType,
			"onPremisesSynced": u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled}
		if u.EmployeeID != "" {
			a["employeeId"] = u.EmployeeID
		}
		if u.Mail != "" {
			a["mail"] = u.Mail
		}
		if u.EmployeeLeaveDateTime != nil {
			a["leaveDate"] = ts(u.EmployeeLeaveDateTime)
		}
		if u.SignIn != nil {
			a["lastSignIn"] = ts(&u.SignIn.LastSignIn)
		}
		if u.MailboxPurpose != "" {
			a["mailboxPurpose"] = u.MailboxPurpose
		}
		if u.Risk != nil {
			a["riskLevel"] = u.Risk.Level
		}
		e.do(Fact{Kind: FactUser, ID: u.ID, DisplayName: u.DisplayName, Attrs: a})
	}
	for _, g := range w.Groups {
		a := map[string]any{"securityEnabled": g.SecurityEnabled, "mailEnabled": g.MailEnabled,
			"dynamic": g.IsDynamic(), "unified": g.IsUnified(), "roleAssignable": g.IsAssignableToRole,
			"onPremisesSynced": g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled}
		e.do(Fact{Kind: FactGroup, ID: g.ID, DisplayName: g.DisplayName, Type: GroupKind(g), Attrs: a})
	}
	for _, g := range w.Groups {
		for _, m := range g.Members {
			e.do(Fact{Kind: FactMembership, Target: g.ID, Relation: "member", Principal: m.ID, PrincipalType: m.Kind.String()})
		}
		for _, m := range g.Owners {
			e.do(Fact{Kind: FactMembership, Target: g.ID, Relation: "owner", Principal: m.ID, PrincipalType: m.Kind.String()})
		}
	}
	for _, ga := range w.GroupAccess {
		e.do(Fact{Kind: FactGroupPIM, ID: ga.ID, Target: ga.GroupID, Relation: ga.AccessID, Principal: ga.Principal.ID,
			PrincipalType: ga.Principal.Kind.String(), State: state(ga.Eligible), End: ts(ga.End)})
	}
	for _, s := range w.ServicePrincipals {
		a := map[string]any{"appId": s.AppID}
		resource := ""
		if len(s.AlternativeNames) > 1 {
			resource = s.AlternativeNames[1]
			a["resource"] = resource
		}
		e.do(Fact{Kind: FactServicePrincipal, ID: s.ID, DisplayName: s.DisplayName, Type: s.ServicePrincipalType, Attrs: a})
		if s.ServicePrincipalType == "ManagedIdentity" {
			kind := "system"
			if len(s.AlternativeNames) > 0 && s.AlternativeNames[0] == "isExplicit=True" {
				kind = "user"
			}
			e.do(Fact{Kind: FactManagedIdentity, ID: s.ID, Type: kind, Scope: resource})
		}
		for _, r := range s.AppRoles {
			e.do(Fact{Kind: FactAppRole, ID: r.ID, Target: s.ID, DisplayName: r.DisplayName,
				Attrs: map[string]any{"value": r.Value}})
		}
		for _, o := range s.Owners {
			e.do(Fact{Kind: FactMembership, Target: s.ID, Relation: "owner", Principal: o.ID, PrincipalType: o.Kind.String()})
		}
	}
	for _, a := range w.Applications {
		e.do(Fact{Kind: FactApplication, ID: a.ID, DisplayName: a.DisplayName, Attrs: map[string]any{"appId": a.AppID}})
	}
	for _, a := range w.AppRoleAssignments {
		e.do(Fact{Kind: FactAppRoleAssignment, ID: a.ID, Target: a.ResourceID, Role: a.AppRoleID,
			Principal: a.Principal.ID, PrincipalType: a.Principal.Kind.String()})
	}
	for _, r := range w.DirectoryRoles {
		e.do(Fact{Kind: FactDirectoryRole, ID: r.ID, DisplayName: r.DisplayName,
			Attrs: map[string]any{"builtIn": r.IsBuiltIn, "privileged": r.IsPrivileged}})
	}
	for _, a := range w.DirectoryAssignments {
		e.do(Fact{Kind: FactDirectoryAssignment, ID: a.ID, Role: a.RoleDefinitionID, Principal: a.Principal.ID,
			PrincipalType: a.Principal.Kind.String(), Scope: a.DirectoryScopeID, State: state(a.Eligible), End: ts(a.End)})
	}
	for _, au := range w.AdministrativeUnits {
		e.do(Fact{Kind: FactAdministrativeUnit, ID: au.ID, DisplayName: au.DisplayName})
		for _, m := range au.Members {
			e.do(Fact{Kind: FactMembership, Target: au.ID, Relation: "member", Principal: m.ID, PrincipalType: m.Kind.String()})
		}
	}
	for _, s := range w.SKUs {
		e.do(Fact{Kind: FactSKU, ID: s.SkuID, DisplayName: s.SkuPartNumber})
	}
	for _, u := range w.Users {
		for _, l := range w.UserLicenses(u) {
			e.do(Fact{Kind: FactLicense, Target: l.SkuID, Principal: u.ID, PrincipalType: "user", Via: l.AssignedByGroup})
		}
	}
}

func (w *World) azureFacts(e *emitter) {
	for _, m := range w.ManagementGroups {
		e.do(Fact{Kind: FactManagementGroup, ID: m.Name, DisplayName: m.DisplayName, Parent: m.Parent, Scope: m.Scope()})
	}
	for _, s := range w.Subscriptions {
		e.do(Fact{Kind: FactSubscription, ID: s.ID, DisplayName: s.DisplayName, Parent: s.Parent, Scope: s.Scope()})
	}
	for _, r := range w.ResourceGroups {
		e.do(Fact{Kind: FactResourceGroup, ID: r.Name, Parent: r.SubscriptionID, Scope: r.Scope()})
	}
	for _, a := range w.StorageAccounts {
		shared := a.AllowSharedKeyAccess == nil || *a.AllowSharedKeyAccess
		e.do(Fact{Kind: FactStorageAccount, ID: a.Name, Scope: a.Scope(), Attrs: map[string]any{"allowSharedKeyAccess": shared}})
	}
	for _, c := range w.Containers {
		e.do(Fact{Kind: FactContainer, ID: c.Name, Scope: c.Scope(), Attrs: map[string]any{"publicAccess": c.PublicAccess}})
	}
	for _, r := range w.ARMRoles {
		e.do(Fact{Kind: FactARMRole, ID: r.Name, DisplayName: r.RoleName, Type: r.Type, Scope: r.DefinedAt})
	}
	for _, a := range w.ARMAssignments {
		f := Fact{Kind: FactRBACAssignment, ID: a.Name, Scope: a.Scope, Role: a.RoleDefinition, Principal: a.PrincipalID,
			PrincipalType: a.PrincipalType, State: state(a.Eligible), End: ts(a.End), Condition: a.Condition}
		if a.Ghost {
			f.Attrs = map[string]any{"ghost": true}
		}
		e.do(f)
	}
}

// GroupKind classifies a group the way an access reviewer talks about it.
func GroupKind(g *Group) string {
	switch {
	case g.IsUnified():
		return "m365"
	case g.SecurityEnabled && g.MailEnabled:
		return "mailEnabledSecurity"
	case g.SecurityEnabled:
		return "security"
	default:
		return "distribution"
	}
}

// LicenseState is one effective license of a user: direct (AssignedByGroup empty) or inherited.
type LicenseState struct {
	SkuID           string
	AssignedByGroup string
}

// UserLicenses returns the effective license states of a user, direct first, then by group in group order.
// It uses a reverse index built on first use.
func (w *World) UserLicenses(u *User) []LicenseState {
	var out []LicenseState
	for _, s := range u.Licenses {
		out = append(out, LicenseState{SkuID: s})
	}
	for _, g := range w.licensedGroupsOf(u.ID) {
		for _, s := range g.Licenses {
			out = append(out, LicenseState{SkuID: s, AssignedByGroup: g.ID})
		}
	}
	return out
}

func (w *World) licensedGroupsOf(userID string) []*Group { return w.ix().licensedGroups[userID] }

// WriteTruth writes every fact as one JSON object per line.
func (w *World) WriteTruth(out io.Writer) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := w.Facts(func(f Fact) error { return enc.Encode(f) }); err != nil {
		return err
	}
	return bw.Flush()
}

// NormalizeScope lower-cases an ARM scope for comparisons.
func NormalizeScope(s string) string { return strings.ToLower(strings.TrimRight(s, "/")) }
