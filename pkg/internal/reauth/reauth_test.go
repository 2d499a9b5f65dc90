package reauth_test

import (
	"testing"

	"github.com/baton-azure/baton-azure/pkg/internal/reauth"
)

func TestExpired_RecognisesOnlyExpiredTokenAnswers(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}`: true,
		`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`:     true,
		`{"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry UTC time ..."}}`:              true,
		`{"error":{"code":"InvalidAuthenticationToken","message":"Signing key is invalid."}}`:                           false,
		`{"error":{"code":"InvalidAuthenticationTokenAudience","message":"The access token has an invalid audience."}}`: false,
		`{"error":{"code":"Authorization_RequestDenied","message":"expired"}}`:                                          false,
		`not json`: false,
		``:         false,
	} {
		if got := reauth.Expired([]byte(body)); got != want {
			t.Errorf("Expired(%s) = %v, want %v", body, got, want)
		}
	}
}
