package connector

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// permissionNeed is a Graph application permission a feature needs: the least-privileged name first,
// then the broader permissions that also satisfy it.
type permissionNeed struct {
	anyOf       []string
	consequence string
}

// requiredPermissions lists what the configured features need; azure is true when the app can read Azure
// subscriptions (their role assignments' principals are then resolved with getByIds).
func (c *Connector) requiredPermissions(azure bool) []permissionNeed {
	needs := []permissionNeed{
		{[]string{"User.Read.All", "Directory.Read.All"}, "users cannot be synced"},
		{[]string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}, "group members cannot be synced"},
		{[]string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"}, "directory roles and their assignments cannot be synced"},
		{[]string{"Application.Read.All", "Directory.Read.All"}, "enterprise applications, app role assignments and managed identities cannot be synced"},
		{[]string{"AdministrativeUnit.Read.All", "Directory.Read.All"}, "administrative units cannot be synced"},
		{[]string{"Organization.Read.All", "Directory.Read.All"}, "licenses cannot be synced"},
	}
	if !c.s.skipP2 {
		needs = append(needs,
			permissionNeed{[]string{"RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"},
				"eligible (PIM) directory role assignments cannot be synced"},
			permissionNeed{[]string{"PrivilegedEligibilitySchedule.Read.AzureADGroup"}, "eligible (PIM for Groups) memberships cannot be synced"},
			permissionNeed{[]string{"AuditLog.Read.All"}, "last sign-in times cannot be synced"},
			permissionNeed{[]string{"IdentityRiskyUser.Read.All"}, "user risk levels cannot be synced"},
		)
	}
	if c.s.mailboxSettings {
		needs = append(needs, permissionNeed{[]string{"MailboxSettings.Read"}, "mailbox purposes (shared, room, equipment) cannot be read"})
	}
	if azure {
		needs = append(needs, permissionNeed{[]string{"Directory.Read.All"},
			"the principals of Azure role assignments cannot be resolved (getByIds), so deleted principals and managed identities cannot be told apart"})
	}
	return needs
}

// satisfies reports whether a granted permission covers a needed one: the same name, or its ReadWrite
// variant.
func satisfies(granted map[string]bool, need string) bool {
	return granted[need] || granted[strings.Replace(need, ".Read.", ".ReadWrite.", 1)] ||
		(strings.HasSuffix(need, ".Read") && granted[strings.TrimSuffix(need, ".Read")+".ReadWrite"])
}

// checkPermissions returns a PermissionDenied error naming every missing permission and its consequence.
func checkPermissions(granted map[string]bool, needs []permissionNeed) error {
	var missing []string
	for _, n := range needs {
		ok := false
		for _, p := range n.anyOf {
			if satisfies(granted, p) {
				ok = true
				break
			}
		}
		if !ok {
			alt := ""
			if len(n.anyOf) > 1 {
				alt = " (or one of " + strings.Join(n.anyOf[1:], ", ") + ")"
			}
			missing = append(missing, fmt.Sprintf("%s is not granted%s: %s", n.anyOf[0], alt, n.consequence))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return status.Errorf(codes.PermissionDenied, "%s: the app registration lacks Microsoft Graph application permissions — %s. "+
		"Grant them (with admin consent) in the app registration's API permissions, or disable the features that need them",
		errPrefix, strings.Join(missing, "; "))
}

// grantedGraphPermissions reads the roles claim of a Graph access token: the application permissions
// consented for the app. It returns nil (unknown) when the token is not a readable JWT.
func (c *Connector) grantedGraphPermissions(ctx context.Context) (map[string]bool, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.s.graphBase + "/.default"}})
	if err != nil {
		return nil, err
	}
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		return nil, nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, nil
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil, nil
	}
	granted := map[string]bool{}
	for _, r := range claims.Roles {
		granted[r] = true
	}
	return granted, nil
}

// PermissionManifest lists the Graph application permissions for the given options, least privilege;
// azure adds what syncing Azure RBAC needs.
func PermissionManifest(skipP2, mailbox, azure bool) []string {
	c := &Connector{s: &settings{skipP2: skipP2, mailboxSettings: mailbox}}
	var out []string
	for _, n := range c.requiredPermissions(azure) {
		out = append(out, n.anyOf[0])
	}
	sort.Strings(out)
	return out
}

// ProvisioningPermissionManifest lists the Graph application permissions provisioning needs on top of
// PermissionManifest, least privilege first (docs/provisioning.md, docs/lifecycle.md). Without P2 the
// PIM schedule permissions are not needed: active directory roles are then permanent roleAssignments.
func ProvisioningPermissionManifest(skipP2 bool) []string {
	out := []string{
		"GroupMember.ReadWrite.All",          // group members
		"Group.ReadWrite.All",                // group owners, create and delete groups
		"RoleManagement.ReadWrite.Directory", // role-assignable groups, permanent directory roles
		"AppRoleAssignment.ReadWrite.All",    // app roles
		"LicenseAssignment.ReadWrite.All",    // direct licenses
		"User.ReadWrite.All",                 // create, disable, enable and delete users
	}
	if !skipP2 {
		out = append(out, "RoleAssignmentSchedule.ReadWrite.Directory", "RoleEligibilitySchedule.ReadWrite.Directory",
			"PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup")
	}
	sort.Strings(out)
	return out
}
