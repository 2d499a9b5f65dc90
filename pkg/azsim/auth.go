package azsim

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// caller is the authenticated application behind a request.
type caller struct {
	appID    string
	objectID string // the app's service principal id
	roles    map[string]bool
	tenantID string
	issuedAt time.Time // of the token (token_expired faults)
}

func (c *caller) hasAny(perms ...string) bool {
	for _, p := range perms {
		if c.roles[p] {
			return true
		}
	}
	return false
}

// authenticate verifies the bearer token of a Graph or ARM request: signature, expiry, audience (a
// Graph token is refused by ARM and vice versa) and cloud. Failures come back in the target API's words.
func (s *Server) authenticate(r *http.Request, service string) (*caller, *apiError) {
	now := s.clock()
	h := r.Header.Get("Authorization")
	raw, found := strings.CutPrefix(h, "Bearer ")
	if !found || strings.TrimSpace(raw) == "" {
		if service == "graph" {
			return nil, graphAuthError("Access token is empty.")
		}
		return nil, armAuthError("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
	}
	claims, err := s.tokens.verify(strings.TrimSpace(raw), now)
	if err == errTokenExpired {
		if service == "graph" {
			return nil, graphAuthError("Lifetime validation failed, the token is expired.")
		}
		exp := claims.ExpiresAt.UTC().Format("1/2/2006 3:04:05 PM")
		return nil, armAuthError("ExpiredAuthenticationToken", fmt.Sprintf(
			"The access token expiry UTC time '%s' is earlier than current UTC time '%s'.", exp, now.UTC().Format("1/2/2006 3:04:05 PM")))
	}
	if err != nil {
		if service == "graph" {
			return nil, graphAuthError("Access token validation failure. The token signature or format is invalid.")
		}
		return nil, armAuthError("InvalidAuthenticationToken", "The access token is invalid.")
	}
	aud := claims.Aud
	svc, cl := s.classifyAudience(aud)
	hostCloud := cloudOfHost(r.Host)
	if svc != service || (cl != "" && hostCloud != "" && cl != hostCloud && !sameCloudFamily(cl, hostCloud)) {
		if service == "graph" {
			return nil, graphAuthError("Access token validation failure. Invalid audience.")
		}
		return nil, armAuthError("InvalidAuthenticationTokenAudience", fmt.Sprintf("The access token has been obtained for wrong "+
			"audience or resource '%s'. It should exactly match with one of the allowed audiences "+
			"'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", aud))
	}
	var tenantOK bool
	s.ReadWorld(func(w *world.World) { tenantOK = strings.EqualFold(claims.TenantID, w.Tenant.ID) })
	if !tenantOK {
		if service == "graph" {
			return nil, graphAuthError("Access token validation failure. Invalid tenant.")
		}
		return nil, armAuthError("InvalidAuthenticationTokenTenant", "The access token is from the wrong issuer. It must match the tenant associated with this subscription.")
	}
	c := &caller{appID: claims.AppID, objectID: claims.ObjectID, roles: map[string]bool{}, tenantID: claims.TenantID}
	if claims.IssuedAt != nil {
		c.issuedAt = claims.IssuedAt.Time
	}
	for _, role := range claims.Roles {
		c.roles[role] = true
	}
	return c, nil
}

// sameCloudFamily treats US Gov and US Gov DoD as one identity cloud (they share the login host).
func sameCloudFamily(a, b string) bool {
	return strings.HasPrefix(a, "usgov") && strings.HasPrefix(b, "usgov")
}

// cloudOfHost names the cloud of a real hostname, or "" for loopback and in-process hosts.
func cloudOfHost(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	for _, c := range clouds() {
		if c.name != "azsim" && (host == c.graphHost || host == c.armHost) {
			return c.name
		}
	}
	return ""
}

func graphAuthError(msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: "InvalidAuthenticationToken", message: msg,
		header: http.Header{"Www-Authenticate": {`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`}}}
}

func armAuthError(code, msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: code, message: msg,
		header: http.Header{"Www-Authenticate": {`Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="` + msg + `"`}}}
}

// graphForbidden is Graph's answer to a missing application permission.
func graphForbidden() *apiError {
	return &apiError{status: http.StatusForbidden, code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation."}
}
