package azsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// pki is the certificate authority azsim serves under: the CA certificate clients trust and the leaf
// certificate the listeners present.
type pki struct {
	caPEM []byte
	pool  *x509.CertPool
	leaf  tls.Certificate
}

// realHostnames are the public cloud hostnames azsim answers for in virtual-host mode. The leaf
// certificate always carries them so that any Azure tool works with a hosts-file entry and the CA file.
func realHostnames() []string {
	return []string{
		"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
		"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn",
		"management.azure.com", "management.usgovcloudapi.net", "management.chinacloudapi.cn",
	}
}

// inProcessHosts are the hostnames of the in-process (no listener) mode.
const (
	inProcLoginHost = "login.azsim.test"
	inProcGraphHost = "graph.azsim.test"
	inProcARMHost   = "management.azsim.test"
)

// loadPKI loads a CA-issued leaf from files, or mints a fresh CA and leaf valid for loopback, the real
// cloud hostnames, the in-process hostnames and any extra names.
func loadPKI(certFile, keyFile, caFile string, extraNames []string) (*pki, error) {
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" || caFile == "" {
			return nil, fmt.Errorf("azsim: TLS files: certificate, key and CA file must be given together")
		}
		leaf, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("azsim: load TLS key pair: %w", err)
		}
		caPEM, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("azsim: read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("azsim: CA file %s holds no PEM certificate", caFile)
		}
		return &pki{caPEM: caPEM, pool: pool, leaf: leaf}, nil
	}
	return mintPKI(extraNames)
}

func mintPKI(extraNames []string) (*pki, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "azsim local CA", Organization: []string{"azsim"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	names := append([]string{"localhost", inProcLoginHost, inProcGraphHost, inProcARMHost}, realHostnames()...)
	names = append(names, extraNames...)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "azsim", Organization: []string{"azsim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
		} else {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, n)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	leaf := tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}
	return &pki{caPEM: caPEM, pool: pool, leaf: leaf}, nil
}
