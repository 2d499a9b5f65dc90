package azsim_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/google/uuid"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

const apiAuthz = "?api-version=2022-04-01"

// armTarget is a subscription scope and a user and group without assignments there.
func armTarget(f *wfix) (sub, userID, groupID, spID string) {
	f.s.ReadWorld(func(w *world.World) {
		sub = w.Subscriptions[0].Scope()
		assigned := map[string]bool{}
		for _, a := range w.ARMAssignments {
			if strings.EqualFold(a.Scope, sub) {
				assigned[a.PrincipalID] = true
			}
		}
		for _, u := range w.Users {
			if !assigned[u.ID] && userID == "" {
				userID = u.ID
			}
		}
		groupID = plainSecurityGroup(w).ID
		spID = w.ServicePrincipals[0].ID
	})
	return
}

func raBody(sub, role, principal, typ string) map[string]any {
	p := map[string]any{"roleDefinitionId": sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role, "principalId": principal}
	if typ != "" {
		p["principalType"] = typ
	}
	return map[string]any{"properties": p}
}

func TestARMWrite_RoleAssignmentPut_CreatesIsIdempotentAndConflicts(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	sub, uid, _, _ := armTarget(f)
	name := uuid.NewString()
	url := f.s.ARMURL() + sub + "/providers/Microsoft.Authorization/roleAssignments/" + name + apiAuthz
	status, m, _ := f.do(t, http.MethodPut, url, f.provARM, raBody(sub, world.RoleReader, uid, "User"), nil)
	props, _ := m["properties"].(map[string]any)
	if status != 201 || m["name"] != name || props["principalId"] != uid || props["scope"] != sub || props["principalType"] != "User" {
		t.Fatalf("create: %d %v", status, m)
	}
	if status, m, _ := f.do(t, http.MethodPut, url, f.provARM, raBody(sub, world.RoleReader, uid, ""), nil); status != 200 || m["name"] != name {
		t.Fatalf("same name, same content: %d %v", status, m)
	}
	list, _ := drain(t, f.s, f.s.ARMURL()+sub+"/providers/Microsoft.Authorization/roleAssignments"+apiAuthz+"&$filter=principalId eq '"+uid+"'", f.readerARM, nil)
	found := 0
	for _, a := range list {
		if a["name"] == name {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("the assignment is listed %d times", found)
	}
	if !truthHas(t, f.s, map[string]string{"kind": "rbac_assignment", "id": name, "principal": uid, "role": world.RoleReader, "scope": sub}) {
		t.Fatal("truth lacks the new RBAC assignment")
	}
	other := f.s.ARMURL() + sub + "/providers/Microsoft.Authorization/roleAssignments/" + uuid.NewString() + apiAuthz
	status, m, _ = f.do(t, http.MethodPut, other, f.provARM, raBody(sub, world.RoleReader, uid, "User"), nil)
	expectErr(t, "same trio under another name", status, m, 409, "RoleAssignmentExists", "The role assignment already exists.")
	status, m, _ = f.do(t, http.MethodPut, url, f.provARM, raBody(sub, world.RoleContributor, uid, "User"), nil)
	expectErr(t, "same name, other role", status, m, 400, "RoleAssignmentUpdateNotPermitted", "not allowed to be updated")
}

func TestARMWrite_RoleAssignmentPut_ValidatesPrincipalRoleAndName(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	sub, uid, gid, spID := armTarget(f)
	put := func(body map[string]any) (int, map[string]any) {
		status, m, _ := f.do(t, http.MethodPut, f.s.ARMURL()+sub+"/providers/Microsoft.Authorization/roleAssignments/"+uuid.NewString()+apiAuthz, f.provARM, body, nil)
		return status, m
	}
	const missing = "00000000-0000-0000-0000-0000000000aa"
	status, m := put(raBody(sub, world.RoleReader, missing, "User"))
	expectErr(t, "unknown principal", status, m, 400, "PrincipalNotFound", "Principal 000000000000000000000000000000aa does not exist in the directory ")
	status, m = put(raBody(sub, world.RoleReader, uid, "Group"))
	expectErr(t, "user as Group", status, m, 400, "UnmatchedPrincipalType", "has type 'User' , which is different from specified PrincipalType 'Group'.")
	status, m = put(raBody(sub, world.RoleReader, gid, "ServicePrincipal"))
	expectErr(t, "group as ServicePrincipal", status, m, 400, "UnmatchedPrincipalType", "has type 'Group'")
	status, m = put(raBody(sub, world.RoleReader, spID, "Device"))
	expectErr(t, "Device", status, m, 400, "PrincipalTypeNotSupported", "Device")
	status, m = put(raBody(sub, "11111111-1111-1111-1111-111111111111", uid, "User"))
	expectErr(t, "unknown role", status, m, 400, "RoleDefinitionDoesNotExist", "11111111-1111-1111-1111-111111111111")
	status, m, _ = f.do(t, http.MethodPut, f.s.ARMURL()+sub+"/providers/Microsoft.Authorization/roleAssignments/not-a-guid"+apiAuthz, f.provARM,
		raBody(sub, world.RoleReader, uid, "User"), nil)
	expectErr(t, "name not a GUID", status, m, 400, "InvalidRoleAssignmentId", "must be a GUID")
	status, m, _ = f.do(t, http.MethodPut, f.s.ARMURL()+sub+"/providers/Microsoft.Authorization/roleAssignments/"+uuid.NewString()+apiAuthz, f.provARM,
		"{not json", nil)
	expectErr(t, "bad body", status, m, 400, "InvalidRequestContent", "could not be deserialized")
	// principalType may be omitted; groups and service principals get their own type.
	if status, m := put(raBody(sub, world.RoleReader, gid, "")); status != 201 || m["properties"].(map[string]any)["principalType"] != "Group" {
		t.Fatalf("group without principalType: %d %v", status, m)
	}
}

func TestARMWrite_WithoutRoleAssignmentsWrite_AuthorizationFailed(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	sub, uid, _, _ := armTarget(f)
	url := f.s.ARMURL() + sub + "/providers/Microsoft.Authorization/roleAssignments/" + uuid.NewString() + apiAuthz
	status, m, _ := f.do(t, http.MethodPut, url, f.readerARM, raBody(sub, world.RoleReader, uid, "User"), nil)
	expectErr(t, "Reader PUT", status, m, 403, "AuthorizationFailed", "Microsoft.Authorization/roleAssignments/write")
	status, m, _ = f.do(t, http.MethodDelete, url, f.readerARM, nil, nil)
	expectErr(t, "Reader DELETE", status, m, 403, "AuthorizationFailed", "Microsoft.Authorization/roleAssignments/delete")
	pim := f.s.ARMURL() + sub + "/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/" + uuid.NewString() + "?api-version=2020-10-01"
	status, m, _ = f.do(t, http.MethodPut, pim, f.readerARM, map[string]any{"properties": map[string]any{}}, nil)
	expectErr(t, "Reader PIM request", status, m, 403, "AuthorizationFailed", "roleEligibilityScheduleRequests/write")
}

func TestARMWrite_Delete_200WithTheObjectThen204(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	sub, uid, _, _ := armTarget(f)
	name := uuid.NewString()
	url := f.s.ARMURL() + sub + "/providers/Microsoft.Authorization/roleAssignments/" + name + apiAuthz
	if status, m, _ := f.do(t, http.MethodPut, url, f.provARM, raBody(sub, world.RoleContributor, uid, "User"), nil); status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	status, m, _ := f.do(t, http.MethodDelete, url, f.provARM, nil, nil)
	if status != 200 || m["name"] != name {
		t.Fatalf("delete: %d %v", status, m)
	}
	if status, m, _ := f.do(t, http.MethodDelete, url, f.provARM, nil, nil); status != 204 {
		t.Fatalf("delete again: %d %v", status, m)
	}
	status, m, _ = f.do(t, http.MethodGet, url, f.readerARM, nil, nil)
	expectErr(t, "get deleted", status, m, 404, "RoleAssignmentNotFound", name)
}

// appCredential is an azidentity client-secret credential of a registered app.
func appCredential(t *testing.T, s *azsim.Server, name string) azcore.TokenCredential {
	t.Helper()
	app, err := s.App(name)
	must(t, err)
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), app.ClientID, app.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
	must(t, err)
	return cred
}

func TestARMSDK_RoleAssignmentsCreateAndDelete_Unmodified(t *testing.T) {
	t.Parallel()
	for name, o := range modes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := start(t, o)
			ctx := context.Background()
			var sub, uid string
			s.ReadWorld(func(w *world.World) {
				sub = w.Subscriptions[0].ID
				uid = w.Users[3].ID
			})
			armOpts := &arm.ClientOptions{ClientOptions: clientOptions(s)}
			client, err := armauthorization.NewRoleAssignmentsClient(sub, appCredential(t, s, provisionerApp), armOpts)
			must(t, err)
			scope := "/subscriptions/" + sub
			name := uuid.NewString()
			params := armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
				RoleDefinitionID: to.Ptr(scope + "/providers/Microsoft.Authorization/roleDefinitions/" + world.RoleStorageBlobDataReader),
				PrincipalID:      to.Ptr(uid), PrincipalType: to.Ptr(armauthorization.PrincipalTypeUser),
				Description: to.Ptr("granted by the SDK test")}}
			created, err := client.Create(ctx, scope, name, params, nil)
			must(t, err)
			if *created.Name != name || *created.Properties.PrincipalID != uid || *created.Properties.Scope != scope {
				t.Fatalf("Create returned %+v", created.RoleAssignment)
			}
			got, err := client.Get(ctx, scope, name, nil)
			must(t, err)
			if *got.Properties.Description != "granted by the SDK test" {
				t.Fatalf("Get after Create: %+v", got.Properties)
			}
			// The same trio under another name is a 409 the SDK surfaces as a ResponseError.
			_, err = client.Create(ctx, scope, uuid.NewString(), params, nil)
			var re *azcore.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusConflict || re.ErrorCode != "RoleAssignmentExists" {
				t.Fatalf("duplicate Create: %v", err)
			}
			deleted, err := client.Delete(ctx, scope, name, nil)
			must(t, err)
			if deleted.Name == nil || *deleted.Name != name {
				t.Fatalf("Delete returned %+v", deleted.RoleAssignment)
			}
			if _, err := client.Delete(ctx, scope, name, nil); err != nil {
				t.Fatalf("Delete of a missing assignment (204): %v", err)
			}
			// The reader app may not write.
			readerClient, err := armauthorization.NewRoleAssignmentsClient(sub, appCredential(t, s, azsim.ReaderAppName), armOpts)
			must(t, err)
			_, err = readerClient.Create(ctx, scope, uuid.NewString(), params, nil)
			if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden || re.ErrorCode != "AuthorizationFailed" {
				t.Fatalf("reader Create: %v", err)
			}
		})
	}
}

func TestARMSDK_PIMScheduleRequests_CreateEligibleAndActive_ExpireOnTheClock(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	s := start(t, azsim.Options{NoListener: true, Clock: clock.Now, TokenLifetime: 48 * time.Hour})
	ctx := context.Background()
	var sub, uid string
	s.ReadWorld(func(w *world.World) {
		sub = w.Subscriptions[1].ID
		uid = w.Users[4].ID
	})
	scope := "/subscriptions/" + sub
	roleID := scope + "/providers/Microsoft.Authorization/roleDefinitions/" + world.RoleContributor
	armOpts := &arm.ClientOptions{ClientOptions: clientOptions(s)}
	cred := appCredential(t, s, provisionerApp)
	eligClient, err := armauthorization.NewRoleEligibilityScheduleRequestsClient(cred, armOpts)
	must(t, err)
	assignClient, err := armauthorization.NewRoleAssignmentScheduleRequestsClient(cred, armOpts)
	must(t, err)
	start := clock.Now()
	elig, err := eligClient.Create(ctx, scope, uuid.NewString(), armauthorization.RoleEligibilityScheduleRequest{
		Properties: &armauthorization.RoleEligibilityScheduleRequestProperties{
			PrincipalID: to.Ptr(uid), RoleDefinitionID: to.Ptr(roleID), RequestType: to.Ptr(armauthorization.RequestTypeAdminAssign),
			Justification: to.Ptr("on-call rotation"),
			ScheduleInfo: &armauthorization.RoleEligibilityScheduleRequestPropertiesScheduleInfo{StartDateTime: to.Ptr(start),
				Expiration: &armauthorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoExpiration{
					Type: to.Ptr(armauthorization.TypeAfterDuration), Duration: to.Ptr("PT8H")}},
		}}, nil)
	must(t, err)
	if *elig.Properties.Status != armauthorization.StatusProvisioned || *elig.Properties.PrincipalType != armauthorization.PrincipalTypeUser {
		t.Fatalf("eligibility request: %+v", elig.Properties)
	}
	active, err := assignClient.Create(ctx, scope, uuid.NewString(), armauthorization.RoleAssignmentScheduleRequest{
		Properties: &armauthorization.RoleAssignmentScheduleRequestProperties{
			PrincipalID: to.Ptr(uid), RoleDefinitionID: to.Ptr(roleID), RequestType: to.Ptr(armauthorization.RequestTypeAdminAssign),
			ScheduleInfo: &armauthorization.RoleAssignmentScheduleRequestPropertiesScheduleInfo{StartDateTime: to.Ptr(start),
				Expiration: &armauthorization.RoleAssignmentScheduleRequestPropertiesScheduleInfoExpiration{
					Type: to.Ptr(armauthorization.TypeAfterDateTime), EndDateTime: to.Ptr(start.Add(24 * time.Hour))}},
		}}, nil)
	must(t, err)
	if *active.Properties.Status != armauthorization.StatusProvisioned {
		t.Fatalf("assignment request: %+v", active.Properties)
	}
	count := func() (eligible, activeN, assignments int) {
		ei, err := armauthorization.NewRoleEligibilityScheduleInstancesClient(cred, armOpts)
		must(t, err)
		filter := to.Ptr("principalId eq '" + uid + "'")
		for p := ei.NewListForScopePager(scope, &armauthorization.RoleEligibilityScheduleInstancesClientListForScopeOptions{Filter: filter}); p.More(); {
			page, err := p.NextPage(ctx)
			must(t, err)
			eligible += len(page.Value)
		}
		ai, err := armauthorization.NewRoleAssignmentScheduleInstancesClient(cred, armOpts)
		must(t, err)
		for p := ai.NewListForScopePager(scope, &armauthorization.RoleAssignmentScheduleInstancesClientListForScopeOptions{Filter: filter}); p.More(); {
			page, err := p.NextPage(ctx)
			must(t, err)
			activeN += len(page.Value)
		}
		ra, err := armauthorization.NewRoleAssignmentsClient(sub, cred, armOpts)
		must(t, err)
		for p := ra.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: filter}); p.More(); {
			page, err := p.NextPage(ctx)
			must(t, err)
			assignments += len(page.Value)
		}
		return
	}
	e0, a0, r0 := count()
	if e0 < 1 || a0 < 1 || r0 < 1 {
		t.Fatalf("before expiry: eligible %d, active %d, assignments %d", e0, a0, r0)
	}
	clock.Add(9 * time.Hour) // the 8h eligibility ends
	if e, a, _ := count(); e != e0-1 || a != a0 {
		t.Fatalf("after 9h: eligible %d (want %d), active %d (want %d)", e, e0-1, a, a0)
	}
	// AdminRemove ends the active assignment now.
	removed, err := assignClient.Create(ctx, scope, uuid.NewString(), armauthorization.RoleAssignmentScheduleRequest{
		Properties: &armauthorization.RoleAssignmentScheduleRequestProperties{
			PrincipalID: to.Ptr(uid), RoleDefinitionID: to.Ptr(roleID), RequestType: to.Ptr(armauthorization.RequestTypeAdminRemove)}}, nil)
	must(t, err)
	if *removed.Properties.Status != armauthorization.StatusRevoked {
		t.Fatalf("AdminRemove: %+v", removed.Properties)
	}
	if _, a, r := count(); a != a0-1 || r != r0-1 {
		t.Fatalf("after AdminRemove: active %d (want %d), assignments %d (want %d)", a, a0-1, r, r0-1)
	}
	_, err = assignClient.Create(ctx, scope, uuid.NewString(), armauthorization.RoleAssignmentScheduleRequest{
		Properties: &armauthorization.RoleAssignmentScheduleRequestProperties{
			PrincipalID: to.Ptr(uid), RoleDefinitionID: to.Ptr(roleID), RequestType: to.Ptr(armauthorization.RequestTypeAdminRemove)}}, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.ErrorCode != "RoleAssignmentDoesNotExist" {
		t.Fatalf("AdminRemove again: %v", err)
	}
}

func TestARMWrite_PIMRequests_RefusedWithoutP2(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{NoP2: true})
	sub, uid, _, _ := armTarget(f)
	url := f.s.ARMURL() + sub + "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/" + uuid.NewString() + "?api-version=2020-10-01"
	status, m, _ := f.do(t, http.MethodPut, url, f.provARM, map[string]any{"properties": map[string]any{"principalId": uid,
		"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/" + world.RoleReader, "requestType": "AdminAssign"}}, nil)
	expectErr(t, "no P2", status, m, 400, "AadPremiumLicenseRequired", "AAD Premium 2")
}
