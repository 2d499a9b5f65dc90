package connector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/baton-azure/baton-azure/pkg/arm"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

// errPrefix starts every error the connector returns.
const errPrefix = "baton-azure"

// defaultRetryAfter is how long to wait on a throttled answer that carries no Retry-After.
const defaultRetryAfter = 5 * time.Second

// transportRetryAfter is how long to wait after a transport failure (connection reset, timeout): it is
// handed to baton-sdk as the retry time, instead of its linear back-off of 15 s more per attempt.
const transportRetryAfter = time.Second

// wrapErr turns a failed Azure call (Microsoft Graph or ARM) into a gRPC status error with the right code, so the syncer retries
// what is transient and fails on the rest; it never turns an error into an empty result.
//
//	401 → Unauthenticated, 403 → PermissionDenied, 404 → NotFound,
//	429, 502, 503, 504 → Unavailable with a RateLimitDescription reset at now + Retry-After,
//	400 and other 4xx → InvalidArgument/FailedPrecondition, 5xx → Unavailable.
func wrapErr(err error, action string) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("%s: %s: %v", errPrefix, action, err)
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		return status.Error(s.Code(), msg)
	}
	if errors.Is(err, context.Canceled) {
		return status.Error(codes.Canceled, msg)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return status.Error(codes.DeadlineExceeded, msg)
	}
	// The token endpoint refused the credential (a wrong or expired secret, an unknown app): retrying
	// cannot help, so it must not be Unavailable.
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil && afe.RawResponse.StatusCode >= 400 && afe.RawResponse.StatusCode < 500 &&
		afe.RawResponse.StatusCode != http.StatusTooManyRequests {
		return status.Error(codes.Unauthenticated, msg)
	}
	// A certificate that does not verify will not verify on a retry either.
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	// (MSAL flattens its transport errors to text, so match Go's messages too.)
	if errors.As(err, &cve) || errors.As(err, &uae) || strings.Contains(err.Error(), "tls: failed to verify certificate") ||
		strings.Contains(err.Error(), "x509: certificate signed by unknown authority") {
		return status.Error(codes.FailedPrecondition, msg+" — the server's TLS certificate is not trusted: check the endpoint, "+
			"or give the CA that signed it with ca-file (BATON_CA_FILE)")
	}
	var fh *graph.ForeignHostError
	var afh *arm.ForeignHostError
	if errors.As(err, &fh) || errors.As(err, &afh) {
		return status.Error(codes.PermissionDenied, msg)
	}
	httpStatus, retryAfter := http.StatusServiceUnavailable, transportRetryAfter // transport failures are transient
	if ge, ok := graph.AsError(err); ok {
		httpStatus, retryAfter = ge.StatusCode, ge.RetryAfter
		if ge.StatusCode == http.StatusForbidden {
			msg += graphForbiddenFix
		}
	} else if ae, ok := arm.AsError(err); ok {
		httpStatus, retryAfter = ae.StatusCode, ae.RetryAfter
	}
	code := grpcCode(httpStatus)
	st := status.New(code, msg)
	if code == codes.Unavailable {
		wait := retryAfter
		if wait <= 0 {
			wait = defaultRetryAfter
		}
		if withDetail, derr := st.WithDetails(v2.RateLimitDescription_builder{
			Status:  v2.RateLimitDescription_STATUS_OVERLIMIT,
			ResetAt: timestamppb.New(time.Now().Add(wait)),
		}.Build()); derr == nil {
			st = withDetail
		}
	}
	return st.Err()
}

// graphForbiddenFix tells what to do about a Graph 403 on a read.
const graphForbiddenFix = " — Microsoft Graph refused the app: grant it the application permissions `baton-azure permissions` lists " +
	"(with admin consent); members of a group with hidden membership also need Member.Read.Hidden"

// grpcCode is the single mapping from an HTTP status to a gRPC code.
func grpcCode(httpStatus int) codes.Code {
	switch httpStatus {
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound, http.StatusGone:
		return codes.NotFound
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
		http.StatusRequestTimeout:
		return codes.Unavailable
	case http.StatusConflict, http.StatusPreconditionFailed:
		return codes.FailedPrecondition
	}
	switch {
	case httpStatus >= 500:
		return codes.Unavailable
	case httpStatus >= 400:
		return codes.InvalidArgument
	}
	return codes.Unknown
}

// premiumError explains a P2-gated failure and names the flag that skips these features.
func premiumError(feature string, err error) error {
	return status.Errorf(codes.FailedPrecondition, "%s: %s needs Microsoft Entra ID P2 or ID Governance, which this tenant lacks (%v); "+
		"set skip-entra-id-p2-license-features (BATON_SKIP_ENTRA_ID_P2_LICENSE_FEATURES=true) to sync without it", errPrefix, feature, err)
}

// isPremiumError reports whether err is Graph's or ARM's answer for a missing P2 license.
func isPremiumError(err error) bool {
	return graph.HasCode(err, graph.CodePremiumLicenseRequired) || graph.HasCode(err, graph.CodeNonPremiumTenant) ||
		arm.HasCode(err, arm.CodePremiumLicenseRequired)
}
