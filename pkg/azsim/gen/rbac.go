package gen

import (
	"math/rand/v2"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// customARMRole is a custom Azure role defined in a subscription.
type customARMRole struct {
	id  string
	sub *world.Subscription
}

// armRoles defines every built-in Azure role plus two custom roles: a storage operator defined in the
// first subscription and a VM operator defined in the second (or the first, if there is only one).
func (b *builder) armRoles() error {
	for _, s := range world.BuiltInARMRoles() {
		b.w.ARMRoles = append(b.w.ARMRoles, &world.ARMRoleDefinition{
			Name: s.ID, RoleName: s.Name, Type: "BuiltInRole", Description: s.Description,
			AssignableScopes: []string{"/"}, Permissions: []world.Permission{copyPermission(s.Permission)},
		})
	}
	subs := b.w.Subscriptions
	defs := []struct {
		sub        *world.Subscription
		name, desc string
		perm       world.Permission
	}{
		{subs[0], "Contoso Storage Operator", "Reads storage accounts, rotates their keys and reads blobs.",
			world.Permission{Actions: []string{"Microsoft.Storage/storageAccounts/read",
				"Microsoft.Storage/storageAccounts/listKeys/action", "Microsoft.Storage/storageAccounts/regenerateKey/action"},
				DataActions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"}}},
		{subs[min(1, len(subs)-1)], "Contoso VM Operator", "Starts, restarts and deallocates virtual machines.",
			world.Permission{Actions: []string{"Microsoft.Compute/virtualMachines/read",
				"Microsoft.Compute/virtualMachines/start/action", "Microsoft.Compute/virtualMachines/restart/action",
				"Microsoft.Compute/virtualMachines/deallocate/action"}}},
	}
	for k, d := range defs {
		id := guid(b.seed, "customARMRole", k)
		b.w.ARMRoles = append(b.w.ARMRoles, &world.ARMRoleDefinition{
			Name: id, RoleName: d.name, Type: "CustomRole", Description: d.desc,
			AssignableScopes: []string{d.sub.Scope()}, Permissions: []world.Permission{d.perm},
			DefinedAt: d.sub.Scope(),
		})
		b.customARM = append(b.customARM, customARMRole{id: id, sub: d.sub})
	}
	return nil
}

func copyPermission(p world.Permission) world.Permission {
	c := func(s []string) []string { return append([]string(nil), s...) }
	return world.Permission{Actions: c(p.Actions), NotActions: c(p.NotActions), DataActions: c(p.DataActions),
		NotDataActions: c(p.NotDataActions)}
}

// blobDataRole reports whether an Azure role is one of the Storage Blob Data roles, which take ABAC
// conditions.
func blobDataRole(id string) bool {
	return id == world.RoleStorageBlobDataOwner || id == world.RoleStorageBlobDataContributor ||
		id == world.RoleStorageBlobDataReader
}

// blobCondition returns an ABAC condition (version 2.0) that limits a blob data role to one container or
// to blobs with a given tag.
func blobCondition(r *rand.Rand, container, tag string) string {
	switch r.IntN(3) {
	case 0:
		return "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR " +
			"(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals '" + container + "'))"
	case 1:
		return "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'}) AND " +
			"!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'})) OR " +
			"(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringStartsWith '" + container + "'))"
	}
	return "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND " +
		"NOT SubOperationMatches{'Blob.List'})) OR " +
		"(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] " +
		"StringEquals '" + tag + "'))"
}

// rbacAssigner creates Azure role assignments without duplicates.
type rbacAssigner struct {
	b     *builder
	seen  map[string]bool
	roles scopeRoles
}

// add records x under the name guid(kind, n) unless an assignment with the same scope, role, principal and
// state exists. Without P2 eligible assignments are dropped and time-bound ones become permanent.
func (a *rbacAssigner) add(kind string, n int, x *world.ARMRoleAssignment) bool {
	b := a.b
	if !b.w.Tenant.HasP2 {
		if x.Eligible {
			return false
		}
		x.Start, x.End = nil, nil
	}
	key := world.NormalizeScope(x.Scope) + "|" + x.RoleDefinition + "|" + strings.ToLower(x.PrincipalID) + "|" + state(x.Eligible)
	if a.seen[key] {
		return false
	}
	a.seen[key] = true
	x.Name = guid(b.seed, kind, n)
	if x.Condition != "" {
		x.ConditionVersion = "2.0"
	}
	b.w.ARMAssignments = append(b.w.ARMAssignments, x)
	return true
}

// principal is a candidate role-assignment principal.
type principal struct {
	id, typ string
	ghost   bool
}

func spPrincipal(sp *world.ServicePrincipal) principal {
	return principal{sp.ID, "ServicePrincipal", false}
}

func (b *builder) userPrincipal(u int) principal { return principal{b.w.Users[u].ID, "User", false} }

func (b *builder) groupPrincipal(g int) principal { return principal{b.w.Groups[g].ID, "Group", false} }

// ghostPrincipal is a deleted user: a GUID that is no directory object.
func (b *builder) ghostPrincipal(kind string, n int) principal {
	return principal{guid(b.seed, kind+"/ghost", n), "User", true}
}

func assignment(scope, role string, p principal, s schedule) *world.ARMRoleAssignment {
	return &world.ARMRoleAssignment{Scope: scope, RoleDefinition: role, PrincipalID: p.id, PrincipalType: p.typ,
		Ghost: p.ghost, Eligible: s.eligible, Start: s.start, End: s.end}
}

// rbac creates the Azure role assignments: the registered apps' Reader and Owner at the tenant root group,
// a fixed set covering every scope type, principal type and feature, then random ones (stream "rbac") up to
// RBACAssignments in total.
func (b *builder) rbac() error {
	a := &rbacAssigner{b: b, seen: map[string]bool{}, roles: armRolesByScope()}
	root := b.w.ManagementGroups[0].Scope()
	created := days(-30)
	for k, role := range []string{world.RoleReader, world.RoleOwner} {
		x := assignment(root, role, spPrincipal(b.registered[k]), schedule{})
		x.CreatedOn, x.Description = created, "azsim registered app "+b.registered[k].DisplayName
		a.add("rbac/registered", k, x)
	}
	a.fixed()
	r0 := len(b.w.ARMAssignments)
	for j := range max(0, b.spec.RBACAssignments-r0) {
		r := newRand(b.seed, "rbac", j)
		for range 16 { // redraw on the rare duplicate
			if a.add("rbac", j, a.draw(r)) {
				break
			}
		}
	}
	return nil
}

// fixed adds the assignments every world has.
func (a *rbacAssigner) fixed() {
	b := a.b
	r := newRand(b.seed, "rbac/fixed", 0)
	w := b.w
	reg := func(k int) principal { return b.userPrincipal(b.regularUsers[k%len(b.regularUsers)]) }
	sec := func(k int) principal { return b.groupPrincipal(b.securityGroups[k%len(b.securityGroups)]) }
	topMG := b.mgLevel(min(1, b.spec.ManagementGroupDepth))[0].Scope()
	sub0, rg0, acct0, cont0 := w.Subscriptions[0].Scope(), w.ResourceGroups[0].Scope(),
		w.StorageAccounts[0].Scope(), w.Containers[0]
	vmRG := w.ResourceGroups[0].Scope()
	for _, rg := range w.ResourceGroups {
		if rg.SubscriptionID == b.customARM[1].sub.ID {
			vmRG = rg.Scope()
			break
		}
	}
	withCondition := func(x *world.ARMRoleAssignment, c string) *world.ARMRoleAssignment {
		x.Condition = c
		return x
	}
	conditionOn := func(name string) string {
		return "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR " +
			"(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals '" + name + "'))"
	}
	fixed := []*world.ARMRoleAssignment{
		assignment(topMG, world.RoleManagementGroupReader, sec(0), schedule{}),
		assignment(sub0, world.RoleContributor, reg(0), schedule{}),
		assignment(rg0, world.RoleContributor, spPrincipal(b.appSPs[0]), schedule{}),
		assignment(acct0, world.RoleStorageBlobDataContributor, spPrincipal(b.miSPs[0]), schedule{}),
		withCondition(assignment(cont0.Scope(), world.RoleStorageBlobDataReader, reg(1), schedule{}), conditionOn(cont0.Name)),
		assignment(sub0, world.RoleOwner, reg(2), pimWindow(r, true, false)),
		assignment(rg0, world.RoleReader, sec(1), pimWindow(r, true, true)),
		assignment(rg0, world.RoleContributor, b.ghostPrincipal("rbac/fixed", 0), schedule{}),
		assignment(sub0, b.customARM[0].id, reg(3), schedule{}),
		assignment(vmRG, b.customARM[1].id, sec(2), schedule{}),
		assignment(rg0, world.RoleKeyVaultAdministrator, spPrincipal(b.miSPs[1]), schedule{}),
		assignment(sub0, world.RoleUserAccessAdministrator, reg(4), pimWindow(r, false, false)),
		assignment(acct0, world.RoleReader, b.userPrincipal(9), schedule{}), // a guest
		withCondition(assignment(cont0.Scope(), world.RoleStorageBlobDataOwner, sec(3), schedule{}), conditionOn(cont0.Name)),
	}
	for k, x := range fixed {
		x.CreatedOn = between(r, -700, dayRecentEnd)
		a.add("rbac/fixed", k, x)
	}
}

// draw returns a random assignment: the scope type first (MG 4 %, subscription 16 %, resource group 42 %,
// storage account 20 %, container 18 %), then a role that fits it, a principal (user 35 %, group 30 %,
// enterprise app 20 %, managed identity 14 %, ghost 1 %), an optional ABAC condition on blob data roles,
// and for users and groups sometimes an eligible or time-bound schedule.
func (a *rbacAssigner) draw(r *rand.Rand) *world.ARMRoleAssignment {
	b := a.b
	w := b.w
	var scope, role, containerName string
	var sub string // subscription id of subscription and resource-group scopes
	roles := a.roles
	switch f := r.Float64(); {
	case f < 0.04:
		scope, role = pick(r, w.ManagementGroups).Scope(), pick(r, roles.mg)
	case f < 0.20:
		s := pick(r, w.Subscriptions)
		scope, role, sub = s.Scope(), pick(r, roles.sub), s.ID
	case f < 0.62:
		rg := pick(r, w.ResourceGroups)
		scope, role, sub = rg.Scope(), pick(r, roles.rg), rg.SubscriptionID
	case f < 0.82:
		scope, role = pick(r, w.StorageAccounts).Scope(), pick(r, roles.account)
	default:
		c := pick(r, w.Containers)
		scope, role, containerName = c.Scope(), pick(r, roles.container), c.Name
	}
	if sub != "" && chance(r, 0.1) {
		for _, c := range b.customARM {
			if c.sub.ID == sub {
				role = c.id
				break
			}
		}
	}
	var p principal
	switch f := r.Float64(); {
	case f < 0.01:
		p = b.ghostPrincipal("rbac", r.IntN(1<<30))
	case f < 0.36:
		p = b.userPrincipal(r.IntN(len(w.Users)))
	case f < 0.66:
		p = b.groupPrincipal(pick(r, b.securityGroups))
	case f < 0.86:
		p = spPrincipal(pick(r, b.appSPs))
	default:
		p = spPrincipal(pick(r, b.miSPs))
	}
	s := schedule{}
	if !p.ghost && p.typ != "ServicePrincipal" {
		switch {
		case chance(r, 0.15): // users and groups are two thirds of the draws: ~10 % eligible overall
			s = pimWindow(r, true, chance(r, 0.2))
		case chance(r, 0.02):
			s = pimWindow(r, false, false)
		}
	}
	x := assignment(scope, role, p, s)
	if blobDataRole(role) && chance(r, 0.25) {
		if containerName == "" {
			names := b.dict.containerNames
			containerName = names[r.IntN(min(len(names), b.spec.ContainersPerAccount))]
		}
		x.Condition = blobCondition(r, containerName, pick(r, b.dict.groupTopics))
	}
	x.Description = pick(r, b.dict.rbacDescriptions)
	x.CreatedOn = between(r, -700, dayRecentEnd)
	return x
}

// scopeRoles lists the roles drawn at each scope type (repeats weight the choice).
type scopeRoles struct{ mg, sub, rg, account, container []string }

func armRolesByScope() scopeRoles {
	return scopeRoles{
		mg: []string{world.RoleReader, world.RoleReader, world.RoleOwner, world.RoleContributor,
			world.RoleManagementGroupReader, world.RoleUserAccessAdministrator, world.RoleRBACAdministrator},
		sub: []string{world.RoleReader, world.RoleReader, world.RoleReader, world.RoleOwner, world.RoleContributor,
			world.RoleContributor, world.RoleUserAccessAdministrator, world.RoleRBACAdministrator,
			world.RoleKeyVaultAdministrator, world.RoleStorageBlobDataReader},
		rg: []string{world.RoleContributor, world.RoleContributor, world.RoleContributor, world.RoleReader,
			world.RoleReader, world.RoleReader, world.RoleOwner, world.RoleVirtualMachineContributor,
			world.RoleStorageAccountContributor, world.RoleKeyVaultAdministrator, world.RoleManagedIdentityOperator,
			world.RoleStorageBlobDataContributor},
		account: []string{world.RoleStorageBlobDataOwner, world.RoleStorageBlobDataContributor,
			world.RoleStorageBlobDataContributor, world.RoleStorageBlobDataReader, world.RoleStorageBlobDataReader,
			world.RoleStorageAccountContributor, world.RoleReader},
		container: []string{world.RoleStorageBlobDataOwner, world.RoleStorageBlobDataContributor,
			world.RoleStorageBlobDataReader, world.RoleStorageBlobDataReader},
	}
}
