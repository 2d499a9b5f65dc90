package world

import (
	"crypto/sha1" //nolint:gosec // x5t thumbprints are SHA-1 by definition
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"sync"
)

// MicrosoftTenantID is the tenant that owns Microsoft's first-party applications.
const MicrosoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

// GraphAppID is the appId of Microsoft Graph's service principal.
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// DefaultAccessRoleID is the appRoleId of an assignment that grants "default access" to an application.
const DefaultAccessRoleID = "00000000-0000-0000-0000-000000000000"

// RegisteredApp is an application that may obtain tokens from azsim's login service: a client id with
// its secrets and certificates, and the service principal that its tokens act as. Its Graph application
// permissions are the app role assignments of its service principal on Microsoft Graph; its ARM rights are
// the role assignments of that service principal.
type RegisteredApp struct {
	Name         string
	ClientID     string
	Secrets      []string
	Certificates []*x509.Certificate
	// ServicePrincipalID is the object id ("oid") of the app's service principal in the tenant.
	ServicePrincipalID string
	// GraphPermissions are the Graph application permission names granted (the "roles" claim).
	GraphPermissions []string
	Purpose          string // human description, shown in docs and endpoints.json
}

// HasCertificate reports whether the app has a certificate with the given thumbprint. thumb is the raw
// SHA-1 (len 20) or SHA-256 (len 32) digest of the certificate's DER encoding.
func (a *RegisteredApp) HasCertificate(thumb []byte) *x509.Certificate {
	for _, c := range a.Certificates {
		s1 := sha1.Sum(c.Raw) //nolint:gosec
		s256 := sha256.Sum256(c.Raw)
		if string(s1[:]) == string(thumb) || string(s256[:]) == string(thumb) {
			return c
		}
	}
	return nil
}

// World is one simulated tenant and its Azure estate.
type World struct {
	// Preset and Seed record how the world was generated; GeneratorVersion the generator that made it.
	Preset           string
	Seed             uint64
	GeneratorVersion int

	Tenant Tenant
	Apps   []*RegisteredApp

	Users                []*User
	Groups               []*Group
	ServicePrincipals    []*ServicePrincipal
	Applications         []*Application
	AppRoleAssignments   []*AppRoleAssignment
	DirectoryRoles       []*DirectoryRoleDefinition
	DirectoryAssignments []*DirectoryRoleAssignment // active and eligible
	GroupAccess          []*GroupAccess
	SKUs                 []*SKU
	AdministrativeUnits  []*AdministrativeUnit

	ManagementGroups []*ManagementGroup
	Subscriptions    []*Subscription
	ResourceGroups   []*ResourceGroup
	StorageAccounts  []*StorageAccount
	Containers       []*Container
	Identities       []*UserAssignedIdentity
	ARMRoles         []*ARMRoleDefinition
	ARMAssignments   []*ARMRoleAssignment // active and eligible

	idx *index
	// jr is the change journal (journal.go), created once on first use.
	jonce sync.Once
	jr    *journal
}

// index holds lookup maps; rebuilt by Reindex after any structural change.
type index struct {
	objects        map[string]Ref
	users          map[string]*User
	groups         map[string]*Group
	sps            map[string]*ServicePrincipal
	spByApp        map[string]*ServicePrincipal
	apps           map[string]*Application
	roles          map[string]*DirectoryRoleDefinition
	rolesByDirRole map[string]*DirectoryRoleDefinition
	aus            map[string]*AdministrativeUnit
	mgs            map[string]*ManagementGroup
	subs           map[string]*Subscription
	rgs            map[string]*ResourceGroup
	accounts       map[string]*StorageAccount
	armRoles       map[string]*ARMRoleDefinition
	clients        map[string]*RegisteredApp
	upn            map[string]*User
	// licensedGroups maps a user id to the groups with licenses that list it as a direct member.
	licensedGroups map[string][]*Group
	// nextPos is the listing position of the next created user, group or service principal (mutate.go).
	nextPos uint64
	// memberOf and ownerOf map a directory object id to the groups it is a direct member / owner of.
	// Built on first use by a mutation (under the writer's lock) and maintained from then on.
	memberOf, ownerOf map[string][]*Group
}

// Reindex rebuilds the lookup maps. Call it after generating or mutating the world.
func (w *World) Reindex() {
	ix := &index{
		objects:        make(map[string]Ref, len(w.Users)+len(w.Groups)+len(w.ServicePrincipals)),
		users:          make(map[string]*User, len(w.Users)),
		upn:            make(map[string]*User, len(w.Users)),
		groups:         make(map[string]*Group, len(w.Groups)),
		sps:            make(map[string]*ServicePrincipal, len(w.ServicePrincipals)),
		spByApp:        make(map[string]*ServicePrincipal, len(w.ServicePrincipals)),
		apps:           make(map[string]*Application, len(w.Applications)),
		roles:          make(map[string]*DirectoryRoleDefinition, len(w.DirectoryRoles)),
		rolesByDirRole: make(map[string]*DirectoryRoleDefinition, len(w.DirectoryRoles)),
		aus:            make(map[string]*AdministrativeUnit, len(w.AdministrativeUnits)),
		mgs:            make(map[string]*ManagementGroup, len(w.ManagementGroups)),
		subs:           make(map[string]*Subscription, len(w.Subscriptions)),
		rgs:            make(map[string]*ResourceGroup, len(w.ResourceGroups)),
		accounts:       make(map[string]*StorageAccount, len(w.StorageAccounts)),
		armRoles:       make(map[string]*ARMRoleDefinition, len(w.ARMRoles)),
		clients:        make(map[string]*RegisteredApp, len(w.Apps)),
	}
	for i, u := range w.Users {
		u.pos = uint64(i)
		ix.users[u.ID] = u
		ix.upn[strings.ToLower(u.UserPrincipalName)] = u
		ix.objects[u.ID] = Ref{KindUser, u.ID}
	}
	ix.licensedGroups = map[string][]*Group{}
	for i, g := range w.Groups {
		g.pos = uint64(len(w.Users) + i)
		ix.groups[g.ID] = g
		ix.objects[g.ID] = Ref{KindGroup, g.ID}
		if len(g.Licenses) > 0 {
			for _, m := range g.Members {
				if m.Kind == KindUser {
					ix.licensedGroups[m.ID] = append(ix.licensedGroups[m.ID], g)
				}
			}
		}
	}
	for i, s := range w.ServicePrincipals {
		s.pos = uint64(len(w.Users) + len(w.Groups) + i)
		ix.sps[s.ID] = s
		ix.spByApp[s.AppID] = s
		ix.objects[s.ID] = Ref{KindServicePrincipal, s.ID}
	}
	for _, a := range w.Applications {
		ix.apps[a.ID] = a
	}
	for _, r := range w.DirectoryRoles {
		ix.roles[r.ID] = r
		if r.DirectoryRoleID != "" {
			ix.rolesByDirRole[r.DirectoryRoleID] = r
		}
	}
	for _, a := range w.AdministrativeUnits {
		ix.aus[a.ID] = a
	}
	for _, m := range w.ManagementGroups {
		ix.mgs[strings.ToLower(m.Name)] = m
	}
	for _, s := range w.Subscriptions {
		ix.subs[strings.ToLower(s.ID)] = s
	}
	for _, r := range w.ResourceGroups {
		ix.rgs[strings.ToLower(r.SubscriptionID+"/"+r.Name)] = r
	}
	for _, a := range w.StorageAccounts {
		ix.accounts[strings.ToLower(a.SubscriptionID+"/"+a.ResourceGroup+"/"+a.Name)] = a
	}
	for _, r := range w.ARMRoles {
		ix.armRoles[strings.ToLower(r.Name)] = r
	}
	for _, a := range w.Apps {
		ix.clients[a.ClientID] = a
	}
	ix.nextPos = uint64(len(w.Users) + len(w.Groups) + len(w.ServicePrincipals))
	w.idx = ix
}

func (w *World) ix() *index {
	if w.idx == nil {
		w.Reindex()
	}
	return w.idx
}

// Object resolves a directory object id to its kind.
func (w *World) Object(id string) (Ref, bool) {
	r, ok := w.ix().objects[lowerKey(id)]
	return r, ok
}

// User returns the user with the given id or user principal name.
func (w *World) User(idOrUPN string) *User {
	if u := w.ix().users[lowerKey(idOrUPN)]; u != nil {
		return u
	}
	return w.ix().upn[strings.ToLower(idOrUPN)]
}

// Group returns the group with the given id.
func (w *World) Group(id string) *Group { return w.ix().groups[lowerKey(id)] }

// ServicePrincipal returns the service principal with the given object id.
func (w *World) ServicePrincipal(id string) *ServicePrincipal { return w.ix().sps[lowerKey(id)] }

// ServicePrincipalByAppID returns the service principal of an application id.
func (w *World) ServicePrincipalByAppID(appID string) *ServicePrincipal {
	return w.ix().spByApp[strings.ToLower(appID)]
}

// Application returns the application with the given object id.
func (w *World) Application(id string) *Application { return w.ix().apps[strings.ToLower(id)] }

// DirectoryRole returns the role definition with the given id (== template id for built-ins).
func (w *World) DirectoryRole(id string) *DirectoryRoleDefinition {
	return w.ix().roles[strings.ToLower(id)]
}

// DirectoryRoleByActivatedID returns the definition behind a legacy directoryRole object id.
func (w *World) DirectoryRoleByActivatedID(id string) *DirectoryRoleDefinition {
	return w.ix().rolesByDirRole[strings.ToLower(id)]
}

// AdministrativeUnit returns the administrative unit with the given id.
func (w *World) AdministrativeUnit(id string) *AdministrativeUnit {
	return w.ix().aus[strings.ToLower(id)]
}

// ManagementGroup returns the management group with the given name (case-insensitive).
func (w *World) ManagementGroup(name string) *ManagementGroup {
	return w.ix().mgs[strings.ToLower(name)]
}

// Subscription returns the subscription with the given id.
func (w *World) Subscription(id string) *Subscription { return w.ix().subs[strings.ToLower(id)] }

// ResourceGroup returns a resource group (case-insensitive).
func (w *World) ResourceGroup(sub, name string) *ResourceGroup {
	return w.ix().rgs[strings.ToLower(sub+"/"+name)]
}

// StorageAccount returns a storage account (case-insensitive).
func (w *World) StorageAccount(sub, rg, name string) *StorageAccount {
	return w.ix().accounts[strings.ToLower(sub+"/"+rg+"/"+name)]
}

// ARMRole returns an Azure role definition by GUID.
func (w *World) ARMRole(name string) *ARMRoleDefinition {
	return w.ix().armRoles[strings.ToLower(name)]
}

// App returns the registered application with the given client id.
func (w *World) App(clientID string) *RegisteredApp { return w.ix().clients[strings.ToLower(clientID)] }

// DisplayName returns the display name of a directory object, or "" if it does not exist.
func (w *World) DisplayName(id string) string {
	r, ok := w.Object(id)
	if !ok {
		return ""
	}
	switch r.Kind {
	case KindUser:
		return w.User(id).DisplayName
	case KindGroup:
		return w.Group(id).DisplayName
	case KindServicePrincipal:
		return w.ServicePrincipal(id).DisplayName
	}
	return ""
}
