package world_test

import (
	"slices"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/gen"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

func tiny(t *testing.T) *world.World {
	t.Helper()
	spec, err := gen.PresetSpec("tiny", 1)
	if err != nil {
		t.Fatal(err)
	}
	w, err := gen.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestMutations_UsersKeepIndexesPositionsAndJournal(t *testing.T) {
	t.Parallel()
	w := tiny(t)
	if w.Seq() != 0 || len(w.ChangesAfter(0)) != 0 {
		t.Fatal("a generated world has journal entries")
	}
	u := &world.User{ID: "0a000000-0000-4000-8000-000000000001", DisplayName: "New", UserPrincipalName: "New@" + w.Tenant.DefaultDomain, AccountEnabled: true}
	if err := w.AddUser(u); err != nil {
		t.Fatal(err)
	}
	if w.User(u.ID) != u || w.User("new@"+w.Tenant.DefaultDomain) != u {
		t.Fatal("new user not found by id and UPN")
	}
	if err := w.AddUser(&world.User{ID: "0a000000-0000-4000-8000-000000000002", UserPrincipalName: u.UserPrincipalName}); err != world.ErrExists {
		t.Fatalf("duplicate UPN: %v", err)
	}
	for i := 1; i < len(w.Users); i++ {
		if w.Users[i-1].Position() >= w.Users[i].Position() {
			t.Fatal("users are not in position order")
		}
	}
	if w.Users[w.FirstUserFrom(u.Position())] != u || w.FirstUserFrom(u.Position()+1) != len(w.Users) {
		t.Fatal("FirstUserFrom does not find the new user")
	}
	props, err := w.UpdateUser(u.ID, func(x *world.User) {
		x.AccountEnabled = false
		x.UserPrincipalName = "renamed@" + w.Tenant.DefaultDomain
	})
	if err != nil || !slices.Contains(props, "accountEnabled") || !slices.Contains(props, "userPrincipalName") || len(props) != 3 {
		t.Fatalf("UpdateUser props %v, %v", props, err)
	}
	if w.User("new@"+w.Tenant.DefaultDomain) != nil || w.User("renamed@"+w.Tenant.DefaultDomain) != u {
		t.Fatal("UPN index not updated")
	}
	if props, _ := w.UpdateUser(u.ID, func(*world.User) {}); props != nil {
		t.Fatalf("a no-op update reports %v", props)
	}
	g := w.Groups[0]
	if err := w.AddGroupMember(g.ID, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddGroupMember(g.ID, world.Ref{Kind: world.KindUser, ID: u.ID}); err != world.ErrExists {
		t.Fatalf("second add: %v", err)
	}
	if err := w.DeleteUser(u.ID, false); err != nil {
		t.Fatal(err)
	}
	if w.User(u.ID) != nil || g.HasMember(u.ID) {
		t.Fatal("deleted user still indexed or a member")
	}
	if _, exists := w.Object(u.ID); exists {
		t.Fatal("deleted user still a directory object")
	}
	var ops []world.ChangeOp
	for _, c := range w.ChangesAfter(0) {
		ops = append(ops, c.Op)
	}
	want := []world.ChangeOp{world.ChangeObject, world.ChangeObject, world.ChangeMemberAdded, world.ChangeMemberRemoved, world.ChangeDeleted}
	if !slices.Equal(ops, want) || w.Seq() != 5 || len(w.ChangesAfter(3)) != 2 {
		t.Fatalf("journal ops %v (seq %d), want %v", ops, w.Seq(), want)
	}
	// The UPN is free again.
	if err := w.AddUser(&world.User{ID: "0a000000-0000-4000-8000-000000000003", UserPrincipalName: "renamed@" + w.Tenant.DefaultDomain}); err != nil {
		t.Fatalf("reuse a deleted UPN: %v", err)
	}
}

func TestDeleteGroup_RemovesItFromParentsLicensesAndAssignments(t *testing.T) {
	t.Parallel()
	w := tiny(t)
	var licensed *world.Group
	for _, g := range w.Groups {
		if len(g.Licenses) > 0 && licensed == nil {
			licensed = g
		}
	}
	var parent *world.Group
	for _, g := range w.Groups {
		if g.HasMember(licensed.ID) {
			parent = g
		}
	}
	var member *world.User
	for _, m := range licensed.Members {
		if m.Kind == world.KindUser && len(w.User(m.ID).Licenses) == 0 {
			member = w.User(m.ID)
		}
	}
	if member == nil {
		t.Fatal("tiny's licensed group has no member without direct licenses")
	}
	if len(w.UserLicenses(member)) == 0 {
		t.Fatal("member of a licensed group has no license")
	}
	seq := w.Seq()
	if err := w.DeleteGroup(licensed.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, l := range w.UserLicenses(member) {
		if l.AssignedByGroup == licensed.ID {
			t.Fatal("license of a deleted group remains")
		}
	}
	if parent != nil && parent.HasMember(licensed.ID) {
		t.Fatal("deleted group is still a member of its parent")
	}
	for _, a := range w.GroupAccess {
		if a.GroupID == licensed.ID || a.Principal.ID == licensed.ID {
			t.Fatal("PIM for Groups entry of a deleted group remains")
		}
	}
	last := w.ChangesAfter(seq)
	if l := last[len(last)-1]; l.Op != world.ChangeDeleted || l.Object.ID != licensed.ID || !l.Permanent {
		t.Fatalf("last change %+v", l)
	}
	if parent != nil {
		found := false
		for _, c := range last {
			found = found || (c.Op == world.ChangeMemberRemoved && c.Object.ID == parent.ID && c.Member.ID == licensed.ID)
		}
		if !found {
			t.Fatal("the parent's member removal is not journaled")
		}
	}
	if w.Group(licensed.ID) != nil || slices.Contains(w.Groups, licensed) {
		t.Fatal("deleted group still listed")
	}
}

func TestExpireSchedules_RemovesEndedAssignmentsAndTheirMemberships(t *testing.T) {
	t.Parallel()
	w := tiny(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if w.ExpiryDue(now) {
		t.Fatal("tiny's generated schedules end after 2026")
	}
	end := now.Add(time.Hour)
	g, u := w.Groups[len(w.Groups)-1], w.Users[0]
	if g.HasMember(u.ID) {
		u = w.Users[1]
	}
	ga := &world.GroupAccess{ID: "ga", GroupID: g.ID, Principal: world.Ref{Kind: world.KindUser, ID: u.ID}, AccessID: "member", Start: now, End: &end}
	if err := w.AddGroupAccess(ga); err != nil {
		t.Fatal(err)
	}
	w.AddDirectoryAssignment(&world.DirectoryRoleAssignment{ID: "da", RoleDefinitionID: w.DirectoryRoles[0].ID,
		Principal: world.Ref{Kind: world.KindUser, ID: u.ID}, DirectoryScopeID: "/", Eligible: true, End: &end})
	w.AddARMAssignment(&world.ARMRoleAssignment{Name: "arm", Scope: "/", RoleDefinition: world.RoleReader, PrincipalID: u.ID, End: &end})
	if !g.HasMember(u.ID) {
		t.Fatal("an active PIM for Groups assignment did not make a member")
	}
	if w.ExpiryDue(now) || !w.ExpiryDue(end) {
		t.Fatal("ExpiryDue does not follow the earliest end")
	}
	n := w.ExpireSchedules(end)
	if n != (world.Expired{DirectoryAssignments: 1, GroupAccess: 1, ARMAssignments: 1}) {
		t.Fatalf("expired %+v", n)
	}
	if g.HasMember(u.ID) || w.ExpiryDue(end) {
		t.Fatal("membership of an ended assignment remains, or another expiry is due")
	}
}
