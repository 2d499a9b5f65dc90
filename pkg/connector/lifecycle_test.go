package connector_test

import (
	"context"
	"strings"
	"testing"
	"unicode"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/config"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

const provisionerApp = "baton-azure-provisioner"

// lifecycleFixture is a tiny azsim tenant, the connector authenticated as the provisioner app, its syncers,
// a gRPC client (as baton-sdk's runner talks to it) and a context whose log is recorded.
type lifecycleFixture struct {
	s       *azsim.Server
	cfg     *config.Azure
	users   connectorbuilder.ResourceSyncerV2
	groups  connectorbuilder.ResourceSyncerV2
	client  types.ConnectorClient
	ctx     context.Context
	logs    *observer.ObservedLogs
	domain  string
	builder connectorbuilder.ConnectorBuilderV2
}

func newLifecycleFixture(t *testing.T, app string) *lifecycleFixture {
	t.Helper()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 11}, app)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	f := &lifecycleFixture{s: s, cfg: cfg, client: synctest.Serve(t, b), logs: logs, builder: b,
		ctx: ctxzap.ToContext(t.Context(), zap.New(core))}
	for _, rs := range b.ResourceSyncers(t.Context()) {
		switch rs.ResourceType(t.Context()).GetId() {
		case "user":
			f.users = rs
		case "group":
			f.groups = rs
		}
	}
	s.ReadWorld(func(w *world.World) { f.domain = w.Tenant.DefaultDomain })
	return f
}

// graphWrites counts the Graph requests that change something (anything but GET).
func graphWrites(st azsim.Stats) int64 {
	var n int64
	for _, r := range st.Routes {
		if r.Service == "graph" && r.Method != "GET" {
			n += r.Requests
		}
	}
	return n
}

// sync runs a full sync as the reader app and returns the file.
func (f *lifecycleFixture) sync(t *testing.T) *synctest.File {
	t.Helper()
	return syncFile(t, f.cfg)
}

func (f *lifecycleFixture) accounts(t *testing.T) connectorbuilder.AccountManagerLimited {
	t.Helper()
	am, ok := f.users.(connectorbuilder.AccountManagerLimited)
	if !ok {
		t.Fatal("the user syncer is not an account manager")
	}
	return am
}

func profile(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomPassword(n int64) *v2.LocalCredentialOptions {
	return v2.LocalCredentialOptions_builder{RandomPassword: v2.LocalCredentialOptions_RandomPassword_builder{Length: n}.Build()}.Build()
}

// TestMetadata_OffersAccountCreationWithAGeneratedPassword: GetMetadata (through baton-sdk, which refuses
// credential details whose preferred option is not supported) carries the account-creation schema and a
// random password as the preferred and only credential.
func TestMetadata_OffersAccountCreationWithAGeneratedPassword(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	md, err := f.client.GetMetadata(t.Context(), &v2.ConnectorServiceGetMetadataRequest{})
	if err != nil {
		t.Fatalf("GetMetadata: %v", err)
	}
	schema := md.GetMetadata().GetAccountCreationSchema().GetFieldMap()
	for name, required := range map[string]bool{"display_name": true, "mail_nickname": false, "usage_location": false, "given_name": false, "surname": false} {
		if schema[name] == nil || schema[name].GetRequired() != required || schema[name].GetStringField() == nil {
			t.Errorf("account creation schema field %s: %v, want a string field, required %v", name, schema[name], required)
		}
	}
	creds := md.GetMetadata().GetCapabilities().GetCredentialDetails().GetCapabilityAccountProvisioning()
	random := v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD
	if creds.GetPreferredCredentialOption() != random || len(creds.GetSupportedCredentialOptions()) != 1 || creds.GetSupportedCredentialOptions()[0] != random {
		t.Errorf("account provisioning credentials: %v", creds)
	}
}

// TestCreateAccount_CreatesTheUserAndReturnsTheGeneratedPasswordOnce: the user exists in the tenant with
// the profile given, must change the password at first sign-in, and shows up in the next sync; the
// password is returned as a plaintext credential and never logged. Creating it again is AlreadyExists and
// writes nothing.
func TestCreateAccount_CreatesTheUserAndReturnsTheGeneratedPasswordOnce(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	upn := "new.hire@" + f.domain
	// The profile as baton's CLI builds it: the login repeated under "login".
	info := v2.AccountInfo_builder{Login: upn, Profile: profile(t, map[string]any{"login": upn,
		"display_name": "New Hire", "usage_location": "DE", "given_name": "New", "surname": "Hire"}),
		Emails: []*v2.AccountInfo_Email{v2.AccountInfo_Email_builder{Address: "new.hire@example.org", IsPrimary: true}.Build()}}.Build()
	res, creds, _, err := f.accounts(t).CreateAccount(f.ctx, info, randomPassword(20))
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	ok, isSuccess := res.(*v2.CreateAccountResponse_SuccessResult)
	if !isSuccess || !ok.GetIsCreateAccountResult() {
		t.Fatalf("result %T %v, want a success result", res, res)
	}
	id := ok.GetResource().GetId().GetResource()
	if len(creds) != 1 || creds[0].GetName() != "password" {
		t.Fatalf("credentials: %v", creds)
	}
	password := string(creds[0].GetBytes())
	var classes [4]bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			classes[0] = true
		case unicode.IsLower(r):
			classes[1] = true
		case unicode.IsDigit(r):
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	if len(password) != 20 || classes != [4]bool{true, true, true, true} {
		t.Errorf("password of %d characters, classes %v: want 20 with upper, lower, digit and symbol", len(password), classes)
	}
	f.s.ReadWorld(func(w *world.World) {
		u := w.User(id)
		if u == nil {
			t.Fatalf("no user %s in the tenant", id)
		}
		if u.UserPrincipalName != upn || u.DisplayName != "New Hire" || u.UsageLocation != "DE" || u.GivenName != "New" ||
			u.Surname != "Hire" || u.Mail != "new.hire@example.org" || !u.AccountEnabled || !u.ForceChangePasswordNextSignIn {
			t.Errorf("created user: %+v", u)
		}
	})
	writes := graphWrites(f.s.Stats())
	if writes != 1 {
		t.Errorf("%d Graph writes, want exactly the POST /users", writes)
	}

	// Again: AlreadyExists with the same user, and no write.
	res, creds, _, err = f.accounts(t).CreateAccount(f.ctx, info, randomPassword(20))
	exists, isExists := res.(*v2.CreateAccountResponse_AlreadyExistsResult)
	if err != nil || !isExists || exists.GetResource().GetId().GetResource() != id || len(creds) != 0 {
		t.Errorf("second CreateAccount: %T %v creds %d err %v, want AlreadyExists for %s", res, res, len(creds), err, id)
	}
	if got := graphWrites(f.s.Stats()); got != writes {
		t.Errorf("creating an existing UPN sent %d writes", got-writes)
	}

	// The next sync shows the user with its login.
	users := resourcesOf(f.sync(t), "user")
	if users[id] == nil || users[id].GetDisplayName() != "New Hire" {
		t.Fatalf("the sync does not show user %s: %v", id, users[id])
	}
	for _, e := range f.logs.All() {
		line := e.Message
		for k, v := range e.ContextMap() {
			line += " " + k + "=" + strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toString(v), "\n", " "), "\t", " "))
		}
		if strings.Contains(line, password) {
			t.Fatalf("the log holds the password: %s", e.Message)
		}
	}
	if f.logs.FilterMessage("baton-azure: created user").FilterField(zap.String("user_id", id)).Len() != 1 {
		t.Errorf("no log line for the created user: %v", f.logs.All())
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return x.Error()
	}
	return ""
}

// TestCreateAccount_BadInputIsRefusedWithTheExpectedFormAndNothingIsWritten.
func TestCreateAccount_BadInputIsRefusedWithTheExpectedFormAndNothingIsWritten(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	good := map[string]any{"display_name": "Ada"}
	for name, c := range map[string]struct {
		login   string
		profile map[string]any
		opts    *v2.LocalCredentialOptions
		want    string
	}{
		"login without @":       {"ada", good, randomPassword(20), "alias@verified-domain"},
		"login with two @":      {"ada@x@" + f.domain, good, randomPassword(20), "alias@verified-domain"},
		"login with a space":    {"ada lovelace@" + f.domain, good, randomPassword(20), "alias@verified-domain"},
		"no display name":       {"ada@" + f.domain, map[string]any{}, randomPassword(20), "display_name must be the user's display name"},
		"usage location a name": {"ada@" + f.domain, map[string]any{"display_name": "Ada", "usage_location": "Germany"}, randomPassword(20), "two-letter ISO 3166"},
		"bad mail nickname":     {"ada@" + f.domain, map[string]any{"display_name": "Ada", "mail_nickname": "ada lovelace"}, randomPassword(20), "without spaces"},
		"unknown field":         {"ada@" + f.domain, map[string]any{"display_name": "Ada", "department": "R&D"}, randomPassword(20), "unknown account profile field(s) department"},
		"display name a number": {"ada@" + f.domain, map[string]any{"display_name": 7.0}, randomPassword(20), "must be a string"},
		"password too long":     {"ada@" + f.domain, good, randomPassword(300), "at most 256"},
		"two different logins":  {"ada@" + f.domain, map[string]any{"display_name": "Ada", "login": "eve@" + f.domain}, randomPassword(20), "differ"},
		"email not an address":  {"ada@" + f.domain, map[string]any{"display_name": "Ada", "email": "ada"}, randomPassword(20), "an email address"},
		"no password":           {"ada@" + f.domain, good, v2.LocalCredentialOptions_builder{NoPassword: &v2.LocalCredentialOptions_NoPassword{}}.Build(), "generated random password"},
	} {
		before := f.s.Stats().Requests
		info := v2.AccountInfo_builder{Login: c.login, Profile: profile(t, c.profile)}.Build()
		_, _, _, err := f.accounts(t).CreateAccount(f.ctx, info, c.opts)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want InvalidArgument mentioning %q", name, err, c.want)
		}
		if after := f.s.Stats().Requests; after != before {
			t.Errorf("%s: %d requests sent for a refused request", name, after-before)
		}
	}
}

// TestCreateAccount_WithoutWritePermissionNamesIt: the read-only app gets PermissionDenied naming
// User.ReadWrite.All.
func TestCreateAccount_WithoutWritePermissionNamesIt(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, azsim.ReaderAppName)
	info := v2.AccountInfo_builder{Login: "ada@" + f.domain, Profile: profile(t, map[string]any{"display_name": "Ada"})}.Build()
	_, _, _, err := f.accounts(t).CreateAccount(f.ctx, info, randomPassword(20))
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "User.ReadWrite.All") {
		t.Fatalf("%v, want PermissionDenied naming User.ReadWrite.All", err)
	}
}

// cloudUser returns an enabled, cloud-only user and an on-premises synced one of the tenant.
func (f *lifecycleFixture) cloudAndSyncedUser(t *testing.T) (cloud, synced string) {
	t.Helper()
	f.s.ReadWorld(func(w *world.World) {
		for _, u := range w.Users {
			onPrem := u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled
			switch {
			case onPrem && synced == "":
				synced = u.ID
			case !onPrem && u.AccountEnabled && cloud == "":
				cloud = u.ID
			}
		}
	})
	if cloud == "" || synced == "" {
		t.Fatal("tiny has no cloud-only enabled user or no synced user")
	}
	return cloud, synced
}

func userID(id string) *v2.ResourceId {
	return v2.ResourceId_builder{ResourceType: "user", Resource: id}.Build()
}

// TestDeleteUser_RemovesItFromTheNextSync: delete through baton-sdk's resource deleter; deleting again is a
// no-op without a write; synced users and malformed ids are refused without a write.
func TestDeleteUser_RemovesItFromTheNextSync(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	cloud, synced := f.cloudAndSyncedUser(t)
	del := func(id *v2.ResourceId) error {
		_, err := f.client.DeleteResourceV2(t.Context(), v2.DeleteResourceV2Request_builder{ResourceId: id}.Build())
		return err
	}
	if err := del(userID(cloud)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	f.s.ReadWorld(func(w *world.World) {
		if w.User(cloud) != nil {
			t.Errorf("user %s still exists", cloud)
		}
	})
	writes := graphWrites(f.s.Stats())
	if err := del(userID(cloud)); err != nil {
		t.Errorf("deleting a deleted user: %v, want success (already deleted)", err)
	}
	for name, c := range map[string]struct {
		id   *v2.ResourceId
		code codes.Code
		want string
	}{
		"synced user": {userID(synced), codes.FailedPrecondition, "on-premises Active Directory"},
		"not a GUID":  {userID("ada"), codes.InvalidArgument, "directory object id (GUID)"},
	} {
		err := del(c.id)
		if status.Code(err) != c.code || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %v mentioning %q", name, err, c.code, c.want)
		}
	}
	if got := graphWrites(f.s.Stats()); got != writes {
		t.Errorf("%d writes after the first delete, want none", got-writes)
	}
	users := resourcesOf(f.sync(t), "user")
	if users[cloud] != nil || users[synced] == nil {
		t.Errorf("after the delete the sync shows the deleted user: %v, the synced user: %v", users[cloud] != nil, users[synced] != nil)
	}
}

// TestDisableEnableUser_ResourceActions: disable_user and enable_user (baton resource actions) set
// accountEnabled; the sync shows the status; repeating one changes nothing and writes nothing.
func TestDisableEnableUser_ResourceActions(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	f.builder.(*connector.Connector).EnableWriteActions()
	cloud, synced := f.cloudAndSyncedUser(t)
	schemas, err := f.client.ListActionSchemas(t.Context(), v2.ListActionSchemasRequest_builder{ResourceTypeId: "user"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]v2.ActionType{}
	for _, s := range schemas.GetSchemas() {
		types[s.GetName()] = s.GetActionType()[0]
	}
	if types["disable_user"] != v2.ActionType_ACTION_TYPE_ACCOUNT_DISABLE || types["enable_user"] != v2.ActionType_ACTION_TYPE_ACCOUNT_ENABLE {
		t.Fatalf("user actions: %v", types)
	}
	invoke := func(action, typ, id string) (*structpb.Struct, error) {
		args := profile(t, map[string]any{"resource_id": map[string]any{"resource_type_id": typ, "resource_id": id}})
		resp, err := f.client.InvokeAction(t.Context(), v2.InvokeActionRequest_builder{Name: action, ResourceTypeId: "user", Args: args}.Build())
		if err != nil {
			return nil, err
		}
		if resp.GetStatus() != v2.BatonActionStatus_BATON_ACTION_STATUS_COMPLETE {
			return resp.GetResponse(), status.Errorf(codes.Unknown, "action status %v: %v", resp.GetStatus(), resp.GetResponse())
		}
		return resp.GetResponse(), nil
	}
	enabled := func() bool {
		var e bool
		f.s.ReadWorld(func(w *world.World) { e = w.User(cloud).AccountEnabled })
		return e
	}
	out, err := invoke("disable_user", "user", cloud)
	if err != nil || out.GetFields()["changed"].GetBoolValue() != true || enabled() {
		t.Fatalf("disable: %v %v, enabled %v", out, err, enabled())
	}
	status := resourcesOf(f.sync(t), "user")[cloud].GetStatus().GetStatus()
	if status != v2.Status_RESOURCE_STATUS_DISABLED {
		t.Errorf("after disable_user the sync shows status %v", status)
	}
	writes := graphWrites(f.s.Stats())
	out, err = invoke("disable_user", "user", cloud)
	if err != nil || out.GetFields()["changed"].GetBoolValue() || graphWrites(f.s.Stats()) != writes {
		t.Errorf("disabling a disabled user: %v %v, %d writes; want changed false and no write", out, err, graphWrites(f.s.Stats())-writes)
	}
	for name, c := range map[string][2]string{
		"synced user": {"user", synced}, "not a GUID": {"user", "ada"}, "a group": {"group", cloud},
	} {
		before := graphWrites(f.s.Stats())
		if _, err := invoke("disable_user", c[0], c[1]); err == nil {
			t.Errorf("%s: disable_user succeeded", name)
		}
		if graphWrites(f.s.Stats()) != before {
			t.Errorf("%s: a refused action wrote", name)
		}
	}
	if out, err := invoke("enable_user", "user", cloud); err != nil || !out.GetFields()["changed"].GetBoolValue() || !enabled() {
		t.Fatalf("enable: %v %v, enabled %v", out, err, enabled())
	}
	if s := resourcesOf(f.sync(t), "user")[cloud].GetStatus().GetStatus(); s != v2.Status_RESOURCE_STATUS_ENABLED {
		t.Errorf("after enable_user the sync shows status %v", s)
	}
}

// TestDisableUser_WithoutProvisioning_IsRefusedWithoutAWrite: baton-sdk serves resource actions in every
// mode; without provisioning enabled the connector refuses them (FailedPrecondition naming the flag) before
// any request, even with an app allowed to write.
func TestDisableUser_WithoutProvisioning_IsRefusedWithoutAWrite(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	cloud, _ := f.cloudAndSyncedUser(t)
	before := f.s.Stats().Requests
	for _, action := range []string{"disable_user", "enable_user"} {
		args := profile(t, map[string]any{"resource_id": map[string]any{"resource_type_id": "user", "resource_id": cloud}})
		resp, err := f.client.InvokeAction(t.Context(), v2.InvokeActionRequest_builder{Name: action, ResourceTypeId: "user", Args: args}.Build())
		if err != nil {
			t.Fatal(err)
		}
		msg := resp.GetResponse().GetFields()["error"].GetStringValue()
		if resp.GetStatus() != v2.BatonActionStatus_BATON_ACTION_STATUS_FAILED || !strings.Contains(msg, "FailedPrecondition") ||
			!strings.Contains(msg, "--provisioning") {
			t.Errorf("%s without provisioning: %v %q, want a failure (FailedPrecondition) naming --provisioning", action, resp.GetStatus(), msg)
		}
	}
	if n := f.s.Stats().Requests - before; n != 0 {
		t.Errorf("the refused actions sent %d requests", n)
	}
	var enabled bool
	f.s.ReadWorld(func(w *world.World) { enabled = w.User(cloud).AccountEnabled })
	if !enabled {
		t.Error("the user was disabled")
	}
}

func newGroupResource(t *testing.T, name string, p map[string]any) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "group"}.Build(), DisplayName: name, Profile: profile(t, p)}.Build()
}

// TestGroupLifecycle_CreateSecurityM365AndRoleAssignable_ThenDelete: each kind is created as asked and
// synced with that kind; deleting removes it from the next sync, deleting again writes nothing; bad input
// is refused without a write.
func TestGroupLifecycle_CreateSecurityM365AndRoleAssignable_ThenDelete(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t, provisionerApp)
	create := func(r *v2.Resource) (*v2.Resource, error) {
		resp, err := f.client.CreateResource(t.Context(), v2.CreateResourceRequest_builder{Resource: r}.Build())
		return resp.GetCreated(), err
	}
	type want struct {
		kind                  string
		roleAssignable, types bool
		visibility            string
	}
	ids := map[string]want{}
	for name, c := range map[string]struct {
		profile map[string]any
		want    want
	}{
		"Lifecycle Security":        {map[string]any{"description": "made by a test"}, want{kind: "security"}},
		"Lifecycle M365":            {map[string]any{"kind": "m365", "visibility": "Private", "mail_nickname": "lifecycle-m365"}, want{kind: "m365", types: true, visibility: "Private"}},
		"Lifecycle Role Assignable": {map[string]any{"kind": "security", "role_assignable": true}, want{kind: "security", roleAssignable: true, visibility: "Private"}},
	} {
		got, err := create(newGroupResource(t, name, c.profile))
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		id := got.GetId().GetResource()
		ids[id] = c.want
		f.s.ReadWorld(func(w *world.World) {
			g := w.Group(id)
			if g == nil || g.DisplayName != name || g.IsUnified() != c.want.types || g.IsAssignableToRole != c.want.roleAssignable ||
				g.SecurityEnabled != (c.want.kind == "security") || c.want.visibility != "" && g.Visibility != c.want.visibility {
				t.Errorf("%s: world has %+v", name, g)
			}
		})
		if got.GetProfile().GetFields()["kind"].GetStringValue() != c.want.kind {
			t.Errorf("%s: created resource has kind %v", name, got.GetProfile().GetFields()["kind"])
		}
	}
	groups := resourcesOf(f.sync(t), "group")
	for id, w := range ids {
		p := groups[id].GetProfile().GetFields()
		if groups[id] == nil || p["kind"].GetStringValue() != w.kind || p["role_assignable"].GetBoolValue() != w.roleAssignable {
			t.Errorf("sync: group %s = %v, want %+v", id, groups[id], w)
		}
	}

	// A second Microsoft 365 group with the same address: Graph's conflict, reported as AlreadyExists.
	if _, err := create(newGroupResource(t, "Lifecycle M365 again", map[string]any{"kind": "m365", "mail_nickname": "lifecycle-m365"})); status.Code(err) != codes.AlreadyExists {
		t.Errorf("a Microsoft 365 group with an address in use: %v, want AlreadyExists", err)
	}
	writes := graphWrites(f.s.Stats())
	for name, c := range map[string]struct {
		r    *v2.Resource
		want string
	}{
		"no name":                {newGroupResource(t, " ", nil), "display name must be"},
		"distribution":           {newGroupResource(t, "X", map[string]any{"kind": "distribution"}), "security or m365"},
		"role-assignable m365":   {newGroupResource(t, "X", map[string]any{"kind": "m365", "role_assignable": true}), "security groups only"},
		"role_assignable a word": {newGroupResource(t, "X", map[string]any{"role_assignable": "yes"}), "true or false"},
		"visibility on security": {newGroupResource(t, "X", map[string]any{"visibility": "Private"}), "m365 groups"},
		"unknown field":          {newGroupResource(t, "X", map[string]any{"owner": "me"}), "unknown group profile field(s) owner"},
		"nickname with a space":  {newGroupResource(t, "X", map[string]any{"mail_nickname": "a b"}), "without spaces"},
	} {
		_, err := create(c.r)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want InvalidArgument mentioning %q", name, err, c.want)
		}
	}
	if got := graphWrites(f.s.Stats()); got != writes {
		t.Errorf("refused creations sent %d writes", got-writes)
	}

	del := func(id string) error {
		_, err := f.client.DeleteResourceV2(t.Context(), v2.DeleteResourceV2Request_builder{
			ResourceId: v2.ResourceId_builder{ResourceType: "group", Resource: id}.Build()}.Build())
		return err
	}
	for id := range ids {
		if err := del(id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	writes = graphWrites(f.s.Stats())
	for id := range ids {
		if err := del(id); err != nil {
			t.Errorf("deleting deleted group %s: %v", id, err)
		}
	}
	var synced string
	f.s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled {
				synced = g.ID
				break
			}
		}
	})
	if synced != "" {
		if err := del(synced); status.Code(err) != codes.FailedPrecondition {
			t.Errorf("deleting a synced group: %v, want FailedPrecondition", err)
		}
	}
	if err := del("not-a-guid"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("deleting a malformed id: %v", err)
	}
	if got := graphWrites(f.s.Stats()); got != writes {
		t.Errorf("repeated or refused deletes sent %d writes", got-writes)
	}
	groups = resourcesOf(f.sync(t), "group")
	for id := range ids {
		if groups[id] != nil {
			t.Errorf("deleted group %s is still synced", id)
		}
	}
}
