package gen

import (
	"fmt"
	"strings"
)

// Presets returns the preset names, smallest first.
func Presets() []string { return []string{"tiny", "small", "medium", "large", "xlarge"} }

// PresetSpec returns the spec of a named preset with the given seed.
//
//   - tiny: two dozen users with every feature present at least once; for unit tests.
//   - small: a demo tenant of a thousand users.
//   - medium: 10k users, 2k groups, 10 subscriptions.
//   - large: 100k users, 20k groups, ~1.5M memberships, 3k service principals, 50 subscriptions under a
//     three-level management-group tree, 30k RBAC assignments.
//   - xlarge: five times large.
func PresetSpec(name string, seed uint64) (Spec, error) {
	s := Spec{Preset: name, Seed: seed}
	switch name {
	case "tiny":
		s.Users, s.Groups, s.Memberships = 24, 12, 100
		s.EnterpriseApps, s.ManagedIdentities = 3, 3
		s.Subscriptions, s.ResourceGroups, s.StorageAccounts, s.ContainersPerAccount = 2, 4, 2, 2
		s.RBACAssignments = 40
		s.ManagementGroupDepth, s.ManagementGroupFanout = 2, 2
	case "small":
		s.Users, s.Groups, s.Memberships = 1_000, 200, 8_000
		s.EnterpriseApps, s.ManagedIdentities = 40, 16
		s.Subscriptions, s.ResourceGroups, s.StorageAccounts, s.ContainersPerAccount = 3, 24, 8, 4
		s.RBACAssignments = 400
		s.ManagementGroupDepth, s.ManagementGroupFanout = 2, 2
	case "medium":
		s.Users, s.Groups, s.Memberships = 10_000, 2_000, 120_000
		s.EnterpriseApps, s.ManagedIdentities = 200, 96
		s.Subscriptions, s.ResourceGroups, s.StorageAccounts, s.ContainersPerAccount = 10, 200, 40, 5
		s.RBACAssignments = 3_000
		s.ManagementGroupDepth, s.ManagementGroupFanout = 3, 2
	case "large":
		s.Users, s.Groups, s.Memberships = 100_000, 20_000, 1_500_000
		s.EnterpriseApps, s.ManagedIdentities = 2_000, 996
		s.Subscriptions, s.ResourceGroups, s.StorageAccounts, s.ContainersPerAccount = 50, 1_000, 200, 10
		s.RBACAssignments = 30_000
		s.ManagementGroupDepth, s.ManagementGroupFanout = 3, 3
	case "xlarge":
		s.Users, s.Groups, s.Memberships = 500_000, 100_000, 7_500_000
		s.EnterpriseApps, s.ManagedIdentities = 10_000, 4_996
		s.Subscriptions, s.ResourceGroups, s.StorageAccounts, s.ContainersPerAccount = 250, 5_000, 1_000, 10
		s.RBACAssignments = 150_000
		s.ManagementGroupDepth, s.ManagementGroupFanout = 4, 3
	default:
		return Spec{}, fmt.Errorf("gen: unknown preset %q (valid: %s)", name, strings.Join(Presets(), ", "))
	}
	return s, nil
}
