package azsim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func TestGraphWrite_AddAndRemoveMember_ReflectedInMembersTransitiveAndTruth(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, uid = g.ID, nonMember(w, g).ID
	})
	for _, ver := range []string{"/v1.0", "/beta"} {
		base := f.s.GraphURL() + ver
		status, m, _ := f.do(t, http.MethodPost, base+"/groups/"+gid+"/members/$ref", f.prov, ref(uid), nil)
		if status != http.StatusNoContent {
			t.Fatalf("%s add member: %d %v", ver, status, m)
		}
		members, _ := drain(t, f.s, f.base+"/groups/"+gid+"/members?$top=999", f.reader, nil)
		transitive, _ := drain(t, f.s, f.base+"/groups/"+gid+"/transitiveMembers?$top=999", f.reader, nil)
		if !ids(members)[uid] || !ids(transitive)[uid] {
			t.Fatalf("%s: new member missing from members (%v) or transitiveMembers (%v)", ver, ids(members)[uid], ids(transitive)[uid])
		}
		if !truthHas(t, f.s, map[string]string{"kind": "membership", "target": gid, "principal": uid, "relation": "member"}) {
			t.Fatalf("%s: truth lacks the new membership", ver)
		}
		status, m, _ = f.do(t, http.MethodDelete, base+"/groups/"+gid+"/members/"+uid+"/$ref", f.prov, nil, nil)
		if status != http.StatusNoContent {
			t.Fatalf("%s remove member: %d %v", ver, status, m)
		}
		members, _ = drain(t, f.s, f.base+"/groups/"+gid+"/members?$top=999", f.reader, nil)
		if ids(members)[uid] {
			t.Fatalf("%s: removed member still listed", ver)
		}
		if truthHas(t, f.s, map[string]string{"kind": "membership", "target": gid, "principal": uid, "relation": "member"}) {
			t.Fatalf("%s: truth still has the removed membership", ver)
		}
	}
}

func TestGraphWrite_MemberReferences_AlreadyExistsNotFoundAndNotAMember(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, member, outsider string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, outsider = g.ID, nonMember(w, g).ID
		for _, m := range g.Members {
			if m.Kind == world.KindUser {
				member = m.ID
			}
		}
	})
	const missing = "00000000-0000-0000-0000-00000000dead"
	status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", f.prov, ref(member), nil)
	expectErr(t, "add existing member", status, m, 400, "Request_BadRequest",
		"One or more added object references already exist for the following modified properties: 'members'.")
	// Any host and the users/ segment are accepted in @odata.id.
	status, m, _ = f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", f.prov,
		map[string]string{"@odata.id": "https://graph.microsoft.us/beta/users/" + member}, nil)
	expectErr(t, "add existing member by users/ ref", status, m, 400, "Request_BadRequest", "'members'")
	status, m, _ = f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", f.prov, ref(missing), nil)
	expectErr(t, "add missing object", status, m, 404, "Request_ResourceNotFound", "Resource '"+missing+"' does not exist")
	status, m, _ = f.do(t, http.MethodPost, "/groups/"+missing+"/members/$ref", f.prov, ref(member), nil)
	expectErr(t, "add to missing group", status, m, 404, "Request_ResourceNotFound", missing)
	status, m, _ = f.do(t, http.MethodDelete, "/groups/"+gid+"/members/"+outsider+"/$ref", f.prov, nil, nil)
	expectErr(t, "remove non-member", status, m, 404, "Request_ResourceNotFound",
		"Resource '"+outsider+"' does not exist or one of its queried reference-property objects are not present.")
	status, m, _ = f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", f.prov, map[string]string{}, nil)
	expectErr(t, "add without @odata.id", status, m, 400, "Request_BadRequest", "@odata.id")
}

func TestGraphWrite_Owners_AddRemoveDuplicateAndGroupAsOwnerRefused(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid, otherGroup string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, uid = g.ID, nonMember(w, g).ID
		for _, o := range w.Groups {
			if o.ID != g.ID {
				otherGroup = o.ID
			}
		}
	})
	if status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/owners/$ref", f.prov, ref(uid), nil); status != 204 {
		t.Fatalf("add owner: %d %v", status, m)
	}
	owners, _ := drain(t, f.s, f.base+"/groups/"+gid+"/owners", f.reader, nil)
	if !ids(owners)[uid] {
		t.Fatal("new owner not listed")
	}
	status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/owners/$ref", f.prov, ref(uid), nil)
	expectErr(t, "add existing owner", status, m, 400, "Request_BadRequest",
		"One or more added object references already exist for the following modified properties: 'owners'.")
	status, m, _ = f.do(t, http.MethodPost, "/groups/"+gid+"/owners/$ref", f.prov, ref(otherGroup), nil)
	expectErr(t, "group as owner", status, m, 400, "Request_BadRequest", "owners")
	if status, m, _ := f.do(t, http.MethodDelete, "/groups/"+gid+"/owners/"+uid+"/$ref", f.prov, nil, nil); status != 204 {
		t.Fatalf("remove owner: %d %v", status, m)
	}
	status, m, _ = f.do(t, http.MethodDelete, "/groups/"+gid+"/owners/"+uid+"/$ref", f.prov, nil, nil)
	expectErr(t, "remove non-owner", status, m, 404, "Request_ResourceNotFound", uid)
}

func TestGraphWrite_MembershipOfDynamicSyncedAndMailEnabledGroups_Refused(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	kinds := map[string]string{}
	var uid string
	f.s.ReadWorld(func(w *world.World) {
		uid = w.Users[0].ID
		for _, g := range w.Groups {
			synced := g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled
			switch {
			case g.IsDynamic() && !synced && kinds["dynamic"] == "":
				kinds["dynamic"] = g.ID
			case synced && kinds["synced"] == "":
				kinds["synced"] = g.ID
			case !synced && g.MailEnabled && g.SecurityEnabled && !g.IsUnified() && kinds["mailEnabledSecurity"] == "":
				kinds["mailEnabledSecurity"] = g.ID
			}
		}
	})
	// tiny's distribution list is synced from on-premises; add a cloud one.
	f.s.UpdateWorld(func(w *world.World) {
		dl := &world.Group{ID: "0d150000-0000-4000-8000-000000000001", DisplayName: "DL-Cloud", MailNickname: "dl-cloud", MailEnabled: true}
		must(t, w.AddGroup(dl))
		kinds["distribution"] = dl.ID
	})
	want := map[string]string{
		"dynamic":             "dynamic membership",
		"synced":              "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
		"mailEnabledSecurity": "Cannot Update a mail-enabled security groups and or distribution list.",
		"distribution":        "Cannot Update a mail-enabled security groups and or distribution list.",
	}
	for kind, msg := range want {
		gid := kinds[kind]
		if gid == "" {
			t.Fatalf("tiny has no %s group", kind)
		}
		status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", f.prov, ref(uid), nil)
		expectErr(t, "add to "+kind, status, m, 400, "Request_BadRequest", msg)
		status, m, _ = f.do(t, http.MethodDelete, "/groups/"+gid+"/members/"+uid+"/$ref", f.prov, nil, nil)
		expectErr(t, "remove from "+kind, status, m, 400, "Request_BadRequest", msg)
	}
}

func TestGraphWrite_RoleAssignableGroup_NeedsRoleManagementReadWrite(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid string
	f.s.ReadWorld(func(w *world.World) {
		for _, g := range w.Groups {
			if g.IsAssignableToRole && gid == "" {
				gid, uid = g.ID, nonMember(w, g).ID
			}
		}
	})
	members := f.limitedToken(t, "GroupMember.ReadWrite.All")
	status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", members, ref(uid), nil)
	expectErr(t, "GroupMember.ReadWrite.All on a role-assignable group", status, m, 403, "Authorization_RequestDenied",
		"Insufficient privileges to complete the operation.")
	both := f.limitedToken(t, "GroupMember.ReadWrite.All", "RoleManagement.ReadWrite.Directory")
	if status, m, _ := f.do(t, http.MethodPost, "/groups/"+gid+"/members/$ref", both, ref(uid), nil); status != 204 {
		t.Fatalf("with RoleManagement.ReadWrite.Directory too: %d %v", status, m)
	}
}

func TestGraphWrite_EveryWriteRoute_MissingPermissionIs403(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid, spID string
	f.s.ReadWorld(func(w *world.World) {
		gid, uid = plainSecurityGroup(w).ID, w.Users[0].ID
		spID = w.ServicePrincipals[0].ID
	})
	for _, tc := range []struct{ method, path string }{
		{"POST", "/groups/" + gid + "/members/$ref"}, {"DELETE", "/groups/" + gid + "/members/" + uid + "/$ref"},
		{"POST", "/groups/" + gid + "/owners/$ref"}, {"DELETE", "/groups/" + gid + "/owners/" + uid + "/$ref"},
		{"POST", "/roleManagement/directory/roleAssignments"}, {"DELETE", "/roleManagement/directory/roleAssignments/x"},
		{"POST", "/roleManagement/directory/roleEligibilityScheduleRequests"},
		{"POST", "/roleManagement/directory/roleAssignmentScheduleRequests"},
		{"POST", "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests"},
		{"POST", "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests"},
		{"POST", "/servicePrincipals/" + spID + "/appRoleAssignedTo"}, {"DELETE", "/servicePrincipals/" + spID + "/appRoleAssignedTo/x"},
		{"POST", "/users"}, {"PATCH", "/users/" + uid}, {"DELETE", "/users/" + uid}, {"POST", "/users/" + uid + "/assignLicense"},
		{"POST", "/groups"}, {"DELETE", "/groups/" + gid},
	} {
		status, m, _ := f.do(t, tc.method, tc.path, f.reader, map[string]any{}, nil)
		expectErr(t, "reader "+tc.method+" "+tc.path, status, m, 403, "Authorization_RequestDenied", "Insufficient privileges")
	}
	// appRoleAssignedTo needs an application read permission besides AppRoleAssignment.ReadWrite.All.
	only := f.limitedToken(t, "AppRoleAssignment.ReadWrite.All")
	status, m, _ := f.do(t, http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", only, map[string]any{}, nil)
	expectErr(t, "AppRoleAssignment.ReadWrite.All alone", status, m, 403, "Authorization_RequestDenied", "Insufficient privileges")
	// Nothing changed.
	f.s.ReadWorld(func(w *world.World) {
		if w.User(uid) == nil || w.Group(gid) == nil {
			t.Fatal("a refused write changed the world")
		}
	})
}

func TestGraphWrite_DeleteMemberWithoutRef_RefusedAndNothingDeleted(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, member string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, member = g.ID, g.Members[0].ID
	})
	status, m, _ := f.do(t, http.MethodDelete, "/groups/"+gid+"/members/"+member, f.prov, nil, nil)
	expectErr(t, "DELETE member without $ref", status, m, 400, "Request_BadRequest", "/$ref")
	f.s.ReadWorld(func(w *world.World) {
		if _, exists := w.Object(member); !exists || !w.Group(gid).HasMember(member) {
			t.Fatal("DELETE without $ref removed the member or the object")
		}
	})
}

func TestGraphWrite_DirectoryRoleAssignment_CreateConflictDelete(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	const userAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	var uid, plainGroup string
	f.s.ReadWorld(func(w *world.World) {
		uid = nonMember(w, plainSecurityGroup(w)).ID
		plainGroup = plainSecurityGroup(w).ID
	})
	body := map[string]string{"roleDefinitionId": userAdmin, "principalId": uid, "directoryScopeId": "/"}
	status, m, _ := f.do(t, http.MethodPost, "/roleManagement/directory/roleAssignments", f.prov, body, nil)
	if status != http.StatusCreated || m["principalId"] != uid || m["roleDefinitionId"] != userAdmin || !strings.HasSuffix(m["id"].(string), "-1") {
		t.Fatalf("create role assignment: %d %v", status, m)
	}
	id := m["id"].(string)
	if status, got, _ := f.do(t, http.MethodGet, "/roleManagement/directory/roleAssignments/"+id, f.reader, nil, nil); status != 200 || got["principalId"] != uid {
		t.Fatalf("read back: %d %v", status, got)
	}
	list, _ := drain(t, f.s, f.base+"/roleManagement/directory/roleAssignments?$filter=principalId eq '"+uid+"'", f.reader, nil)
	if !ids(list)[id] {
		t.Fatalf("new assignment not in the filtered list: %v", list)
	}
	if !truthHas(t, f.s, map[string]string{"kind": "directory_role_assignment", "id": id, "role": userAdmin, "principal": uid, "state": "active"}) {
		t.Fatal("truth lacks the new directory role assignment")
	}
	status, m, _ = f.do(t, http.MethodPost, "/roleManagement/directory/roleAssignments", f.prov, body, nil)
	expectErr(t, "duplicate", status, m, 400, "Request_BadRequest",
		"A conflicting object with one or more of the specified property values is present in the directory.")
	status, m, _ = f.do(t, http.MethodPost, "/roleManagement/directory/roleAssignments", f.prov,
		map[string]string{"roleDefinitionId": userAdmin, "principalId": plainGroup, "directoryScopeId": "/"}, nil)
	expectErr(t, "non-role-assignable group", status, m, 400, "Request_BadRequest", "isAssignableToRole")
	if status, m, _ := f.do(t, http.MethodDelete, "/roleManagement/directory/roleAssignments/"+id, f.prov, nil, nil); status != 204 {
		t.Fatalf("delete: %d %v", status, m)
	}
	status, m, _ = f.do(t, http.MethodDelete, "/roleManagement/directory/roleAssignments/"+id, f.prov, nil, nil)
	expectErr(t, "delete again", status, m, 404, "Request_ResourceNotFound", id)
	status, m, _ = f.do(t, http.MethodPost, "/roleManagement/directory/roleAssignments", f.prov,
		map[string]string{"roleDefinitionId": "00000000-0000-0000-0000-000000000001", "principalId": uid, "directoryScopeId": "/"}, nil)
	expectErr(t, "unknown role", status, m, 404, "Request_ResourceNotFound", "00000000-0000-0000-0000-000000000001")
	// RoleManagement.ReadWrite.Directory is required; Directory.ReadWrite.All does not manage roles.
	dir := f.limitedToken(t, "Directory.ReadWrite.All")
	status, m, _ = f.do(t, http.MethodPost, "/roleManagement/directory/roleAssignments", dir, body, nil)
	expectErr(t, "Directory.ReadWrite.All", status, m, 403, "Authorization_RequestDenied", "Insufficient privileges")
}

func TestGraphWrite_DirectoryPIMRequests_CreateRemoveAndExpireOnTheClock(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	const secAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	var uid string
	f.s.ReadWorld(func(w *world.World) { uid = nonMember(w, plainSecurityGroup(w)).ID })
	req := func(action, path string, exp map[string]any) (int, map[string]any) {
		body := map[string]any{"action": action, "principalId": uid, "roleDefinitionId": secAdmin, "directoryScopeId": "/",
			"justification": "azsim test", "scheduleInfo": map[string]any{"startDateTime": f.clock.Now().Format(time.RFC3339), "expiration": exp}}
		status, m, _ := f.do(t, http.MethodPost, "/roleManagement/directory/"+path, f.prov, body, nil)
		return status, m
	}
	has := func(path string) bool {
		list, _ := drain(t, f.s, f.base+"/roleManagement/directory/"+path+"?$filter=principalId eq '"+uid+"'", f.reader, nil)
		for _, a := range list {
			if a["roleDefinitionId"] == secAdmin {
				return true
			}
		}
		return false
	}
	status, m := req("adminAssign", "roleEligibilityScheduleRequests", map[string]any{"type": "afterDuration", "duration": "PT1H"})
	if status != 201 || m["status"] != "Provisioned" || m["action"] != "adminAssign" || m["targetScheduleId"] == nil {
		t.Fatalf("eligibility request: %d %v", status, m)
	}
	status, m = req("adminAssign", "roleAssignmentScheduleRequests",
		map[string]any{"type": "afterDateTime", "endDateTime": f.clock.Now().Add(3 * time.Hour).Format(time.RFC3339)})
	if status != 201 || m["status"] != "Provisioned" {
		t.Fatalf("assignment request: %d %v", status, m)
	}
	if !has("roleEligibilityScheduleInstances") || !has("roleAssignmentScheduleInstances") || !has("roleAssignments") {
		t.Fatal("new schedules are not listed as instances / assignments")
	}
	status, m = req("adminAssign", "roleEligibilityScheduleRequests", map[string]any{"type": "noExpiration"})
	expectErr(t, "duplicate eligibility", status, m, 400, "RoleAssignmentExists", "The Role assignment already exists.")
	if !truthHas(t, f.s, map[string]string{"kind": "directory_role_assignment", "principal": uid, "role": secAdmin, "state": "eligible"}) {
		t.Fatal("truth lacks the eligibility")
	}
	f.clock.Add(2 * time.Hour) // the eligibility (1 h) ends, the assignment (3 h) does not
	if has("roleEligibilityScheduleInstances") || !has("roleAssignmentScheduleInstances") {
		t.Fatal("after 2h: the 1h eligibility should be gone and the 3h assignment still active")
	}
	if truthHas(t, f.s, map[string]string{"kind": "directory_role_assignment", "principal": uid, "role": secAdmin, "state": "eligible"}) {
		t.Fatal("truth still has the expired eligibility")
	}
	status, m = req("adminRemove", "roleAssignmentScheduleRequests", nil)
	if status != 201 || m["status"] != "Revoked" {
		t.Fatalf("adminRemove: %d %v", status, m)
	}
	if has("roleAssignmentScheduleInstances") || has("roleAssignments") {
		t.Fatal("adminRemove left the assignment")
	}
	status, m = req("adminRemove", "roleAssignmentScheduleRequests", nil)
	expectErr(t, "adminRemove again", status, m, 400, "RoleAssignmentDoesNotExist", "does not exist")
	status, m = req("selfActivate", "roleAssignmentScheduleRequests", nil)
	expectErr(t, "unsupported action", status, m, 400, "Request_BadRequest", "selfActivate")
	// Without P2, PIM requests answer like PIM reads.
	np := newWFix(t, azsim.Options{NoP2: true})
	status, m, _ = np.do(t, http.MethodPost, "/roleManagement/directory/roleEligibilityScheduleRequests", np.prov,
		map[string]any{"action": "adminAssign", "principalId": uid, "roleDefinitionId": secAdmin, "directoryScopeId": "/"}, nil)
	expectErr(t, "no P2", status, m, 400, "AadPremiumLicenseRequired", "P2")
}

func TestGraphWrite_PIMForGroups_ActiveAssignmentIsAMembershipUntilItEnds(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var gid, uid string
	f.s.ReadWorld(func(w *world.World) {
		g := plainSecurityGroup(w)
		gid, uid = g.ID, nonMember(w, g).ID
	})
	send := func(path, action, access string, exp map[string]any) (int, map[string]any) {
		status, m, _ := f.do(t, http.MethodPost, "/identityGovernance/privilegedAccess/group/"+path, f.prov, map[string]any{
			"accessId": access, "groupId": gid, "principalId": uid, "action": action, "justification": "test",
			"scheduleInfo": map[string]any{"expiration": exp}}, nil)
		return status, m
	}
	status, m := send("assignmentScheduleRequests", "adminAssign", "member", map[string]any{"type": "afterDuration", "duration": "PT2H"})
	if status != 201 || m["status"] != "Provisioned" || m["accessId"] != "member" || m["groupId"] != gid {
		t.Fatalf("assignment request: %d %v", status, m)
	}
	status, m = send("eligibilityScheduleRequests", "adminAssign", "owner", map[string]any{"type": "noExpiration"})
	if status != 201 {
		t.Fatalf("eligibility request: %d %v", status, m)
	}
	members, _ := drain(t, f.s, f.base+"/groups/"+gid+"/members?$top=999", f.reader, nil)
	instances, _ := drain(t, f.s, f.base+"/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '"+gid+"'", f.reader, nil)
	eligible, _ := drain(t, f.s, f.base+"/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=principalId eq '"+uid+"'", f.reader, nil)
	if !ids(members)[uid] || len(instances) == 0 || len(eligible) != 1 {
		t.Fatalf("active assignment is a membership and both instances are listed: member=%v instances=%d eligible=%d",
			ids(members)[uid], len(instances), len(eligible))
	}
	status, m = send("assignmentScheduleRequests", "adminAssign", "member", nil)
	expectErr(t, "duplicate", status, m, 400, "RoleAssignmentExists", "already exists")
	f.clock.Add(3 * time.Hour)
	members, _ = drain(t, f.s, f.base+"/groups/"+gid+"/members?$top=999", f.reader, nil)
	if ids(members)[uid] {
		t.Fatal("the membership of an ended PIM assignment is still listed")
	}
	if !truthHas(t, f.s, map[string]string{"kind": "group_pim", "target": gid, "principal": uid, "state": "eligible", "relation": "owner"}) {
		t.Fatal("permanent eligibility missing from truth after the clock moved")
	}
	if status, m = send("eligibilityScheduleRequests", "adminRemove", "owner", nil); status != 201 || m["status"] != "Revoked" {
		t.Fatalf("adminRemove: %d %v", status, m)
	}
	status, m = send("eligibilityScheduleRequests", "adminRemove", "owner", nil)
	expectErr(t, "adminRemove again", status, m, 400, "RoleAssignmentDoesNotExist", "does not exist")
	status, m = send("eligibilityScheduleRequests", "adminAssign", "admin", nil)
	expectErr(t, "bad accessId", status, m, 400, "Request_BadRequest", "accessId")
}

func TestGraphWrite_AppRoleAssignedTo_GrantDuplicateAndRevokeExactlyOne(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var spID, roleID, uid, otherSP string
	f.s.ReadWorld(func(w *world.World) {
		for _, sp := range w.ServicePrincipals {
			for _, r := range sp.AppRoles {
				if spID == "" && len(r.AllowedMemberTypes) > 0 && r.AllowedMemberTypes[0] == "User" {
					spID, roleID = sp.ID, r.ID
				}
			}
		}
		uid = w.Users[1].ID
		otherSP = w.ServicePrincipals[len(w.ServicePrincipals)-1].ID
	})
	if spID == "" {
		t.Fatal("tiny has no service principal with a user app role")
	}
	grant := map[string]string{"principalId": uid, "resourceId": spID, "appRoleId": roleID}
	status, m, _ := f.do(t, http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", f.prov, grant, nil)
	if status != 201 || m["principalId"] != uid || m["appRoleId"] != roleID || len(m["id"].(string)) != 43 {
		t.Fatalf("grant: %d %v", status, m)
	}
	id := m["id"].(string)
	status, m, _ = f.do(t, http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", f.prov, grant, nil)
	expectErr(t, "duplicate", status, m, 400, "Request_BadRequest", "Permission being assigned already exists on the object")
	status, m, _ = f.do(t, http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", f.prov,
		map[string]string{"principalId": uid, "resourceId": spID, "appRoleId": "11111111-1111-1111-1111-111111111111"}, nil)
	expectErr(t, "unknown app role", status, m, 400, "Request_BadRequest", "Permission being assigned was not found")
	// Default access (all-zero role) is a different assignment of the same principal.
	status, m, _ = f.do(t, http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", f.prov,
		map[string]string{"principalId": uid, "resourceId": spID, "appRoleId": world.DefaultAccessRoleID}, nil)
	if status != 201 {
		t.Fatalf("default access: %d %v", status, m)
	}
	status, m, _ = f.do(t, http.MethodDelete, "/servicePrincipals/"+otherSP+"/appRoleAssignedTo/"+id, f.prov, nil, nil)
	expectErr(t, "revoke through another resource", status, m, 404, "Request_ResourceNotFound", id)
	if status, m, _ := f.do(t, http.MethodDelete, "/servicePrincipals/"+spID+"/appRoleAssignedTo/"+id, f.prov, nil, nil); status != 204 {
		t.Fatalf("revoke: %d %v", status, m)
	}
	list, _ := drain(t, f.s, f.base+"/servicePrincipals/"+spID+"/appRoleAssignedTo?$top=999", f.reader, nil)
	left := 0
	for _, a := range list {
		if a["principalId"] == uid {
			left++
			if a["appRoleId"] != world.DefaultAccessRoleID || a["id"] == id {
				t.Fatalf("revoke removed the wrong assignment: %v", a)
			}
		}
	}
	if left != 1 {
		t.Fatalf("after revoking one of two grants, %d remain", left)
	}
	status, m, _ = f.do(t, http.MethodDelete, "/servicePrincipals/"+spID+"/appRoleAssignedTo/"+id, f.prov, nil, nil)
	expectErr(t, "revoke again", status, m, 404, "Request_ResourceNotFound", id)
}

func TestGraphWrite_Users_CreatePatchDisableDelete(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var domain, existingUPN, syncedID string
	f.s.ReadWorld(func(w *world.World) {
		domain, existingUPN = w.Tenant.DefaultDomain, w.Users[0].UserPrincipalName
		for _, u := range w.Users {
			if u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled && syncedID == "" {
				syncedID = u.ID
			}
		}
	})
	newUser := map[string]any{"accountEnabled": true, "displayName": "Ada Lovelace", "mailNickname": "ada",
		"userPrincipalName": "ada@" + domain, "passwordProfile": map[string]any{"password": "x!Y2z-Lovelace", "forceChangePasswordNextSignIn": true}}
	status, m, _ := f.do(t, http.MethodPost, "/users", f.prov, newUser, nil)
	if status != 201 || m["userPrincipalName"] != "ada@"+domain || m["id"] == nil {
		t.Fatalf("create user: %d %v", status, m)
	}
	id := m["id"].(string)
	if status, got, _ := f.do(t, http.MethodGet, "/users/ada@"+domain+"?$select=id,accountEnabled", f.reader, nil, nil); status != 200 || got["id"] != id || got["accountEnabled"] != true {
		t.Fatalf("read back by UPN: %d %v", status, got)
	}
	status, m, _ = f.do(t, http.MethodPost, "/users", f.prov, newUser, nil)
	expectErr(t, "duplicate UPN", status, m, 400, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
	for name, mutate := range map[string]func(map[string]any) (string, string){
		"foreign domain": func(b map[string]any) (string, string) {
			b["userPrincipalName"] = "x@example.com"
			return "Request_BadRequest", "The domain portion of the userPrincipalName property is invalid."
		},
		"no password": func(b map[string]any) (string, string) {
			delete(b, "passwordProfile")
			return "Request_BadRequest", "A password must be specified to create a new user."
		},
		"password too simple": func(b map[string]any) (string, string) {
			b["passwordProfile"] = map[string]any{"password": "lovelace1"} // two character classes
			return "Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password."
		},
		"password too short": func(b map[string]any) (string, string) {
			b["passwordProfile"] = map[string]any{"password": "x!Y2z"}
			return "Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password."
		},
		"no displayName": func(b map[string]any) (string, string) {
			delete(b, "displayName")
			return "Request_BadRequest", "Invalid value specified for property 'displayName' of resource 'User'."
		},
		"unknown property": func(b map[string]any) (string, string) {
			b["faxNumber"] = "1"
			return "BadRequest", "The property 'faxNumber' does not exist on type 'microsoft.graph.user'."
		},
	} {
		b := map[string]any{}
		for k, v := range newUser {
			b[k] = v
		}
		b["userPrincipalName"] = "other@" + domain
		code, msg := mutate(b)
		status, m, _ := f.do(t, http.MethodPost, "/users", f.prov, b, nil)
		expectErr(t, name, status, m, 400, code, msg)
	}
	if status, m, _ := f.do(t, http.MethodPatch, "/users/"+id, f.prov, map[string]any{"accountEnabled": false, "jobTitle": "Analyst"}, nil); status != 204 {
		t.Fatalf("patch: %d %v", status, m)
	}
	if !truthHas(t, f.s, map[string]string{"kind": "user", "id": id}) {
		t.Fatal("truth lacks the new user")
	}
	f.s.ReadWorld(func(w *world.World) {
		if u := w.User(id); !u.ForceChangePasswordNextSignIn {
			t.Error("the user's passwordProfile.forceChangePasswordNextSignIn was not kept")
		}
		if u := w.User(id); u.AccountEnabled || u.JobTitle != "Analyst" {
			t.Fatalf("patch not applied: %+v", u)
		}
	})
	status, m, _ = f.do(t, http.MethodPatch, "/users/"+id, f.prov, map[string]any{"userPrincipalName": existingUPN}, nil)
	expectErr(t, "patch to a taken UPN", status, m, 400, "Request_BadRequest", "Another object with the same value")
	status, m, _ = f.do(t, http.MethodPatch, "/users/"+syncedID, f.prov, map[string]any{"accountEnabled": false}, nil)
	expectErr(t, "patch a synced user", status, m, 400, "Request_BadRequest", "on-premises mastered")
	if status, m, _ := f.do(t, http.MethodPatch, "/users/"+syncedID, f.prov, map[string]any{"usageLocation": "NL"}, nil); status != 204 {
		t.Fatalf("cloud-only property of a synced user: %d %v", status, m)
	}
	if status, m, _ := f.do(t, http.MethodDelete, "/users/"+id, f.prov, nil, nil); status != 204 {
		t.Fatalf("delete: %d %v", status, m)
	}
	status, m, _ = f.do(t, http.MethodGet, "/users/"+id, f.reader, nil, nil)
	expectErr(t, "read deleted user", status, m, 404, "Request_ResourceNotFound", id)
	status, m, _ = f.do(t, http.MethodDelete, "/users/"+id, f.prov, nil, nil)
	expectErr(t, "delete again", status, m, 404, "Request_ResourceNotFound", id)
	if truthHas(t, f.s, map[string]string{"kind": "user", "id": id}) {
		t.Fatal("truth still has the deleted user")
	}
}

func TestGraphWrite_DeleteUser_TakesItsAccessAlongAndLeavesRBACGhosts(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	// A cloud user with group memberships and an Azure role assignment.
	var uid string
	var groups []string
	f.s.ReadWorld(func(w *world.World) {
		withRBAC := map[string]bool{}
		for _, a := range w.ARMAssignments {
			if a.PrincipalType == "User" && !a.Ghost {
				withRBAC[a.PrincipalID] = true
			}
		}
		for _, u := range w.Users {
			if withRBAC[u.ID] && (u.OnPremisesSyncEnabled == nil || !*u.OnPremisesSyncEnabled) {
				for _, g := range w.Groups {
					if g.HasMember(u.ID) {
						groups = append(groups, g.ID)
					}
				}
				if len(groups) > 0 {
					uid = u.ID
					break
				}
				groups = nil
			}
		}
	})
	if uid == "" {
		t.Fatal("tiny has no cloud user with both a membership and an Azure role assignment")
	}
	if status, m, _ := f.do(t, http.MethodDelete, "/users/"+uid, f.prov, nil, nil); status != 204 {
		t.Fatalf("delete: %d %v", status, m)
	}
	f.s.ReadWorld(func(w *world.World) {
		for _, g := range groups {
			if w.Group(g).HasMember(uid) {
				t.Errorf("deleted user still a member of %s", g)
			}
		}
		for _, a := range w.DirectoryAssignments {
			if a.Principal.ID == uid {
				t.Error("deleted user keeps a directory role assignment")
			}
		}
		ghost := false
		for _, a := range w.ARMAssignments {
			if a.PrincipalID == uid {
				ghost = a.Ghost
			}
		}
		if !ghost {
			t.Error("the deleted user's Azure role assignment is not a ghost")
		}
	})
}

func TestGraphWrite_Groups_CreateIncludingRoleAssignableAndDelete(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var uid, m365 string
	f.s.ReadWorld(func(w *world.World) {
		uid = w.Users[2].ID
		for _, g := range w.Groups {
			if g.IsUnified() && (g.OnPremisesSyncEnabled == nil || !*g.OnPremisesSyncEnabled) && m365 == "" {
				m365 = g.ID
			}
		}
	})
	sec := map[string]any{"displayName": "Finance approvers", "mailNickname": "finapprovers", "mailEnabled": false, "securityEnabled": true,
		"members@odata.bind": []string{"https://graph.microsoft.com/v1.0/directoryObjects/" + uid}}
	status, m, _ := f.do(t, http.MethodPost, "/groups", f.prov, sec, nil)
	if status != 201 || m["displayName"] != "Finance approvers" || m["securityEnabled"] != true {
		t.Fatalf("create group: %d %v", status, m)
	}
	gid := m["id"].(string)
	members, _ := drain(t, f.s, f.base+"/groups/"+gid+"/members", f.reader, nil)
	if !ids(members)[uid] {
		t.Fatal("members@odata.bind not applied")
	}
	status, m, _ = f.do(t, http.MethodPost, "/groups", f.prov, map[string]any{"displayName": "DL", "mailNickname": "dl", "mailEnabled": true, "securityEnabled": false}, nil)
	expectErr(t, "mail-enabled non-unified", status, m, 400, "Request_BadRequest", "The service does not currently support writes of mail-enabled groups.")
	ra := map[string]any{"displayName": "Tier0", "mailNickname": "tier0", "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": true}
	groupsOnly := f.limitedToken(t, "Group.ReadWrite.All")
	status, m, _ = f.do(t, http.MethodPost, "/groups", groupsOnly, ra, nil)
	expectErr(t, "isAssignableToRole without RoleManagement.ReadWrite.Directory", status, m, 403, "Authorization_RequestDenied", "Insufficient privileges")
	dyn := map[string]any{"displayName": "Dyn", "mailNickname": "dyn", "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": true,
		"groupTypes": []string{"DynamicMembership"}, "membershipRule": "user.department -eq \"IT\""}
	status, m, _ = f.do(t, http.MethodPost, "/groups", f.prov, dyn, nil)
	expectErr(t, "dynamic role-assignable", status, m, 400, "Request_BadRequest", "isAssignableToRole")
	status, m, _ = f.do(t, http.MethodPost, "/groups", f.prov, ra, nil)
	if status != 201 || m["isAssignableToRole"] != true || m["visibility"] != "Private" {
		t.Fatalf("role-assignable group: %d %v", status, m)
	}
	raID := m["id"].(string)
	var m365Nick string
	f.s.ReadWorld(func(w *world.World) { m365Nick = w.Group(m365).MailNickname })
	status, m, _ = f.do(t, http.MethodPost, "/groups", f.prov, map[string]any{"displayName": "Copy", "mailNickname": m365Nick,
		"mailEnabled": true, "securityEnabled": false, "groupTypes": []string{"Unified"}}, nil)
	expectErr(t, "Microsoft 365 group with an address in use", status, m, 400, "Request_BadRequest",
		"Another object with the same value for property proxyAddresses already exists.")
	if !truthHas(t, f.s, map[string]string{"kind": "group", "id": raID, "type": "security"}) {
		t.Fatal("truth lacks the new group")
	}
	status, m, _ = f.do(t, http.MethodDelete, "/groups/"+raID, groupsOnly, nil, nil)
	expectErr(t, "delete role-assignable without RoleManagement", status, m, 403, "Authorization_RequestDenied", "Insufficient privileges")
	for _, id := range []string{gid, raID, m365} {
		if status, m, _ := f.do(t, http.MethodDelete, "/groups/"+id, f.prov, nil, nil); status != 204 {
			t.Fatalf("delete group %s: %d %v", id, status, m)
		}
		status, m, _ := f.do(t, http.MethodGet, "/groups/"+id, f.reader, nil, nil)
		expectErr(t, "read deleted group", status, m, 404, "Request_ResourceNotFound", id)
	}
}

func TestGraphWrite_AssignLicense_AddRemoveAndGraphsRefusals(t *testing.T) {
	t.Parallel()
	f := newWFix(t, azsim.Options{})
	var uid, sku, inheritedUser, inheritedSKU string
	f.s.ReadWorld(func(w *world.World) {
		for _, u := range w.Users {
			if len(w.UserLicenses(u)) == 0 && u.UsageLocation != "" && uid == "" {
				uid = u.ID
			}
			for _, l := range w.UserLicenses(u) {
				if l.AssignedByGroup != "" && inheritedUser == "" && !contains(u.Licenses, l.SkuID) {
					inheritedUser, inheritedSKU = u.ID, l.SkuID
				}
			}
		}
		sku = w.SKUs[0].SkuID
	})
	if uid == "" || inheritedUser == "" {
		t.Fatal("tiny needs an unlicensed user and a user with a group-based license")
	}
	body := map[string]any{"addLicenses": []map[string]any{{"skuId": sku, "disabledPlans": []string{}}}, "removeLicenses": []string{}}
	status, m, _ := f.do(t, http.MethodPost, "/users/"+uid+"/assignLicense", f.prov, body, nil)
	if status != 200 || m["id"] != uid {
		t.Fatalf("assignLicense: %d %v", status, m)
	}
	details, _ := drain(t, f.s, f.base+"/users/"+uid+"/licenseDetails", f.reader, nil)
	if len(details) != 1 || details[0]["skuId"] != sku {
		t.Fatalf("licenseDetails after assignLicense: %v", details)
	}
	if !truthHas(t, f.s, map[string]string{"kind": "license", "target": sku, "principal": uid}) {
		t.Fatal("truth lacks the license")
	}
	status, m, _ = f.do(t, http.MethodPost, "/users/"+uid+"/assignLicense", f.prov,
		map[string]any{"addLicenses": []map[string]any{{"skuId": "11111111-2222-3333-4444-555555555555"}}, "removeLicenses": []string{}}, nil)
	expectErr(t, "unknown sku", status, m, 400, "Request_BadRequest", "does not correspond to a valid company License")
	status, m, _ = f.do(t, http.MethodPost, "/users/"+inheritedUser+"/assignLicense", f.prov,
		map[string]any{"addLicenses": []any{}, "removeLicenses": []string{inheritedSKU}}, nil)
	expectErr(t, "remove group-based", status, m, 400, "Request_BadRequest", "inherited from a group membership")
	if status, m, _ := f.do(t, http.MethodPost, "/users/"+uid+"/assignLicense", f.prov,
		map[string]any{"addLicenses": []any{}, "removeLicenses": []string{sku}}, nil); status != 200 {
		t.Fatalf("remove: %d %v", status, m)
	}
	status, m, _ = f.do(t, http.MethodPost, "/users/"+uid+"/assignLicense", f.prov,
		map[string]any{"addLicenses": []any{}, "removeLicenses": []string{sku}}, nil)
	expectErr(t, "remove again", status, m, 400, "Request_BadRequest", "User does not have a corresponding license.")
	lic := f.limitedToken(t, "LicenseAssignment.ReadWrite.All")
	if status, m, _ := f.do(t, http.MethodPost, "/users/"+uid+"/assignLicense", lic, body, nil); status != 200 {
		t.Fatalf("LicenseAssignment.ReadWrite.All suffices: %d %v", status, m)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
