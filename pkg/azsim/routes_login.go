package azsim

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// loginRoutes serves the Entra ID v2.0 endpoints MSAL and azidentity use. The login service sits at the
// root of its host: the first path segment is the tenant.
func (s *Server) loginRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleOpenIDConfiguration)
	mux.HandleFunc("GET /common/discovery/instance", s.handleInstanceDiscovery)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleKeys)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "unmatched")
		writeAADError(w, http.StatusNotFound, "invalid_request", 90100,
			"The request is not a supported Entra ID v2.0 endpoint: "+r.Method+" "+r.URL.Path+".", s.clock())
	})
	return mux
}

func loginBase(r *http.Request) string { return "https://" + r.Host }

func (s *Server) tenantMatches(t string) bool {
	var okT bool
	s.ReadWorld(func(w *world.World) {
		okT = strings.EqualFold(t, w.Tenant.ID) || strings.EqualFold(t, w.Tenant.DefaultDomain)
	})
	return okT
}

func (s *Server) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "/{tenant}/v2.0/.well-known/openid-configuration")
	t := r.PathValue("tenant")
	if !s.tenantMatches(t) {
		writeAADError(w, http.StatusBadRequest, "invalid_tenant", 90002, tenantNotFound(t), s.clock())
		return
	}
	base := loginBase(r) + "/" + t
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "azsim",
	}, "application/json; charset=utf-8")
}

// handleInstanceDiscovery answers MSAL's instance discovery for clients that did not disable it, naming
// the authority as its own alias (so discovery succeeds rather than hangs offline).
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "/common/discovery/instance")
	host := r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": loginBase(r) + "/common/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	}, "application/json; charset=utf-8")
}

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "/{tenant}/discovery/v2.0/keys")
	writeJSON(w, http.StatusOK, s.tokens.jwks(), "application/json; charset=utf-8")
}

const assertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// handleToken implements the client-credentials grant with a client secret (form field or HTTP Basic)
// or a certificate-signed client assertion.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "/{tenant}/oauth2/v2.0/token")
	now := s.clock()
	fail := func(status int, code string, num int, msg string) { writeAADError(w, status, code, num, msg, now) }
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded.")
		return
	}
	t := r.PathValue("tenant")
	if !s.tenantMatches(t) {
		fail(http.StatusBadRequest, "invalid_request", 90002, tenantNotFound(t))
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			fail(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		} else {
			fail(http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+gt+"'.")
		}
		return
	}
	clientID, basicSecret, hasBasic := r.BasicAuth()
	if !hasBasic {
		clientID = r.PostForm.Get("client_id")
	}
	if clientID == "" {
		fail(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	}
	var app *world.RegisteredApp
	var tenantID string
	s.ReadWorld(func(w *world.World) { app, tenantID = w.App(clientID), w.Tenant.ID })
	if app == nil {
		fail(http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found "+
			"in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant "+
			"or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t))
		return
	}
	secret := r.PostForm.Get("client_secret")
	if hasBasic {
		secret = basicSecret
	}
	switch {
	case secret != "":
		if !secretMatches(app, secret) {
			fail(http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the "+
				"secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID))
			return
		}
	case r.PostForm.Get("client_assertion") != "":
		if r.PostForm.Get("client_assertion_type") != assertionTypeJWT {
			fail(http.StatusBadRequest, "invalid_request", 70002, "The client_assertion_type must be '"+assertionTypeJWT+"'.")
			return
		}
		tokenEndpoint := loginBase(r) + "/" + t + "/oauth2/v2.0/token"
		if aerr := verifyAssertion(app, r.PostForm.Get("client_assertion"), tokenEndpoint, now); aerr != nil {
			fail(aerr.status, aerr.code, aerr.num, aerr.msg)
			return
		}
	default:
		fail(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	resource, aerr := s.resourceOfScope(r.PostForm.Get("scope"), t)
	if aerr != nil {
		fail(aerr.status, aerr.code, aerr.num, aerr.msg)
		return
	}
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    loginBase(r) + "/" + tenantID + "/v2.0",
			Subject:   app.ServicePrincipalID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.opts.TokenLifetime)),
			ID:        newID(),
		},
		Aud: resource.audience, TenantID: tenantID, AppID: app.ClientID, AZP: app.ClientID, ObjectID: app.ServicePrincipalID,
		IDType: "app", Version: "2.0",
	}
	if resource.service == "graph" {
		claims.Roles = app.GraphPermissions
	}
	tok, err := s.tokens.issue(claims)
	if err != nil {
		fail(http.StatusInternalServerError, "server_error", 90033, "azsim could not sign the token: "+err.Error())
		return
	}
	secs := int(s.opts.TokenLifetime/time.Second) - 1
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok,
	}, "application/json; charset=utf-8")
}

func secretMatches(app *world.RegisteredApp, secret string) bool {
	for _, s := range app.Secrets {
		if subtle.ConstantTimeCompare([]byte(s), []byte(secret)) == 1 {
			return true
		}
	}
	return false
}

func tenantNotFound(t string) string {
	return fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the "+
		"correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", t)
}

// writeAADError writes the token endpoint's error shape.
func writeAADError(w http.ResponseWriter, status int, code string, num int, msg string, now time.Time) {
	trace, corr := newID(), newID()
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", num, msg, trace, corr, ts),
		"error_codes":       []int{num},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         "https://login.microsoftonline.com/error?code=" + fmt.Sprint(num),
	}, "application/json; charset=utf-8")
}
