package connector

import (
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// clientOptions points azcore at the configured cloud with the connector's HTTP client.
func (s *settings) clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud: cloud.Configuration{
			ActiveDirectoryAuthorityHost: s.authority + "/",
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: s.arm, Audience: s.armAudience},
			},
		},
		Transport: s.httpClient,
		Retry:     policy.RetryOptions{MaxRetries: 2},
	}
}

// armOptions configures the ARM client: the cloud's (or overridden) endpoint and audience, the connector's
// HTTP client, and no resource-provider registration (the sync only reads).
func (s *settings) armOptions() *azarm.ClientOptions {
	return &azarm.ClientOptions{ClientOptions: s.clientOptions(), DisableRPRegistration: true}
}

// credential builds the token credential for the chosen authentication method.
func (s *settings) credential() (azcore.TokenCredential, error) {
	opts := s.clientOptions()
	disable := !isMicrosoftAuthorityURL(s.authority)
	switch s.auth {
	case authSecret:
		return azidentity.NewClientSecretCredential(s.tenantID, s.clientID, s.clientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disable})
	case authCertificate:
		data, err := os.ReadFile(s.certPath)
		if err != nil {
			return nil, fmt.Errorf("azure-client-certificate-path: %w", err)
		}
		var pw []byte
		if s.certPassword != "" {
			pw = []byte(s.certPassword)
		}
		certs, key, err := azidentity.ParseCertificates(data, pw)
		if err != nil {
			return nil, fmt.Errorf("azure-client-certificate-path %s: %w (expected PEM with certificate and private key, or PKCS#12)", s.certPath, err)
		}
		return azidentity.NewClientCertificateCredential(s.tenantID, s.clientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disable, SendCertificateChain: true})
	case authWorkloadIdentity:
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, ClientID: s.clientID, TenantID: s.tenantID, TokenFilePath: s.federatedTokenFile,
			DisableInstanceDiscovery: disable})
	case authManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if s.clientID != "" {
			o.ID = azidentity.ClientID(s.clientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case authCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.tenantID})
	}
	return nil, fmt.Errorf("no authentication method configured")
}

func isMicrosoftAuthorityURL(u string) bool {
	const p = "https://"
	if len(u) <= len(p) {
		return false
	}
	return isMicrosoftAuthority(u[len(p):])
}
