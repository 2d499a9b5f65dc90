package azsim

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// aadError is a token-endpoint failure: OAuth error code, AADSTS number and description.
type aadError struct {
	status int
	code   string
	num    int
	msg    string
}

// tokenResource is what a /.default scope resolves to.
type tokenResource struct {
	service  string // graph or arm
	cloud    string // cloud name; "" for azsim's own loopback hosts (valid in any cloud)
	audience string // the token's aud claim
}

// msalDefaultScopes are appended by MSAL to every request, even client credentials.
func isMSALDefaultScope(s string) bool {
	switch strings.ToLower(s) {
	case "openid", "offline_access", "profile":
		return true
	}
	return false
}

// resourceOfScope validates the scope parameter of a client-credentials request.
func (s *Server) resourceOfScope(scope, tenant string) (tokenResource, *aadError) {
	var scopes []string
	for _, f := range strings.Fields(scope) {
		if !isMSALDefaultScope(f) {
			scopes = append(scopes, f)
		}
	}
	switch {
	case len(scopes) == 0:
		return tokenResource{}, &aadError{http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'scope'."}
	case len(scopes) > 1:
		return tokenResource{}, &aadError{http.StatusBadRequest, "invalid_scope", 70011,
			"The provided value for the input parameter 'scope' is not valid. Scopes of more than one resource were requested: " +
				strings.Join(scopes, " ") + "."}
	case !strings.HasSuffix(scopes[0], "/.default"):
		return tokenResource{}, &aadError{http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope " + scopes[0] +
			" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
	}
	resource := strings.TrimSuffix(scopes[0], "/.default")
	svc, cl := s.classifyAudience(resource)
	if svc == "" {
		return tokenResource{}, &aadError{http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not "+
				"been installed by the administrator of the tenant or consented to by any user in the tenant.", resource, tenant)}
	}
	return tokenResource{service: svc, cloud: cl, audience: resource}, nil
}

// classifyAudience tells which service (graph, arm) a resource identifier or aud claim names, and in
// which cloud. azsim's own service URLs are accepted as resource identifiers too, since clients derive
// the Graph scope from the Graph host they are configured with.
func (s *Server) classifyAudience(resource string) (service, cloudName string) {
	r := strings.ToLower(strings.TrimRight(resource, "/"))
	if r == world.GraphAppID {
		return "graph", "public"
	}
	u, err := url.Parse(r)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", ""
	}
	for _, c := range clouds() {
		switch {
		case u.Host == c.graphHost:
			return "graph", c.name
		case u.Host == c.armHost, strings.TrimRight(c.armAudience, "/") == r:
			return "arm", c.name
		}
	}
	for _, own := range []struct{ svc, base string }{{"graph", s.graphURL}, {"arm", s.armURL}} {
		if own.base != "" && strings.EqualFold(strings.TrimPrefix(own.base, "https://"), u.Host) {
			return own.svc, ""
		}
	}
	return "", ""
}

// verifyAssertion checks a certificate-signed client assertion: the certificate named by x5t#S256 (or
// x5t) must be registered on the app, the signature PS256 or RS256, aud the token endpoint, iss and sub
// the client id, and the token within its validity period.
func verifyAssertion(app *world.RegisteredApp, raw, tokenEndpoint string, now time.Time) *aadError {
	bad := func(num int, msg string) *aadError {
		return &aadError{http.StatusUnauthorized, "invalid_client", num, msg}
	}
	unverified, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return &aadError{http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed."}
	}
	var thumb []byte
	for _, h := range []string{"x5t#S256", "x5t"} {
		if v, ok := unverified.Header[h].(string); ok {
			if thumb = decodeThumbprint(v); thumb != nil {
				break
			}
		}
	}
	if thumb == nil {
		return bad(700027, "Client assertion contains an invalid signature. The assertion header carries no x5t#S256 or x5t thumbprint.")
	}
	cert := app.HasCertificate(thumb)
	if cert == nil {
		return bad(700027, fmt.Sprintf("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%X']", thumb))
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return certKey(cert) },
		jwt.WithValidMethods([]string{"PS256", "RS256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(5*time.Minute), jwt.WithExpirationRequired())
	switch {
	case err != nil && (strings.Contains(err.Error(), "expired") || strings.Contains(err.Error(), "not valid yet")):
		return bad(700024, "Client assertion is not within its valid time range.")
	case err != nil:
		return bad(700027, "Client assertion failed signature validation. ("+err.Error()+")")
	}
	iss, _ := claims.GetIssuer()
	sub, _ := claims.GetSubject()
	if !strings.EqualFold(iss, app.ClientID) || !strings.EqualFold(sub, app.ClientID) {
		return bad(700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
	}
	aud, _ := claims.GetAudience()
	for _, a := range aud {
		if strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(tokenEndpoint, "/")) {
			return nil
		}
	}
	return bad(700027, "Client assertion audience claim does not match the token endpoint "+tokenEndpoint+".")
}

func certKey(c *x509.Certificate) (any, error) { return c.PublicKey, nil }

// decodeThumbprint accepts standard or URL base64, padded or not (MSAL uses standard encoding).
func decodeThumbprint(v string) []byte {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && (len(b) == 20 || len(b) == 32) {
			return b
		}
	}
	return nil
}
