package gen

import (
	"errors"
	"fmt"
)

// Spec fully determines a generated world: the same Spec always yields the same world, byte for byte.
type Spec struct {
	// Preset names the preset the spec came from; it is recorded in the world and has no other effect.
	Preset string `json:"preset"`
	Seed   uint64 `json:"seed"`

	// Users is the number of users, guests included.
	Users int `json:"users"`
	// Groups is the number of groups of all kinds.
	Groups int `json:"groups"`
	// Memberships is the target number of direct user memberships over all groups. Group sizes follow a
	// Zipf distribution scaled to reach it; the result is approximate (no group may hold more than
	// MaxGroupShare of the users).
	Memberships int `json:"memberships"`
	// EnterpriseApps is the number of enterprise applications (service principals of type Application)
	// beyond Microsoft Graph and the three registered apps of world.Apps.
	EnterpriseApps int `json:"enterpriseApps"`
	// ManagedIdentities is the number of managed identities, user-assigned and system-assigned together.
	ManagedIdentities int `json:"managedIdentities"`

	Subscriptions        int `json:"subscriptions"`
	ResourceGroups       int `json:"resourceGroups"`
	StorageAccounts      int `json:"storageAccounts"`
	ContainersPerAccount int `json:"containersPerAccount"`
	// RBACAssignments is the number of Azure role assignments, active and eligible, including the two
	// held by the registered apps at the tenant root management group.
	RBACAssignments int `json:"rbacAssignments"`
	// ManagementGroupDepth is the number of management-group levels below the tenant root group.
	ManagementGroupDepth int `json:"managementGroupDepth"`
	// ManagementGroupFanout is the number of children of each management group above the last level.
	ManagementGroupFanout int `json:"managementGroupFanout"`

	// NoP2 makes a tenant without Entra ID P2: no PIM data (eligible or time-bound assignments, PIM for
	// Groups), no signInActivity and no P2 SKUs.
	NoP2 bool `json:"noP2"`
}

// MaxGroupShare is the largest fraction of all users a single group may contain.
const MaxGroupShare = 0.65

// Limits on Spec values. The minimums are what the generator needs to place every feature at least once.
const (
	minUsers             = 20
	maxUsers             = 5_000_000
	minGroups            = 12
	maxGroups            = 1_000_000
	maxMemberships       = 100_000_000
	minEnterpriseApps    = 3
	minManagedIdentities = 3
	minRBAC              = 20
	maxMGDepth           = 6 // Azure allows six levels below the root
	maxManagementGroups  = 10_000
)

// Validate reports every problem with the spec, or nil.
func (s Spec) Validate() error {
	var errs []error
	atLeast := func(name string, v, lo int) {
		if v < lo {
			errs = append(errs, fmt.Errorf("%s must be >= %d (got %d)", name, lo, v))
		}
	}
	atMost := func(name string, v, hi int) {
		if v > hi {
			errs = append(errs, fmt.Errorf("%s must be <= %d (got %d)", name, hi, v))
		}
	}
	atLeast("users", s.Users, minUsers)
	atMost("users", s.Users, maxUsers)
	atLeast("groups", s.Groups, minGroups)
	atMost("groups", s.Groups, maxGroups)
	atLeast("memberships", s.Memberships, 0)
	atMost("memberships", s.Memberships, maxMemberships)
	if s.Users > 0 && s.Groups > 0 && s.Memberships > s.Users*s.Groups {
		errs = append(errs, fmt.Errorf("memberships must be <= users*groups (%d, got %d)", s.Users*s.Groups, s.Memberships))
	}
	atLeast("enterprise apps", s.EnterpriseApps, minEnterpriseApps)
	atMost("enterprise apps", s.EnterpriseApps, 1_000_000)
	atLeast("managed identities", s.ManagedIdentities, minManagedIdentities)
	atMost("managed identities", s.ManagedIdentities, 1_000_000)
	atLeast("subscriptions", s.Subscriptions, 1)
	atMost("subscriptions", s.Subscriptions, 100_000)
	atLeast("resource groups", s.ResourceGroups, s.Subscriptions)
	atMost("resource groups", s.ResourceGroups, 1_000_000)
	atLeast("storage accounts", s.StorageAccounts, 1)
	atMost("storage accounts", s.StorageAccounts, 1_000_000)
	atLeast("containers per account", s.ContainersPerAccount, 1)
	atMost("containers per account", s.ContainersPerAccount, 1_000)
	atLeast("RBAC assignments", s.RBACAssignments, minRBAC)
	atMost("RBAC assignments", s.RBACAssignments, 10_000_000)
	atLeast("management group depth", s.ManagementGroupDepth, 0)
	atMost("management group depth", s.ManagementGroupDepth, maxMGDepth)
	if s.ManagementGroupDepth > 0 {
		atLeast("management group fanout", s.ManagementGroupFanout, 1)
		atMost("management group fanout", s.ManagementGroupFanout, 10)
		if n := managementGroupCount(s.ManagementGroupDepth, s.ManagementGroupFanout); n > maxManagementGroups {
			errs = append(errs, fmt.Errorf("management groups (fanout^1 + ... + fanout^depth + 1) must be <= %d (got %d)",
				maxManagementGroups, n))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("gen: invalid spec: %w", errors.Join(errs...))
}

// managementGroupCount is the size of a management-group tree: the root plus fanout^k groups at each level
// k = 1..depth.
func managementGroupCount(depth, fanout int) int {
	n, width := 1, 1
	for range depth {
		width *= fanout
		n += width
	}
	return n
}
