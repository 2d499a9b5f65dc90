package connector

import (
	"context"
	"strings"
	"sync"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"golang.org/x/sync/errgroup"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// userSyncer lists users; users are principals only (SkipEntitlementsAndGrants on the type).
type userSyncer struct{ c *Connector }

func (s *userSyncer) ResourceType(context.Context) *v2.ResourceType { return resourceTypeOf(typeUser) }

// mailboxConcurrency bounds the per-user mailboxSettings reads of one page.
const mailboxConcurrency = 8

func (s *userSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, nil, nil
	}
	page, err := s.c.graph.ListUsers(ctx, opts.PageToken.Token, !s.c.s.skipP2)
	if err != nil {
		if !s.c.s.skipP2 && isPremiumError(err) {
			return nil, nil, premiumError("sign-in activity", err)
		}
		return nil, nil, wrapErr(err, "list users")
	}
	risks, err := s.c.risk.get(ctx, s.c, opts.SyncID)
	if err != nil {
		return nil, nil, err
	}
	purposes, err := s.c.mailboxPurposes(ctx, page.Value)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Resource, 0, len(page.Value))
	for _, u := range page.Value {
		r, err := userResource(u, risks[strings.ToLower(u.ID)], purposes[u.ID])
		if err != nil {
			return nil, nil, wrapErr(err, "build user "+u.ID)
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: page.NextLink}, nil
}

func (s *userSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

func (s *userSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, nil, nil
}

// nonHumanPurposes are mailbox purposes that are not a person.
func isNonHumanMailbox(purpose string) bool {
	switch purpose {
	case "shared", "room", "equipment":
		return true
	}
	return false
}

func userResource(u graph.User, risk graph.RiskyUser, purpose string) (*v2.Resource, error) {
	status := v2.UserTrait_Status_STATUS_ENABLED
	if !u.AccountEnabled {
		status = v2.UserTrait_Status_STATUS_DISABLED
	}
	accountType := v2.UserTrait_ACCOUNT_TYPE_HUMAN
	if isNonHumanMailbox(purpose) {
		accountType = v2.UserTrait_ACCOUNT_TYPE_SERVICE
	}
	profile := map[string]any{
		"user_principal_name": u.UserPrincipalName, "user_type": u.UserType,
		"on_premises_synced": u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled,
	}
	setIf(profile, "job_title", u.JobTitle)
	setIf(profile, "department", u.Department)
	setIf(profile, "mailbox_purpose", purpose)
	setIf(profile, "risk_level", risk.RiskLevel)
	setIf(profile, "risk_state", risk.RiskState)
	if u.EmployeeLeaveDateTime != nil {
		profile["employee_leave_date"] = u.EmployeeLeaveDateTime.UTC().Format(time.RFC3339)
	}
	traits := []rs.UserTraitOption{rs.WithStatus(status), rs.WithUserLogin(u.UserPrincipalName), rs.WithAccountType(accountType),
		rs.WithUserProfile(profile)}
	if u.Mail != "" {
		traits = append(traits, rs.WithEmail(u.Mail, true))
	}
	if u.EmployeeID != "" {
		traits = append(traits, rs.WithEmployeeID(u.EmployeeID))
	}
	if last := lastSignIn(u.SignInActivity); last != nil {
		traits = append(traits, rs.WithLastLogin(*last))
	}
	if u.GivenName != "" || u.Surname != "" {
		traits = append(traits, rs.WithStructuredName(v2.UserTrait_StructuredName_builder{GivenName: u.GivenName, FamilyName: u.Surname}.Build()))
	}
	var opts []rs.ResourceOption
	if u.CreatedDateTime != nil {
		opts = append(opts, rs.WithResourceCreatedAt(*u.CreatedDateTime))
	}
	return rs.NewUserResource(u.DisplayName, resourceTypeOf(typeUser), u.ID, traits, opts...)
}

func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// lastSignIn is the latest of the interactive and non-interactive sign-ins.
func lastSignIn(a *graph.SignInActivity) *time.Time {
	if a == nil {
		return nil
	}
	var last *time.Time
	for _, t := range []*time.Time{a.LastSignInDateTime, a.LastNonInteractiveSignInDateTime} {
		if t != nil && (last == nil || t.After(*last)) {
			last = t
		}
	}
	return last
}

// mailboxPurposes reads the mailbox purpose of every user of a page when mailboxSettings is on. A user
// without an Exchange mailbox (404 MailboxNotEnabledForRESTAPI) is kept, with no purpose.
func (c *Connector) mailboxPurposes(ctx context.Context, users []graph.User) (map[string]string, error) {
	out := map[string]string{}
	if !c.s.mailboxSettings {
		return out, nil
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(mailboxConcurrency)
	for _, u := range users {
		g.Go(func() error {
			p, err := c.graph.MailboxPurpose(gctx, u.ID)
			if err != nil {
				if ge, ok := graph.AsError(err); ok && ge.StatusCode == 404 {
					return nil // no mailbox (or not in Exchange Online): a person as far as we know
				}
				return wrapErr(err, "read mailbox settings of user "+u.ID)
			}
			mu.Lock()
			out[u.ID] = p
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

// riskCache holds identity-protection risk levels, loaded once per sync.
type riskCache struct {
	mu     sync.Mutex
	syncID string
	loaded bool
	byUser map[string]graph.RiskyUser
}

func newRiskCache() *riskCache { return &riskCache{} }

func (rc *riskCache) get(ctx context.Context, c *Connector, syncID string) (map[string]graph.RiskyUser, error) {
	if c.s.skipP2 {
		return nil, nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.loaded && rc.syncID == syncID {
		return rc.byUser, nil
	}
	m := map[string]graph.RiskyUser{}
	next := ""
	for {
		page, err := graph.ResendThrottled(func() (graph.Page[graph.RiskyUser], error) { return c.graph.ListRiskyUsers(ctx, next) })
		if err != nil {
			if isPremiumError(err) {
				return nil, premiumError("identity-protection risk levels", err)
			}
			return nil, wrapErr(err, "list risky users")
		}
		for _, r := range page.Value {
			m[strings.ToLower(r.ID)] = r
		}
		if next = page.NextLink; next == "" {
			break
		}
	}
	rc.byUser, rc.syncID, rc.loaded = m, syncID, true
	return m, nil
}
