package connector

import (
	"net/http"
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Lifecycle of users and groups (docs/lifecycle.md): create, enable/disable and delete users; create and
// delete groups. baton-sdk only serves these calls when provisioning is enabled (and resource actions when
// actions are invoked); every input is validated before the first write, so bad input sends nothing.

// Permissions the lifecycle writes need, named in PermissionDenied errors.
const (
	permUserWrite          = "User.ReadWrite.All"
	permGroupCreate        = "Group.Create (or Group.ReadWrite.All)"
	permGroupWrite         = "Group.ReadWrite.All"
	permRoleAssignableGrp  = "RoleManagement.ReadWrite.Directory (with Group.ReadWrite.All), for role-assignable groups"
	lifecycleObjectIDForm  = "a directory object id (GUID), e.g. 6607ba92-b098-4bfc-8f6e-fb1cd4565c95"
	lifecycleUPNForm       = "alias@verified-domain, e.g. ada.lovelace@contoso.com"
	lifecycleMailNickForm  = "1–64 ASCII characters without spaces or any of @ ( ) \\ [ ] \" ; : < > ,"
	lifecycleUsageLocation = "a two-letter ISO 3166 country code, e.g. US or DE"
)

// lifecycleInvalid is an InvalidArgument naming the field, the expected form and what was given.
func lifecycleInvalid(field, form, got string) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s must be %s; got %q", errPrefix, field, form, got)
}

var (
	lifecycleMailNick = regexp.MustCompile(`^[!#$%&'*+\-./0-9=?A-Z^_` + "`" + `a-z{|}~]{1,64}$`)
	lifecycleCountry  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// checkObjectID validates a directory object id.
func checkObjectID(field, id string) error {
	if !isGUID(id) {
		return lifecycleInvalid(field, lifecycleObjectIDForm, id)
	}
	return nil
}

// checkUPN validates a userPrincipalName's shape (Graph checks the domain is verified).
func checkUPN(upn string) error {
	alias, domain, found := strings.Cut(upn, "@")
	if !found || alias == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(upn, " \t\r\n") ||
		len(upn) > 113 || !strings.Contains(domain, ".") && !strings.Contains(domain, "localhost") {
		return lifecycleInvalid("user principal name (the account login)", lifecycleUPNForm, upn)
	}
	return nil
}

// mailNicknameFrom derives a mail nickname from a UPN's alias or a display name: the characters Graph
// accepts, at most 64.
func mailNicknameFrom(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && lifecycleMailNick.MatchString(string(r)) {
			b.WriteRune(r)
		}
		if b.Len() == 64 {
			break
		}
	}
	return b.String()
}

// lifecycleWriteErr turns a failed Graph write into a gRPC error that says what failed and how to fix it.
func lifecycleWriteErr(err error, action, permission string) error {
	if e, ok := graph.AsError(err); ok {
		switch {
		case e.StatusCode == http.StatusForbidden:
			return status.Errorf(codes.PermissionDenied, "%s: %s: the app lacks the Microsoft Graph application permission %s (grant it with admin consent): %v",
				errPrefix, action, permission, err)
		case e.StatusCode == http.StatusBadRequest && strings.Contains(e.Message, "on-premises mastered"):
			return status.Errorf(codes.FailedPrecondition, "%s: %s: the object is synced from on-premises Active Directory; change it there: %v",
				errPrefix, action, err)
		case e.StatusCode == http.StatusBadRequest && (strings.Contains(e.Message, "already exists") || strings.Contains(e.Message, "conflicting object")):
			return status.Errorf(codes.AlreadyExists, "%s: %s: %v", errPrefix, action, err)
		case e.StatusCode == http.StatusBadRequest:
			return status.Errorf(codes.InvalidArgument, "%s: %s: Microsoft Graph refused the request: %v", errPrefix, action, err)
		}
	}
	return wrapErr(err, action)
}

// isNotFound reports whether Graph answered 404 for the object.
func isNotFound(err error) bool {
	e, ok := graph.AsError(err)
	return ok && e.StatusCode == http.StatusNotFound
}

// errLifecycleType refuses a request for a resource type the operation does not apply to.
func errLifecycleType(op, got, want string) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s applies to %s resources; got resource type %q", errPrefix, op, want, got)
}
