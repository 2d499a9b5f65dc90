package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/crypto"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Account-creation profile fields (ConnectorMetadata.AccountCreationSchema); the login is the UPN.
const (
	acctDisplayName   = "display_name"
	acctMailNickname  = "mail_nickname"
	acctUsageLocation = "usage_location"
	acctGivenName     = "given_name"
	acctSurname       = "surname"
	// baton-sdk's CLI copies --create-account-login and --create-account-email into the profile too.
	acctLogin = "login"
	acctEmail = "email"
)

// Password length bounds: Entra accepts 8–256 characters; baton-azure never generates fewer than 16.
const (
	minGeneratedPassword = 16
	maxEntraPassword     = 256
)

// accountCreationSchema describes the profile CreateAccount reads, for ConductorOne's account form.
func accountCreationSchema() *v2.ConnectorAccountCreationSchema {
	str := func(order int32, name, desc, placeholder string, required bool) *v2.ConnectorAccountCreationSchema_Field {
		return v2.ConnectorAccountCreationSchema_Field_builder{DisplayName: name, Description: desc, Placeholder: placeholder,
			Required: required, Order: order, StringField: &v2.ConnectorAccountCreationSchema_StringField{}}.Build()
	}
	return v2.ConnectorAccountCreationSchema_builder{FieldMap: map[string]*v2.ConnectorAccountCreationSchema_Field{
		acctDisplayName: str(1, "Display name", "The user's name as shown in the directory", "Ada Lovelace", true),
		acctMailNickname: str(2, "Mail nickname", "Mail alias; defaults to the part of the user principal name before @ ("+
			lifecycleMailNickForm+")", "ada.lovelace", false),
		acctUsageLocation: str(3, "Usage location", "Country where the user uses Microsoft services, needed before licenses can be assigned ("+
			lifecycleUsageLocation+")", "US", false),
		acctGivenName: str(4, "Given name", "First name", "Ada", false),
		acctSurname:   str(5, "Surname", "Last name", "Lovelace", false),
	}}.Build()
}

// CreateAccountCapabilityDetails: a generated random password is the only (and preferred) credential; the
// user must change it at first sign-in. baton-sdk refuses metadata whose preferred option is not listed.
func (s *userSyncer) CreateAccountCapabilityDetails(context.Context) (*v2.CredentialDetailsAccountProvisioning, annotations.Annotations, error) {
	return v2.CredentialDetailsAccountProvisioning_builder{
		SupportedCredentialOptions: []v2.CapabilityDetailCredentialOption{v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD},
		PreferredCredentialOption:  v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD,
	}.Build(), nil, nil
}

// newAccount is a validated account request.
type newAccount struct {
	user           graph.NewUser
	passwordLength int64
	constraints    []*v2.PasswordConstraint
}

// parseAccount validates an account request completely before anything is written.
func parseAccount(info *v2.AccountInfo, opts *v2.LocalCredentialOptions) (newAccount, error) {
	var a newAccount
	profile := info.GetProfile().AsMap()
	known := map[string]bool{acctDisplayName: true, acctMailNickname: true, acctUsageLocation: true, acctGivenName: true, acctSurname: true,
		acctLogin: true, acctEmail: true}
	var unknown []string
	str := map[string]string{}
	for k, v := range profile {
		if !known[k] {
			unknown = append(unknown, k)
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			return a, lifecycleInvalid("profile field "+k, "a string", fmt.Sprint(v))
		}
		str[k] = strings.TrimSpace(s)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return a, status.Errorf(codes.InvalidArgument, "%s: unknown account profile field(s) %s; the profile takes %s, %s, %s, %s and %s (and %s, %s as baton's CLI sets them)",
			errPrefix, strings.Join(unknown, ", "), acctDisplayName, acctMailNickname, acctUsageLocation, acctGivenName, acctSurname, acctLogin, acctEmail)
	}
	upn := strings.TrimSpace(info.GetLogin())
	switch {
	case upn == "":
		upn = str[acctLogin]
	case str[acctLogin] != "" && !strings.EqualFold(str[acctLogin], upn):
		return a, status.Errorf(codes.InvalidArgument, "%s: the account login %q and the profile's login %q differ; give the user principal name once",
			errPrefix, upn, str[acctLogin])
	}
	if err := checkUPN(upn); err != nil {
		return a, err
	}
	if str[acctDisplayName] == "" || len(str[acctDisplayName]) > 256 {
		return a, lifecycleInvalid("profile field "+acctDisplayName, "the user's display name (1–256 characters)", str[acctDisplayName])
	}
	nick := str[acctMailNickname]
	if _, given := profile[acctMailNickname]; !given {
		nick = mailNicknameFrom(upn[:strings.IndexByte(upn, '@')])
	}
	if !lifecycleMailNick.MatchString(nick) {
		return a, lifecycleInvalid("profile field "+acctMailNickname, lifecycleMailNickForm, nick)
	}
	if loc := str[acctUsageLocation]; loc != "" && !lifecycleCountry.MatchString(loc) {
		return a, lifecycleInvalid("profile field "+acctUsageLocation, lifecycleUsageLocation, loc)
	}
	for _, e := range info.GetEmails() {
		if e.GetIsPrimary() || a.user.Mail == "" {
			a.user.Mail = strings.TrimSpace(e.GetAddress())
		}
	}
	if a.user.Mail == "" {
		a.user.Mail = str[acctEmail]
	}
	if a.user.Mail != "" && checkUPN(a.user.Mail) != nil {
		return a, lifecycleInvalid("email", "an email address, e.g. ada@contoso.com", a.user.Mail)
	}
	switch {
	case opts.GetRandomPassword() != nil:
		a.passwordLength = max(opts.GetRandomPassword().GetLength(), minGeneratedPassword)
		a.constraints = opts.GetRandomPassword().GetConstraints()
		if a.passwordLength > maxEntraPassword {
			return a, status.Errorf(codes.InvalidArgument, "%s: password length must be at most %d (Entra's limit); got %d",
				errPrefix, maxEntraPassword, opts.GetRandomPassword().GetLength())
		}
	case opts == nil:
		a.passwordLength = 24
	default:
		return a, status.Errorf(codes.InvalidArgument, "%s: Microsoft Entra users are created with a generated random password "+
			"(credential option random_password); other credential options are not supported", errPrefix)
	}
	a.user.AccountEnabled = true
	a.user.UserPrincipalName = upn
	a.user.DisplayName = str[acctDisplayName]
	a.user.MailNickname = nick
	a.user.UsageLocation = str[acctUsageLocation]
	a.user.GivenName = str[acctGivenName]
	a.user.Surname = str[acctSurname]
	return a, nil
}

// CreateAccount creates a cloud-only user with a generated password it returns once, as a baton plaintext
// credential (encrypted by baton-sdk for the requester), and that must be changed at the first sign-in.
// An existing user with the UPN is reported as AlreadyExists, unchanged.
func (s *userSyncer) CreateAccount(ctx context.Context, info *v2.AccountInfo, opts *v2.LocalCredentialOptions) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	a, err := parseAccount(info, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	existing, err := s.c.graph.LookupUser(ctx, a.user.UserPrincipalName)
	switch {
	case err == nil:
		r, err := userResource(existing, graph.RiskyUser{}, "")
		if err != nil {
			return nil, nil, nil, wrapErr(err, "build user "+existing.ID)
		}
		ctxzap.Extract(ctx).Info("baton-azure: account already exists", zap.String("user_id", existing.ID),
			zap.String("user_principal_name", existing.UserPrincipalName))
		return v2.CreateAccountResponse_AlreadyExistsResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil, nil
	case !isNotFound(err):
		return nil, nil, nil, lifecycleWriteErr(err, "look up user "+a.user.UserPrincipalName, permUserWrite)
	}
	password, err := crypto.GenerateRandomPassword(v2.LocalCredentialOptions_RandomPassword_builder{
		Length: a.passwordLength, Constraints: a.constraints}.Build())
	if err != nil {
		return nil, nil, nil, status.Errorf(codes.InvalidArgument, "%s: generate a password: %v", errPrefix, err)
	}
	a.user.PasswordProfile.Password = password
	a.user.PasswordProfile.ForceChangePasswordNextSignIn = true
	created, err := s.c.graph.CreateUser(ctx, a.user)
	if err != nil {
		return nil, nil, nil, lifecycleWriteErr(err, "create user "+a.user.UserPrincipalName, permUserWrite)
	}
	r, err := userResource(created, graph.RiskyUser{}, "")
	if err != nil {
		return nil, nil, nil, wrapErr(err, "build user "+created.ID)
	}
	ctxzap.Extract(ctx).Info("baton-azure: created user", zap.String("user_id", created.ID),
		zap.String("user_principal_name", created.UserPrincipalName))
	return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(),
		[]*v2.PlaintextData{v2.PlaintextData_builder{Name: "password", Description: "initial password; the user must change it at the first sign-in",
			Bytes: []byte(password)}.Build()}, nil, nil
}

// Delete deletes a user (Graph keeps it restorable for 30 days). A user that no longer exists is already
// deleted: no error. Users synced from on-premises AD are refused (delete them there).
func (s *userSyncer) Delete(ctx context.Context, id *v2.ResourceId, _ *v2.ResourceId) (annotations.Annotations, error) {
	if id.GetResourceType() != typeUser {
		return nil, errLifecycleType("deleting a user", id.GetResourceType(), typeUser)
	}
	if err := checkObjectID("user id", id.GetResource()); err != nil {
		return nil, err
	}
	u, err := s.c.graph.LookupUser(ctx, id.GetResource())
	if isNotFound(err) {
		ctxzap.Extract(ctx).Info("baton-azure: user already deleted", zap.String("user_id", id.GetResource()))
		return nil, nil
	}
	if err != nil {
		return nil, lifecycleWriteErr(err, "look up user "+id.GetResource(), permUserWrite)
	}
	if u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled {
		return nil, status.Errorf(codes.FailedPrecondition, "%s: user %s (%s) is synced from on-premises Active Directory; delete it there",
			errPrefix, u.ID, u.UserPrincipalName)
	}
	if err := s.c.graph.DeleteUser(ctx, u.ID); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, lifecycleWriteErr(err, "delete user "+u.ID, permUserWrite)
	}
	ctxzap.Extract(ctx).Info("baton-azure: deleted user", zap.String("user_id", u.ID), zap.String("user_principal_name", u.UserPrincipalName))
	return nil, nil
}
