package gen

import (
	"slices"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// Stats counts every kind of entity and fact in a world. Field order is stable; the golden files and the
// azsim stats endpoint serialize it as JSON.
type Stats struct {
	Version   int    `json:"version"`
	Preset    string `json:"preset"`
	Seed      uint64 `json:"seed"`
	HasP2     bool   `json:"hasP2"`
	SizeClass string `json:"sizeClass"`

	Users     UserStats      `json:"users"`
	Groups    GroupStats     `json:"groups"`
	Apps      AppStats       `json:"apps"`
	Directory DirectoryStats `json:"directory"`
	Licenses  LicenseStats   `json:"licenses"`
	Azure     AzureStats     `json:"azure"`
	RBAC      RBACStats      `json:"rbac"`
}

// UserStats counts users by trait.
type UserStats struct {
	Total            int `json:"total"`
	Members          int `json:"members"`
	Guests           int `json:"guests"`
	Disabled         int `json:"disabled"`
	OnPremisesSynced int `json:"onPremisesSynced"`
	WithEmployeeID   int `json:"withEmployeeId"`
	WithLeaveDate    int `json:"withLeaveDate"`
	Risky            int `json:"risky"`
	WithSignIn       int `json:"withSignIn"`
	UserMailboxes    int `json:"userMailboxes"`
	SharedMailboxes  int `json:"sharedMailboxes"`
	RoomMailboxes    int `json:"roomMailboxes"`
	EquipmentBoxes   int `json:"equipmentMailboxes"`
	NoMailbox        int `json:"noMailbox"`
}

// GroupStats counts groups by kind, memberships and nesting.
type GroupStats struct {
	Total               int `json:"total"`
	Security            int `json:"security"`
	M365                int `json:"m365"`
	Distribution        int `json:"distribution"`
	MailEnabledSecurity int `json:"mailEnabledSecurity"`
	Dynamic             int `json:"dynamic"`
	RoleAssignable      int `json:"roleAssignable"`
	OnPremisesSynced    int `json:"onPremisesSynced"`
	Licensed            int `json:"licensed"`
	Empty               int `json:"empty"`

	Memberships        int   `json:"memberships"` // direct members of every kind
	UserMemberships    int   `json:"userMemberships"`
	GroupMemberships   int   `json:"groupMemberships"` // group-in-group edges
	SPMemberships      int   `json:"servicePrincipalMemberships"`
	Owners             int   `json:"owners"`
	LargestGroups      []int `json:"largestGroups"` // direct member counts of the five largest groups
	GroupsOver50k      int   `json:"groupsOver50k"`
	MaxNestingDepth    int   `json:"maxNestingDepth"` // group-in-group edges on the longest chain, cycles collapsed
	NestingCycles      int   `json:"nestingCycles"`   // strongly connected sets of more than one group
	PIMEligibleMembers int   `json:"pimEligibleMembers"`
	PIMEligibleOwners  int   `json:"pimEligibleOwners"`
	PIMActiveMembers   int   `json:"pimActiveMembers"`
	PIMActiveOwners    int   `json:"pimActiveOwners"`
}

// AppStats counts service principals, applications and app role assignments.
type AppStats struct {
	ServicePrincipals      int `json:"servicePrincipals"`
	ApplicationSPs         int `json:"applicationServicePrincipals"`
	ManagedIdentities      int `json:"managedIdentities"`
	SystemAssigned         int `json:"systemAssignedIdentities"`
	UserAssigned           int `json:"userAssignedIdentities"`
	Applications           int `json:"applications"`
	RegisteredApps         int `json:"registeredApps"`
	AppRoles               int `json:"appRoles"` // declared by service principals other than Microsoft Graph
	AppRoleAssignments     int `json:"appRoleAssignments"`
	AssignmentsToUsers     int `json:"assignmentsToUsers"`
	AssignmentsToGroups    int `json:"assignmentsToGroups"`
	AssignmentsToSPs       int `json:"assignmentsToServicePrincipals"`
	DefaultAccess          int `json:"defaultAccessAssignments"`
	GraphPermissionGrants  int `json:"graphPermissionGrants"`
	ServicePrincipalOwners int `json:"servicePrincipalOwners"`
}

// DirectoryStats counts directory roles, their assignments and administrative units.
type DirectoryStats struct {
	RoleDefinitions      int `json:"roleDefinitions"`
	CustomRoles          int `json:"customRoles"`
	ActivatedRoles       int `json:"activatedRoles"`
	ActiveAssignments    int `json:"activeAssignments"`
	EligibleAssignments  int `json:"eligibleAssignments"`
	TimeBoundAssignments int `json:"timeBoundAssignments"`
	AUScopedAssignments  int `json:"auScopedAssignments"`
	ToUsers              int `json:"assignmentsToUsers"`
	ToGroups             int `json:"assignmentsToGroups"`
	ToServicePrincipals  int `json:"assignmentsToServicePrincipals"`
	GlobalAdminActive    int `json:"globalAdminActive"`
	GlobalAdminEligible  int `json:"globalAdminEligible"`
	AdministrativeUnits  int `json:"administrativeUnits"`
	AUMembers            int `json:"administrativeUnitMembers"`
}

// LicenseStats counts SKUs and license assignments.
type LicenseStats struct {
	SKUs              int `json:"skus"`
	DirectAssignments int `json:"directAssignments"`
	LicensedGroups    int `json:"licensedGroups"`
	// InheritedAssignments counts (user, SKU, group) license states inherited through group-based licensing.
	InheritedAssignments int `json:"inheritedAssignments"`
}

// AzureStats counts Azure resources.
type AzureStats struct {
	ManagementGroups       int `json:"managementGroups"`
	ManagementGroupDepth   int `json:"managementGroupDepth"`
	Subscriptions          int `json:"subscriptions"`
	ResourceGroups         int `json:"resourceGroups"`
	StorageAccounts        int `json:"storageAccounts"`
	SharedKeyDisabled      int `json:"sharedKeyDisabled"`
	SharedKeyUnset         int `json:"sharedKeyUnset"`
	WithSystemIdentity     int `json:"withSystemIdentity"`
	Containers             int `json:"containers"`
	PublicContainers       int `json:"publicContainers"`
	UserAssignedIdentities int `json:"userAssignedIdentities"`
	ARMRoles               int `json:"armRoles"`
	CustomARMRoles         int `json:"customArmRoles"`
}

// RBACStats counts Azure role assignments.
type RBACStats struct {
	Total           int `json:"total"`
	Active          int `json:"active"`
	Eligible        int `json:"eligible"`
	TimeBoundActive int `json:"timeBoundActive"`
	WithCondition   int `json:"withCondition"`
	Ghosts          int `json:"ghosts"`

	AtRoot            int `json:"atRoot"`
	AtManagementGroup int `json:"atManagementGroup"`
	AtSubscription    int `json:"atSubscription"`
	AtResourceGroup   int `json:"atResourceGroup"`
	AtStorageAccount  int `json:"atStorageAccount"`
	AtContainer       int `json:"atContainer"`
	AtOtherResource   int `json:"atOtherResource"`

	ToUsers             int `json:"toUsers"`
	ToGroups            int `json:"toGroups"`
	ToServicePrincipals int `json:"toServicePrincipals"` // managed identities included
	ToManagedIdentities int `json:"toManagedIdentities"`
}

// Summarize counts the entities and facts of a world.
func Summarize(w *world.World) Stats {
	s := Stats{Version: w.GeneratorVersion, Preset: w.Preset, Seed: w.Seed, HasP2: w.Tenant.HasP2,
		SizeClass: w.Tenant.SizeClass}
	s.Users = userStats(w)
	s.Groups = groupStats(w)
	s.Apps = appStats(w)
	s.Directory = directoryStats(w)
	s.Licenses = licenseStats(w)
	s.Azure = azureStats(w)
	s.RBAC = rbacStats(w)
	return s
}

func userStats(w *world.World) UserStats {
	var s UserStats
	for _, u := range w.Users {
		s.Total++
		if u.UserType == "Guest" {
			s.Guests++
		} else {
			s.Members++
		}
		s.Disabled += b2i(!u.AccountEnabled)
		s.OnPremisesSynced += b2i(u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled)
		s.WithEmployeeID += b2i(u.EmployeeID != "")
		s.WithLeaveDate += b2i(u.EmployeeLeaveDateTime != nil)
		s.Risky += b2i(u.Risk != nil)
		s.WithSignIn += b2i(u.SignIn != nil)
		switch u.MailboxPurpose {
		case "user":
			s.UserMailboxes++
		case "shared":
			s.SharedMailboxes++
		case "room":
			s.RoomMailboxes++
		case "equipment":
			s.EquipmentBoxes++
		case "":
			s.NoMailbox++
		}
	}
	return s
}

func groupStats(w *world.World) GroupStats {
	var s GroupStats
	sizes := make([]int, 0, len(w.Groups))
	for _, g := range w.Groups {
		s.Total++
		switch world.GroupKind(g) {
		case "m365":
			s.M365++
		case "mailEnabledSecurity":
			s.MailEnabledSecurity++
		case "security":
			s.Security++
		default:
			s.Distribution++
		}
		s.Dynamic += b2i(g.IsDynamic())
		s.RoleAssignable += b2i(g.IsAssignableToRole)
		s.OnPremisesSynced += b2i(g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled)
		s.Licensed += b2i(len(g.Licenses) > 0)
		s.Empty += b2i(len(g.Members) == 0)
		s.Memberships += len(g.Members)
		s.Owners += len(g.Owners)
		for _, m := range g.Members {
			switch m.Kind {
			case world.KindUser:
				s.UserMemberships++
			case world.KindGroup:
				s.GroupMemberships++
			case world.KindServicePrincipal:
				s.SPMemberships++
			}
		}
		if len(g.Members) >= 50_000 {
			s.GroupsOver50k++
		}
		sizes = append(sizes, len(g.Members))
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	s.LargestGroups = sizes[:min(5, len(sizes))]
	s.MaxNestingDepth, s.NestingCycles = nesting(w)
	for _, ga := range w.GroupAccess {
		switch {
		case ga.Eligible && ga.AccessID == "owner":
			s.PIMEligibleOwners++
		case ga.Eligible:
			s.PIMEligibleMembers++
		case ga.AccessID == "owner":
			s.PIMActiveOwners++
		default:
			s.PIMActiveMembers++
		}
	}
	return s
}

// nesting returns the number of edges on the longest group-in-group chain (each cycle collapsed to one
// node) and the number of cycles (strongly connected components of more than one group).
func nesting(w *world.World) (depth, cycles int) {
	index := make(map[string]int, len(w.Groups))
	for i, g := range w.Groups {
		index[g.ID] = i
	}
	children := make([][]int, len(w.Groups))
	for i, g := range w.Groups {
		for _, m := range g.Members {
			if c, ok := index[m.ID]; ok && m.Kind == world.KindGroup {
				children[i] = append(children[i], c)
			}
		}
	}
	comp, sizes := sccs(children)
	for _, size := range sizes {
		if size > 1 {
			cycles++
		}
	}
	// Longest path over the condensation, memoized per component.
	cchildren := make([][]int, len(sizes))
	for v, cs := range children {
		for _, c := range cs {
			if comp[v] != comp[c] {
				cchildren[comp[v]] = append(cchildren[comp[v]], comp[c])
			}
		}
	}
	memo := make([]int, len(sizes))
	for i := range memo {
		memo[i] = -1
	}
	var longest func(c int) int
	longest = func(c int) int {
		if memo[c] >= 0 {
			return memo[c]
		}
		best := 0
		for _, d := range cchildren[c] {
			best = max(best, 1+longest(d))
		}
		memo[c] = best
		return best
	}
	for c := range cchildren {
		depth = max(depth, longest(c))
	}
	return depth, cycles
}

// sccs labels the strongly connected components of a graph (Tarjan's algorithm) and returns each vertex's
// component and each component's size.
func sccs(adj [][]int) (comp, sizes []int) {
	n := len(adj)
	index, low := make([]int, n), make([]int, n)
	comp = make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, u := range adj[v] {
			if index[u] < 0 {
				visit(u)
				low[v] = min(low[v], low[u])
			} else if onStack[u] {
				low[v] = min(low[v], index[u])
			}
		}
		if low[v] == index[v] {
			c, size := len(sizes), 0
			for {
				u := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[u] = false
				comp[u] = c
				size++
				if u == v {
					break
				}
			}
			sizes = append(sizes, size)
		}
	}
	for v := range adj {
		if index[v] < 0 {
			visit(v)
		}
	}
	return comp, sizes
}

func appStats(w *world.World) AppStats {
	var s AppStats
	kinds := map[string]string{} // sp id -> type
	graph := ""
	for _, sp := range w.ServicePrincipals {
		s.ServicePrincipals++
		kinds[sp.ID] = sp.ServicePrincipalType
		s.ServicePrincipalOwners += len(sp.Owners)
		if sp.AppID == world.GraphAppID {
			graph = sp.ID
			continue
		}
		s.AppRoles += len(sp.AppRoles)
		if sp.ServicePrincipalType == "ManagedIdentity" {
			s.ManagedIdentities++
			if len(sp.AlternativeNames) > 0 && sp.AlternativeNames[0] == "isExplicit=True" {
				s.UserAssigned++
			} else {
				s.SystemAssigned++
			}
		} else {
			s.ApplicationSPs++
		}
	}
	s.Applications = len(w.Applications)
	s.RegisteredApps = len(w.Apps)
	for _, a := range w.AppRoleAssignments {
		s.AppRoleAssignments++
		switch a.Principal.Kind {
		case world.KindUser:
			s.AssignmentsToUsers++
		case world.KindGroup:
			s.AssignmentsToGroups++
		case world.KindServicePrincipal:
			s.AssignmentsToSPs++
		}
		s.DefaultAccess += b2i(a.AppRoleID == world.DefaultAccessRoleID)
		s.GraphPermissionGrants += b2i(a.ResourceID == graph)
	}
	return s
}

func directoryStats(w *world.World) DirectoryStats {
	var s DirectoryStats
	for _, r := range w.DirectoryRoles {
		s.RoleDefinitions++
		s.CustomRoles += b2i(!r.IsBuiltIn)
		s.ActivatedRoles += b2i(r.DirectoryRoleID != "")
	}
	for _, a := range w.DirectoryAssignments {
		if a.Eligible {
			s.EligibleAssignments++
		} else {
			s.ActiveAssignments++
			s.TimeBoundAssignments += b2i(a.End != nil)
		}
		s.AUScopedAssignments += b2i(strings.HasPrefix(a.DirectoryScopeID, "/administrativeUnits/"))
		switch a.Principal.Kind {
		case world.KindUser:
			s.ToUsers++
		case world.KindGroup:
			s.ToGroups++
		case world.KindServicePrincipal:
			s.ToServicePrincipals++
		}
		if a.RoleDefinitionID == globalAdminID {
			if a.Eligible {
				s.GlobalAdminEligible++
			} else {
				s.GlobalAdminActive++
			}
		}
	}
	s.AdministrativeUnits = len(w.AdministrativeUnits)
	for _, au := range w.AdministrativeUnits {
		s.AUMembers += len(au.Members)
	}
	return s
}

func licenseStats(w *world.World) LicenseStats {
	s := LicenseStats{SKUs: len(w.SKUs)}
	for _, u := range w.Users {
		s.DirectAssignments += len(u.Licenses)
	}
	for _, g := range w.Groups {
		if len(g.Licenses) == 0 {
			continue
		}
		s.LicensedGroups++
		users := 0
		for _, m := range g.Members {
			users += b2i(m.Kind == world.KindUser)
		}
		s.InheritedAssignments += users * len(g.Licenses)
	}
	return s
}

func azureStats(w *world.World) AzureStats {
	s := AzureStats{ManagementGroups: len(w.ManagementGroups), Subscriptions: len(w.Subscriptions),
		ResourceGroups: len(w.ResourceGroups), StorageAccounts: len(w.StorageAccounts),
		Containers: len(w.Containers), UserAssignedIdentities: len(w.Identities), ARMRoles: len(w.ARMRoles)}
	parent := map[string]string{}
	for _, m := range w.ManagementGroups {
		parent[m.Name] = m.Parent
	}
	for _, m := range w.ManagementGroups {
		d := 0
		for p := m.Parent; p != "" && d <= len(w.ManagementGroups); p = parent[p] {
			d++
		}
		s.ManagementGroupDepth = max(s.ManagementGroupDepth, d)
	}
	for _, a := range w.StorageAccounts {
		switch {
		case a.AllowSharedKeyAccess == nil:
			s.SharedKeyUnset++
		case !*a.AllowSharedKeyAccess:
			s.SharedKeyDisabled++
		}
		s.WithSystemIdentity += b2i(a.IdentityPrincipalID != "")
	}
	for _, c := range w.Containers {
		s.PublicContainers += b2i(c.PublicAccess != "None" && c.PublicAccess != "")
	}
	for _, r := range w.ARMRoles {
		s.CustomARMRoles += b2i(r.Type == "CustomRole")
	}
	return s
}

// scopeKind classifies an ARM scope string: root, managementGroup, subscription, resourceGroup,
// storageAccount, container or resource.
func scopeKind(scope string) string {
	l := strings.ToLower(strings.TrimRight(scope, "/"))
	switch {
	case l == "":
		return "root"
	case strings.HasPrefix(l, "/providers/microsoft.management/managementgroups/"):
		return "managementGroup"
	}
	parts := strings.Split(strings.TrimPrefix(l, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "subscriptions":
		return "subscription"
	case len(parts) == 4 && parts[2] == "resourcegroups":
		return "resourceGroup"
	case len(parts) == 8 && parts[5] == "microsoft.storage" && parts[6] == "storageaccounts":
		return "storageAccount"
	case len(parts) == 12 && parts[6] == "storageaccounts" && parts[10] == "containers":
		return "container"
	}
	return "resource"
}

func rbacStats(w *world.World) RBACStats {
	var s RBACStats
	mi := map[string]bool{}
	for _, sp := range w.ServicePrincipals {
		if sp.ServicePrincipalType == "ManagedIdentity" {
			mi[sp.ID] = true
		}
	}
	for _, a := range w.ARMAssignments {
		s.Total++
		if a.Eligible {
			s.Eligible++
		} else {
			s.Active++
			s.TimeBoundActive += b2i(a.End != nil)
		}
		s.WithCondition += b2i(a.Condition != "")
		s.Ghosts += b2i(a.Ghost)
		switch scopeKind(a.Scope) {
		case "root":
			s.AtRoot++
		case "managementGroup":
			s.AtManagementGroup++
		case "subscription":
			s.AtSubscription++
		case "resourceGroup":
			s.AtResourceGroup++
		case "storageAccount":
			s.AtStorageAccount++
		case "container":
			s.AtContainer++
		default:
			s.AtOtherResource++
		}
		switch a.PrincipalType {
		case "User":
			s.ToUsers++
		case "Group":
			s.ToGroups++
		case "ServicePrincipal":
			s.ToServicePrincipals++
			s.ToManagedIdentities += b2i(mi[a.PrincipalID])
		}
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
