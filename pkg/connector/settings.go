package connector

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/config"
)

// cloudEndpoints are the endpoints of one Azure cloud.
type cloudEndpoints struct {
	authority   string // https://login.microsoftonline.com
	graphHost   string // graph.microsoft.com
	arm         string // https://management.azure.com
	armAudience string // https://management.core.windows.net/
}

func cloudByName(name string) (cloudEndpoints, error) {
	switch name {
	case "", "public":
		return cloudEndpoints{"https://login.microsoftonline.com", "graph.microsoft.com", "https://management.azure.com", "https://management.core.windows.net/"}, nil
	case "usgov":
		return cloudEndpoints{"https://login.microsoftonline.us", "graph.microsoft.us", "https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/"}, nil
	case "usgov-dod":
		return cloudEndpoints{"https://login.microsoftonline.us", "dod-graph.microsoft.us", "https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/"}, nil
	case "china":
		return cloudEndpoints{"https://login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn", "https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn/"}, nil
	}
	return cloudEndpoints{}, fmt.Errorf("unknown cloud %q: use public, usgov, usgov-dod or china", name)
}

// knownAuthorityHosts need no instance discovery switch-off (MSAL trusts them).
func isMicrosoftAuthority(host string) bool {
	switch strings.ToLower(host) {
	case "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "login.microsoftonline.us",
		"login.chinacloudapi.cn", "login.partner.microsoftonline.cn":
		return true
	}
	return false
}

// authMethod is how the connector authenticates.
type authMethod int

const (
	authSecret authMethod = iota + 1
	authCertificate
	authWorkloadIdentity
	authManagedIdentity
	authCLI
)

// settings is the validated, resolved configuration.
type settings struct {
	tenantID, clientID, clientSecret string
	certPath, certPassword           string
	federatedTokenFile               string
	auth                             authMethod

	authority   string // https URL, no trailing slash
	graphBase   string // https://host[:port]
	arm         string
	armAudience string
	httpClient  *http.Client

	mailboxSettings, skipADGroups, skipUnusedRoles, skipP2, external bool
	// Azure RBAC options.
	skipContainers bool
	inheritance    rbacInheritance

	// Provisioning: how long a PIM grant lasts when the request names no expiry, and the justification
	// recorded on PIM schedule requests.
	pimDuration      time.Duration
	pimJustification string
}

// maxPIMDuration is the longest default PIM duration accepted: Microsoft caps eligible and active role
// assignments at one year unless a policy allows permanent ones.
const maxPIMDuration = 366 * 24 * time.Hour

// tenantIDPattern is what azidentity accepts: a GUID or a domain name.
var tenantIDPattern = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolveSettings validates a configuration and resolves endpoints. Every error says what was wrong and
// what to do.
func resolveSettings(cfg *config.Azure) (*settings, error) {
	s := &settings{
		tenantID: firstSet(cfg.AzureTenantId, cfg.EntraTenantId), clientID: firstSet(cfg.AzureClientId, cfg.EntraClientId),
		clientSecret: firstSet(cfg.AzureClientSecret, cfg.EntraClientSecret),
		certPath:     cfg.AzureClientCertificatePath, certPassword: cfg.AzureClientCertificatePassword,
		federatedTokenFile: cfg.AzureFederatedTokenFile,
		mailboxSettings:    cfg.Mailboxsettings, skipADGroups: cfg.SkipAdGroups, skipUnusedRoles: cfg.SkipUnusedRoles,
		skipP2: cfg.SkipEntraIdP2LicenseFeatures, external: cfg.EnableSyncExternalResourcesViaBatonId,
		skipContainers:   cfg.SkipSyncStorageContainers,
		pimJustification: cfg.PimJustification,
	}
	var errs []error
	methods := 0
	for _, m := range []struct {
		set bool
		m   authMethod
	}{{s.clientSecret != "", authSecret}, {s.certPath != "", authCertificate}, {cfg.UseWorkloadIdentity, authWorkloadIdentity},
		{cfg.UseManagedIdentity, authManagedIdentity}, {cfg.UseCliCredentials, authCLI}} {
		if m.set {
			methods++
			s.auth = m.m
		}
	}
	switch {
	case methods == 0:
		errs = append(errs, errors.New("no credentials: set azure-client-secret (BATON_AZURE_CLIENT_SECRET), azure-client-certificate-path, "+
			"use-workload-identity, use-managed-identity or use-cli-credentials"))
	case methods > 1:
		errs = append(errs, errors.New("choose one way to authenticate: client secret, certificate, workload identity, managed identity and CLI credentials are mutually exclusive"))
	}
	needsTenant := s.auth == authSecret || s.auth == authCertificate || s.auth == authWorkloadIdentity
	if s.tenantID == "" && needsTenant {
		errs = append(errs, errors.New("azure-tenant-id (BATON_AZURE_TENANT_ID) is required: the Directory (tenant) ID of the app registration"))
	} else if s.tenantID != "" && !tenantIDPattern.MatchString(s.tenantID) {
		errs = append(errs, fmt.Errorf("azure-tenant-id %q is not a tenant id: expected a GUID or a domain such as contoso.onmicrosoft.com", s.tenantID))
	}
	if s.clientID == "" && (s.auth == authSecret || s.auth == authCertificate) {
		errs = append(errs, errors.New("azure-client-id (BATON_AZURE_CLIENT_ID) is required: the Application (client) ID of the app registration"))
	} else if s.clientID != "" && !guidPattern.MatchString(s.clientID) {
		errs = append(errs, fmt.Errorf("azure-client-id %q is not a GUID: copy the Application (client) ID from the app registration's overview", s.clientID))
	}

	inheritance, err := inheritanceMode(cfg.RbacInheritance, cfg.DisableRbacInheritance)
	if err != nil {
		errs = append(errs, err)
	}
	s.inheritance = inheritance
	cl, err := cloudByName(cfg.Cloud)
	if err != nil {
		errs = append(errs, err)
	}
	s.authority, s.arm, s.armAudience = cl.authority, cl.arm, cl.armAudience
	graphHost := cl.graphHost
	if cfg.GraphDomain != "" && !(cfg.GraphDomain == "graph.microsoft.com" && cfg.Cloud != "" && cfg.Cloud != "public") {
		graphHost = cfg.GraphDomain
	}
	if strings.Contains(graphHost, "/") || graphHost == "" {
		errs = append(errs, fmt.Errorf("graph-domain %q must be a host[:port] such as graph.microsoft.com (no scheme or path)", graphHost))
	}
	s.graphBase = "https://" + graphHost
	if cfg.AuthorityHost != "" {
		if s.authority, err = httpsURL("authority-host", cfg.AuthorityHost); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.ArmEndpoint != "" {
		if s.arm, err = httpsURL("arm-endpoint", cfg.ArmEndpoint); err != nil {
			errs = append(errs, err)
		}
	}
	if s.httpClient, err = newHTTPClient(cfg.CaFile); err != nil {
		errs = append(errs, err)
	}
	if s.pimDuration, err = pimDuration(cfg.PimDefaultDuration); err != nil {
		errs = append(errs, err)
	}
	if s.pimJustification == "" {
		s.pimJustification = "Requested through baton-azure"
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// pimDuration parses pim-default-duration; empty means the default of 8 hours.
func pimDuration(v string) (time.Duration, error) {
	if v == "" {
		return 8 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 5*time.Minute || d > maxPIMDuration {
		return 0, fmt.Errorf("pim-default-duration %q must be a duration between 5m and 8784h (366 days), such as 8h or 720h", v)
	}
	return d, nil
}

func httpsURL(name, v string) (string, error) {
	u, err := url.Parse(strings.TrimRight(v, "/"))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%s %q must be an https URL such as https://login.microsoftonline.com (Azure refuses plain http)", name, v)
	}
	return u.String(), nil
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// newHTTPClient returns the client for every Azure call: system roots plus the optional CA file. TLS
// verification is never disabled.
func newHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	tr.ForceAttemptHTTP2 = true
	if caFile != "" {
		pemBytes, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("ca-file %s holds no PEM certificate: give a PEM file such as azsim's ca.pem", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}, nil
}
