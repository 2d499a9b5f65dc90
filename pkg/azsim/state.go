package azsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Endpoints is the content of endpoints.json: everything a script needs to point a client at azsim.
type Endpoints struct {
	TenantID              string           `json:"tenant_id"`
	ClientID              string           `json:"client_id"`
	ClientSecret          string           `json:"client_secret"`
	ClientCertificatePath string           `json:"client_certificate_path"`
	AuthorityHost         string           `json:"authority_host"`
	Graph                 string           `json:"graph"`
	GraphURL              string           `json:"graph_url"`
	ARM                   string           `json:"arm"`
	Admin                 string           `json:"admin"`
	CAFile                string           `json:"ca_file"`
	VHostAddr             string           `json:"vhost_addr,omitempty"`
	Preset                string           `json:"preset"`
	Seed                  uint64           `json:"seed"`
	Apps                  []AppCredentials `json:"apps"`
}

// Endpoints describes how to reach this server; file paths are filled only with a state directory.
func (s *Server) Endpoints() (Endpoints, error) {
	reader, err := s.App(ReaderAppName)
	if err != nil {
		return Endpoints{}, errNoApp
	}
	e := Endpoints{
		TenantID: s.TenantID(), ClientID: reader.ClientID, ClientSecret: reader.ClientSecret,
		AuthorityHost: s.loginURL, Graph: strings.TrimPrefix(s.graphURL, "https://"), GraphURL: s.graphURL, ARM: s.armURL,
		Admin: s.AdminURL(), VHostAddr: s.vhostAddr, Preset: s.opts.Preset, Seed: s.opts.Seed, Apps: s.Apps(),
	}
	if s.opts.StateDir != "" {
		e.CAFile = filepath.Join(s.opts.StateDir, "ca.pem")
		e.ClientCertificatePath = filepath.Join(s.opts.StateDir, "client.pem")
	}
	return e, nil
}

// writeState writes ca.pem and client.pem, then endpoints.json last (atomically), so its existence
// signals readiness.
func (s *Server) writeState() error {
	dir := s.opts.StateDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("azsim: state dir: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "ca.pem"), s.pki.caPEM, 0o644); err != nil {
		return err
	}
	reader, err := s.App(ReaderAppName)
	if err != nil {
		return err
	}
	certPEM, cert, err := NewClientCertificate("azsim " + ReaderAppName)
	if err != nil {
		return err
	}
	if err := s.AddClientCertificate(reader.ClientID, cert); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, "client.pem"), certPEM, 0o600); err != nil {
		return err
	}
	e, err := s.Endpoints()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "endpoints.json"), append(b, '\n'), 0o600)
}

// NewClientCertificate mints a self-signed RSA certificate for app authentication and returns the PEM of
// certificate and PKCS#8 key together (the format azidentity.ParseCertificates reads).
func NewClientCertificate(cn string) ([]byte, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	return out, cert, nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("azsim: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("azsim: write %s: %w", path, err)
	}
	return nil
}
