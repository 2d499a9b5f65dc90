package azsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// tokenIssuer signs and verifies azsim's access tokens (RS256 JWTs, as Entra issues them).
type tokenIssuer struct {
	key *rsa.PrivateKey
	kid string
	// verified caches the claims of tokens whose signature was checked; expiry is checked on every use.
	mu       sync.Mutex
	verified map[string]*accessClaims
}

// maxVerifiedTokens bounds the signature cache; it is cleared when full.
const maxVerifiedTokens = 4096

func newTokenIssuer() (*tokenIssuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	return &tokenIssuer{key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:12]), verified: map[string]*accessClaims{}}, nil
}

// accessClaims are the claims of an app-only access token.
type accessClaims struct {
	jwt.RegisteredClaims
	// Aud shadows RegisteredClaims.Audience so aud is a string, as in Entra's tokens.
	Aud      string   `json:"aud"`
	TenantID string   `json:"tid"`
	AppID    string   `json:"appid"`
	AZP      string   `json:"azp"`
	ObjectID string   `json:"oid"`
	IDType   string   `json:"idtyp"`
	Roles    []string `json:"roles,omitempty"`
	Version  string   `json:"ver"`
}

func (t *tokenIssuer) issue(c accessClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = t.kid
	return tok.SignedString(t.key)
}

// errTokenExpired distinguishes expiry from other validation failures (the APIs word them differently).
var errTokenExpired = errors.New("token expired")

// verify checks signature and expiry (against now) and returns the claims.
func (t *tokenIssuer) verify(raw string, now time.Time) (*accessClaims, error) {
	t.mu.Lock()
	cached := t.verified[raw]
	t.mu.Unlock()
	if cached != nil {
		if !now.Before(cached.ExpiresAt.Time) {
			return cached, errTokenExpired
		}
		return cached, nil
	}
	var c accessClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return &t.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithExpirationRequired())
	if errors.Is(err, jwt.ErrTokenExpired) {
		return &c, errTokenExpired
	}
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if len(t.verified) >= maxVerifiedTokens {
		t.verified = map[string]*accessClaims{}
	}
	t.verified[raw] = &c
	t.mu.Unlock()
	return &c, nil
}

// jwks is the public signing key set served at /{tenant}/discovery/v2.0/keys.
func (t *tokenIssuer) jwks() map[string]any {
	pub := t.key.PublicKey
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "kid": t.kid, "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

func newID() string { return uuid.NewString() }
