package connector_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

func syncers(t *testing.T, b connectorbuilder.ConnectorBuilderV2) map[string]connectorbuilder.ResourceSyncerV2 {
	t.Helper()
	out := map[string]connectorbuilder.ResourceSyncerV2{}
	for _, s := range b.ResourceSyncers(context.Background()) {
		out[s.ResourceType(context.Background()).GetId()] = s
	}
	return out
}

func stub(typ, id string) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build(), DisplayName: id}.Build()
}

// TestPruneSafety_FailingCallsReturnErrorsNeverEmptyPages calls every List, Entitlements and Grants with
// an app lacking the permissions: each must fail with PermissionDenied, never return an empty page.
func TestPruneSafety_FailingCallsReturnErrorsNeverEmptyPages(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 4}, "azsim-limited")
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var groupID, roleID, auID, spID string
	s.ReadWorld(func(w *world.World) {
		groupID, roleID, auID = w.Groups[0].ID, w.DirectoryRoles[0].ID, w.AdministrativeUnits[0].ID
		spID = w.ServicePrincipals[0].ID
	})
	ctx := context.Background()
	sy := syncers(t, b)
	check := func(what string, n int, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: nil error with %d items from an app without permission", what, n)
			return
		}
		if c := status.Code(err); c != codes.PermissionDenied {
			t.Errorf("%s: code %v (%v), want PermissionDenied", what, c, err)
		}
	}
	for _, typ := range []string{"tenant", "group", "directory_role", "administrative_unit", "enterprise_application", "managed_identity", "license"} {
		rsrc, _, err := sy[typ].List(ctx, nil, rs.SyncOpAttrs{})
		check("List "+typ, len(rsrc), err)
	}
	// (License grants read /users, which User.Read.All allows: that call legitimately succeeds here.)
	for _, tok := range []string{"", workToken(groupID)} {
		gs, _, err := groupGrants(t, sy, tok)
		check("Grants of groups, token "+tok, len(gs), err)
	}
	for _, tok := range []string{"", appWorkToken(spID)} {
		gs, _, err := sy["enterprise_application"].(connectorbuilder.TypeScopedGrantsSyncer).GrantsForResourceType(ctx, "enterprise_application",
			rs.SyncOpAttrs{SyncID: "s1", PageToken: pagination.Token{Token: tok}})
		check("Grants of enterprise applications, token "+tok, len(gs), err)
	}
	for typ, id := range map[string]string{"directory_role": roleID, "administrative_unit": auID} {
		gs, _, err := sy[typ].Grants(ctx, stub(typ, id), rs.SyncOpAttrs{})
		check("Grants "+typ, len(gs), err)
	}
	for typ, id := range map[string]string{"administrative_unit": auID, "enterprise_application": spID} {
		es, _, err := sy[typ].Entitlements(ctx, stub(typ, id), rs.SyncOpAttrs{})
		check("Entitlements "+typ, len(es), err)
	}
}

func TestValidate_NamesEachMissingPermission(t *testing.T) {
	t.Parallel()
	_, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 5}, "azsim-limited")
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Validate(t.Context())
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Validate with a least-privilege app: %v, want PermissionDenied", err)
	}
	for _, want := range []string{"GroupMember.Read.All is not granted", "group members cannot be synced",
		"RoleManagement.Read.Directory is not granted", "AuditLog.Read.All is not granted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), " User.Read.All is not granted") {
		t.Errorf("Validate reports a granted permission as missing: %v", err)
	}
	if strings.Contains(err.Error(), "Directory.Read.All is not granted") {
		t.Errorf("Validate asks for what Azure RBAC needs from an app that can read no subscription: %v", err)
	}
	_, cfg = simConfig(t, azsim.Options{Preset: "tiny", Seed: 5}, azsim.ReaderAppName)
	b, _, err = connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Validate(t.Context()); err != nil {
		t.Fatalf("Validate with the reader app: %v", err)
	}
	cfg.AzureClientSecret = "wrong"
	b, _, err = connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Validate(t.Context()); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("Validate with a bad secret: %v", err)
	}
}

func TestUsers_CarryStatusLoginSignInLeaveDateRiskAndMailboxPurpose(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 6}, azsim.ReaderAppName)
	cfg.Mailboxsettings = true
	f := syncFile(t, cfg)
	users := resourcesOf(f, "user")
	checked := map[string]bool{}
	s.ReadWorld(func(w *world.World) {
		if len(users) != len(w.Users) {
			t.Errorf("synced %d users, world has %d (users without a mailbox must be kept)", len(users), len(w.Users))
		}
		for _, u := range w.Users {
			r := users[u.ID]
			if r == nil {
				continue
			}
			ut, err := rs.GetUserTrait(r)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus := v2.UserTrait_Status_STATUS_ENABLED
			if !u.AccountEnabled {
				wantStatus, checked["disabled"] = v2.UserTrait_Status_STATUS_DISABLED, true
			}
			if ut.GetStatus().GetStatus() != wantStatus || ut.GetLogin() != u.UserPrincipalName {
				t.Errorf("user %s: status %v login %q", u.ID, ut.GetStatus().GetStatus(), ut.GetLogin())
			}
			wantType := v2.UserTrait_ACCOUNT_TYPE_HUMAN
			if u.MailboxPurpose == "shared" || u.MailboxPurpose == "room" || u.MailboxPurpose == "equipment" {
				wantType, checked["non-human mailbox"] = v2.UserTrait_ACCOUNT_TYPE_SERVICE, true
			}
			if ut.GetAccountType() != wantType {
				t.Errorf("user %s (mailbox %q): account type %v, want %v", u.ID, u.MailboxPurpose, ut.GetAccountType(), wantType)
			}
			if u.SignIn != nil {
				checked["sign-in"] = true
				if ut.GetLastLogin() == nil {
					t.Errorf("user %s: no last login", u.ID)
				}
			}
			profile := ut.GetProfile().AsMap()
			if u.EmployeeLeaveDateTime != nil {
				checked["leave date"] = true
				if profile["employee_leave_date"] == nil {
					t.Errorf("user %s: no leave date in profile", u.ID)
				}
			}
			if u.Risk != nil {
				checked["risk"] = true
				if profile["risk_level"] != u.Risk.Level {
					t.Errorf("user %s: risk_level %v, want %s", u.ID, profile["risk_level"], u.Risk.Level)
				}
			}
			if profile["user_type"] != u.UserType {
				t.Errorf("user %s: user_type %v, want %s", u.ID, profile["user_type"], u.UserType)
			}
		}
	})
	for _, k := range []string{"disabled", "non-human mailbox", "sign-in", "leave date", "risk"} {
		if !checked[k] {
			t.Errorf("tiny exercised no user with %s", k)
		}
	}
}

func TestExternalResources_GrantsMatchUsersByObjectID(t *testing.T) {
	t.Parallel()
	_, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 7}, azsim.ReaderAppName)
	cfg.EnableSyncExternalResourcesViaBatonId = true
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sy := syncers(t, b)
	if _, ok := sy["user"]; ok {
		t.Fatal("users are synced although identities come from another connector's c1z")
	}
	// Walk the type-scoped group grants: the fan-out's cursors, each to its end.
	_, fan, err := groupGrants(t, sy, "")
	if err != nil {
		t.Fatal(err)
	}
	var enq v2.EnqueuePageTokens
	annos := annotations.Annotations(fan.Annotations)
	if ok, err := annos.Pick(&enq); !ok || err != nil {
		t.Fatalf("fan-out enqueued nothing (%v)", err)
	}
	matched := 0
	for _, tok := range enq.GetPageTokens() {
		grants, _, err := groupGrants(t, sy, tok)
		if err != nil {
			t.Fatal(err)
		}
		for _, gr := range grants {
			if gr.GetPrincipal().GetId().GetResourceType() != "user" {
				continue
			}
			var m v2.ExternalResourceMatchID
			found := false
			for _, a := range gr.GetAnnotations() {
				if a.MessageIs(&m) && a.UnmarshalTo(&m) == nil {
					found = true
				}
			}
			if !found || m.GetId() != gr.GetPrincipal().GetId().GetResource() {
				t.Fatalf("grant %s to a user lacks ExternalResourceMatchID of the object id", gr.GetId())
			}
			matched++
		}
	}
	if matched == 0 {
		t.Fatal("no user grants checked")
	}
}

func TestCertificateCredential_ValidatesAgainstTheTenant(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 10}, azsim.ReaderAppName)
	pemBytes, cert, err := azsim.NewClientCertificate("baton-azure test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddClientCertificate(cfg.AzureClientId, cert); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.AzureClientSecret, cfg.AzureClientCertificatePath = "", path
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Validate(t.Context()); err != nil {
		t.Fatalf("Validate with a certificate credential: %v", err)
	}
	// A certificate the app registration does not know is refused by the authority.
	other, _, err := azsim.NewClientCertificate("unregistered")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, other, 0o600); err != nil {
		t.Fatal(err)
	}
	b, _, err = connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Validate(t.Context()); err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("Validate with an unregistered certificate: %v", err)
	}
}
