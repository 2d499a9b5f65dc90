package world

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// This file holds the World's mutation methods, used by azsim's write side and churn. Each keeps the
// lookup indexes right incrementally (O(1) or O(degree) where it can; deleting a principal is a few linear
// passes over the assignment lists) and records user, group, service principal and membership changes in
// the journal (journal.go). Like every World method, they need the caller's exclusive lock.

// Errors returned by mutations.
var (
	ErrExists   = errors.New("world: already exists")
	ErrNotFound = errors.New("world: not found")
)

// relations returns the index with memberOf/ownerOf built.
func (w *World) relations() *index {
	ix := w.ix()
	if ix.memberOf == nil {
		ix.memberOf = map[string][]*Group{}
		ix.ownerOf = map[string][]*Group{}
		for _, g := range w.Groups {
			for _, m := range g.Members {
				ix.memberOf[m.ID] = append(ix.memberOf[m.ID], g)
			}
			for _, o := range g.Owners {
				ix.ownerOf[o.ID] = append(ix.ownerOf[o.ID], g)
			}
		}
	}
	return ix
}

func removeGroup(gs []*Group, g *Group) []*Group {
	if i := slices.Index(gs, g); i >= 0 {
		return slices.Delete(gs, i, i+1)
	}
	return gs
}

func refIndex(refs []Ref, id string) int {
	for i, r := range refs {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// HasMember reports whether id is a direct member of the group.
func (g *Group) HasMember(id string) bool { return refIndex(g.Members, strings.ToLower(id)) >= 0 }

// HasOwner reports whether id is an owner of the group.
func (g *Group) HasOwner(id string) bool { return refIndex(g.Owners, strings.ToLower(id)) >= 0 }

// AddUser creates a user. Its ID and user principal name must be new.
func (w *World) AddUser(u *User) error {
	ix := w.ix()
	if _, dup := ix.objects[u.ID]; dup || ix.upn[strings.ToLower(u.UserPrincipalName)] != nil {
		return ErrExists
	}
	u.pos = ix.nextPos
	ix.nextPos++
	w.Users = append(w.Users, u)
	ix.users[u.ID] = u
	ix.upn[strings.ToLower(u.UserPrincipalName)] = u
	ix.objects[u.ID] = Ref{KindUser, u.ID}
	w.record(Change{Op: ChangeObject, Object: Ref{KindUser, u.ID}})
	return nil
}

// UpdateUser applies f to a user and records which Graph properties changed (returned). A changed user
// principal name must not belong to another user (the caller checks).
func (w *World) UpdateUser(id string, f func(u *User)) ([]string, error) {
	u := w.User(id)
	if u == nil {
		return nil, ErrNotFound
	}
	before := *u
	before.Licenses = slices.Clone(u.Licenses)
	f(u)
	if before.UserPrincipalName != u.UserPrincipalName {
		ix := w.ix()
		delete(ix.upn, strings.ToLower(before.UserPrincipalName))
		ix.upn[strings.ToLower(u.UserPrincipalName)] = u
	}
	props := diffUser(&before, u)
	if len(props) > 0 {
		w.record(Change{Op: ChangeObject, Object: Ref{KindUser, u.ID}, Props: props})
	}
	return props, nil
}

func diffUser(a, b *User) []string {
	var out []string
	add := func(changed bool, names ...string) {
		if changed {
			out = append(out, names...)
		}
	}
	add(a.DisplayName != b.DisplayName, "displayName")
	add(a.GivenName != b.GivenName, "givenName")
	add(a.Surname != b.Surname, "surname")
	add(a.UserPrincipalName != b.UserPrincipalName, "userPrincipalName", "mailNickname")
	add(a.Mail != b.Mail, "mail")
	add(a.JobTitle != b.JobTitle, "jobTitle")
	add(a.Department != b.Department, "department")
	add(a.EmployeeID != b.EmployeeID, "employeeId")
	add(a.UsageLocation != b.UsageLocation, "usageLocation")
	add(a.AccountEnabled != b.AccountEnabled, "accountEnabled")
	add(a.UserType != b.UserType, "userType")
	add(!timePtrEqual(a.EmployeeLeaveDateTime, b.EmployeeLeaveDateTime), "employeeLeaveDateTime")
	add(!boolPtrEqual(a.OnPremisesSyncEnabled, b.OnPremisesSyncEnabled), "onPremisesSyncEnabled")
	add(!slices.Equal(a.Licenses, b.Licenses), "assignedLicenses", "licenseAssignmentStates")
	return out
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func boolPtrEqual(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// SetUserLicenses adds and removes direct license assignments of a user (skuIds). Adding a held SKU or
// removing one not held directly is not an error here; the caller validates.
func (w *World) SetUserLicenses(id string, add, remove []string) error {
	_, err := w.UpdateUser(id, func(u *User) {
		var kept []string
		for _, s := range u.Licenses {
			if !slices.Contains(remove, s) {
				kept = append(kept, s)
			}
		}
		for _, s := range add {
			if !slices.Contains(kept, s) {
				kept = append(kept, s)
			}
		}
		u.Licenses = kept
	})
	return err
}

// DeleteUser deletes a user: its memberships, ownerships, directory role, app role and PIM for Groups
// assignments go with it; its Azure role assignments stay behind as ghosts, as in Azure. permanent selects
// Graph's @removed reason ("deleted" rather than "changed", i.e. soft-deleted).
func (w *World) DeleteUser(id string, permanent bool) error {
	u := w.User(id)
	if u == nil {
		return ErrNotFound
	}
	w.deleteObjects([]Ref{{KindUser, u.ID}}, permanent)
	return nil
}

// DeleteUsers deletes several users in one pass (see DeleteUser). Unknown ids are skipped.
func (w *World) DeleteUsers(ids []string, permanent bool) {
	var refs []Ref
	for _, id := range ids {
		if u := w.User(id); u != nil {
			refs = append(refs, Ref{KindUser, u.ID})
		}
	}
	w.deleteObjects(refs, permanent)
}

// AddGroup creates a group. Members and owners it already lists are indexed.
func (w *World) AddGroup(g *Group) error {
	ix := w.ix()
	if _, dup := ix.objects[g.ID]; dup {
		return ErrExists
	}
	g.pos = ix.nextPos
	ix.nextPos++
	w.Groups = append(w.Groups, g)
	ix.groups[g.ID] = g
	ix.objects[g.ID] = Ref{KindGroup, g.ID}
	for _, m := range g.Members {
		w.indexMember(g, m)
	}
	for _, o := range g.Owners {
		if ix.ownerOf != nil {
			ix.ownerOf[o.ID] = append(ix.ownerOf[o.ID], g)
		}
	}
	w.record(Change{Op: ChangeObject, Object: Ref{KindGroup, g.ID}})
	return nil
}

// DeleteGroup deletes a group (see DeleteUser for what goes with it; it also leaves its parent groups).
func (w *World) DeleteGroup(id string, permanent bool) error {
	g := w.Group(id)
	if g == nil {
		return ErrNotFound
	}
	w.deleteObjects([]Ref{{KindGroup, g.ID}}, permanent)
	return nil
}

func (w *World) indexMember(g *Group, m Ref) {
	ix := w.ix()
	if ix.memberOf != nil {
		ix.memberOf[m.ID] = append(ix.memberOf[m.ID], g)
	}
	if m.Kind == KindUser && len(g.Licenses) > 0 {
		ix.licensedGroups[m.ID] = append(ix.licensedGroups[m.ID], g)
	}
}

func (w *World) unindexMember(g *Group, id string) {
	ix := w.ix()
	if ix.memberOf != nil {
		if l := removeGroup(ix.memberOf[id], g); len(l) > 0 {
			ix.memberOf[id] = l
		} else {
			delete(ix.memberOf, id)
		}
	}
	if len(g.Licenses) > 0 {
		if l := removeGroup(ix.licensedGroups[id], g); len(l) > 0 {
			ix.licensedGroups[id] = l
		} else {
			delete(ix.licensedGroups, id)
		}
	}
}

// AddGroupMember makes m a direct member of the group: ErrNotFound if the group or m does not exist,
// ErrExists if m already is a member.
func (w *World) AddGroupMember(groupID string, m Ref) error {
	g := w.Group(groupID)
	if g == nil {
		return ErrNotFound
	}
	if _, exists := w.Object(m.ID); !exists {
		return ErrNotFound
	}
	if g.HasMember(m.ID) {
		return ErrExists
	}
	g.Members = append(g.Members, m)
	w.indexMember(g, m)
	w.record(Change{Op: ChangeMemberAdded, Object: Ref{KindGroup, g.ID}, Member: m})
	return nil
}

// RemoveGroupMember removes a direct member: ErrNotFound if the group does not exist or memberID is not
// a member.
func (w *World) RemoveGroupMember(groupID, memberID string) error {
	g := w.Group(groupID)
	if g == nil {
		return ErrNotFound
	}
	i := refIndex(g.Members, strings.ToLower(memberID))
	if i < 0 {
		return ErrNotFound
	}
	m := g.Members[i]
	g.Members = slices.Delete(g.Members, i, i+1)
	w.unindexMember(g, m.ID)
	w.record(Change{Op: ChangeMemberRemoved, Object: Ref{KindGroup, g.ID}, Member: m})
	return nil
}

// AddGroupOwner makes o an owner of the group (errors as AddGroupMember). Owner changes are not journaled:
// Graph's groups delta reports members, not owners.
func (w *World) AddGroupOwner(groupID string, o Ref) error {
	g := w.Group(groupID)
	if g == nil {
		return ErrNotFound
	}
	if _, exists := w.Object(o.ID); !exists {
		return ErrNotFound
	}
	if g.HasOwner(o.ID) {
		return ErrExists
	}
	g.Owners = append(g.Owners, o)
	if ix := w.ix(); ix.ownerOf != nil {
		ix.ownerOf[o.ID] = append(ix.ownerOf[o.ID], g)
	}
	return nil
}

// RemoveGroupOwner removes an owner (errors as RemoveGroupMember).
func (w *World) RemoveGroupOwner(groupID, ownerID string) error {
	g := w.Group(groupID)
	if g == nil {
		return ErrNotFound
	}
	i := refIndex(g.Owners, strings.ToLower(ownerID))
	if i < 0 {
		return ErrNotFound
	}
	id := g.Owners[i].ID
	g.Owners = slices.Delete(g.Owners, i, i+1)
	if ix := w.ix(); ix.ownerOf != nil {
		if l := removeGroup(ix.ownerOf[id], g); len(l) > 0 {
			ix.ownerOf[id] = l
		} else {
			delete(ix.ownerOf, id)
		}
	}
	return nil
}

// deleteObjects removes users, groups and service principals and everything that references them.
func (w *World) deleteObjects(refs []Ref, permanent bool) {
	if len(refs) == 0 {
		return
	}
	ix := w.relations()
	gone := make(map[string]Kind, len(refs))
	for _, r := range refs {
		gone[r.ID] = r.Kind
	}
	// Memberships and ownerships of the deleted objects, and the deleted groups' own member lists.
	for _, r := range refs {
		for _, g := range slices.Clone(ix.memberOf[r.ID]) {
			if _, deleted := gone[g.ID]; deleted {
				continue
			}
			_ = w.RemoveGroupMember(g.ID, r.ID)
		}
		for _, g := range slices.Clone(ix.ownerOf[r.ID]) {
			_ = w.RemoveGroupOwner(g.ID, r.ID)
		}
		delete(ix.memberOf, r.ID)
		delete(ix.ownerOf, r.ID)
		delete(ix.licensedGroups, r.ID)
		if r.Kind == KindGroup {
			g := ix.groups[r.ID]
			for _, m := range g.Members {
				w.unindexMember(g, m.ID)
			}
			for _, o := range g.Owners {
				if l := removeGroup(ix.ownerOf[o.ID], g); len(l) > 0 {
					ix.ownerOf[o.ID] = l
				} else {
					delete(ix.ownerOf, o.ID)
				}
			}
		}
	}
	keepRefs := func(rs []Ref) []Ref {
		return slices.DeleteFunc(rs, func(r Ref) bool { _, deleted := gone[r.ID]; return deleted })
	}
	for _, s := range w.ServicePrincipals {
		s.Owners = keepRefs(s.Owners)
	}
	for _, a := range w.Applications {
		a.Owners = keepRefs(a.Owners)
	}
	for _, au := range w.AdministrativeUnits {
		au.Members = keepRefs(au.Members)
	}
	w.DirectoryAssignments = slices.DeleteFunc(w.DirectoryAssignments, func(a *DirectoryRoleAssignment) bool {
		_, deleted := gone[a.Principal.ID]
		return deleted
	})
	w.GroupAccess = slices.DeleteFunc(w.GroupAccess, func(a *GroupAccess) bool {
		_, p := gone[a.Principal.ID]
		_, g := gone[a.GroupID]
		return p || g
	})
	w.AppRoleAssignments = slices.DeleteFunc(w.AppRoleAssignments, func(a *AppRoleAssignment) bool {
		_, p := gone[a.Principal.ID]
		_, res := gone[a.ResourceID]
		return p || res
	})
	for _, a := range w.ARMAssignments {
		if _, deleted := gone[strings.ToLower(a.PrincipalID)]; deleted {
			a.Ghost = true
		}
	}
	w.Users = slices.DeleteFunc(w.Users, func(u *User) bool { _, deleted := gone[u.ID]; return deleted })
	w.Groups = slices.DeleteFunc(w.Groups, func(g *Group) bool { _, deleted := gone[g.ID]; return deleted })
	w.ServicePrincipals = slices.DeleteFunc(w.ServicePrincipals, func(s *ServicePrincipal) bool {
		_, deleted := gone[s.ID]
		return deleted
	})
	for _, r := range refs {
		switch r.Kind {
		case KindUser:
			if u := ix.users[r.ID]; u != nil {
				delete(ix.upn, strings.ToLower(u.UserPrincipalName))
			}
			delete(ix.users, r.ID)
		case KindGroup:
			delete(ix.groups, r.ID)
		case KindServicePrincipal:
			if s := ix.sps[r.ID]; s != nil {
				delete(ix.spByApp, s.AppID)
			}
			delete(ix.sps, r.ID)
		}
		delete(ix.objects, r.ID)
		w.record(Change{Op: ChangeDeleted, Object: r, Permanent: permanent})
	}
}

// AddDirectoryAssignment adds an active or eligible directory role assignment. An active assignment of a
// built-in role activates the role's legacy directoryRole object, as Graph does.
func (w *World) AddDirectoryAssignment(a *DirectoryRoleAssignment) {
	w.DirectoryAssignments = append(w.DirectoryAssignments, a)
	w.noteExpiry(a.End)
	if a.Eligible {
		return
	}
	if r := w.DirectoryRole(a.RoleDefinitionID); r != nil && r.IsBuiltIn && r.DirectoryRoleID == "" {
		r.DirectoryRoleID = uuid.NewSHA1(uuid.NameSpaceOID, []byte("azsim/directoryRole/"+w.Tenant.ID+"/"+r.ID)).String()
		w.ix().rolesByDirRole[r.DirectoryRoleID] = r
	}
}

// RemoveDirectoryAssignment removes the directory role assignment with the given id and returns it, or nil.
func (w *World) RemoveDirectoryAssignment(id string) *DirectoryRoleAssignment {
	for i, a := range w.DirectoryAssignments {
		if a.ID == id {
			w.DirectoryAssignments = slices.Delete(w.DirectoryAssignments, i, i+1)
			return a
		}
	}
	return nil
}

// AddAppRoleAssignment adds an app role assignment.
func (w *World) AddAppRoleAssignment(a *AppRoleAssignment) {
	w.AppRoleAssignments = append(w.AppRoleAssignments, a)
}

// RemoveAppRoleAssignment removes the app role assignment with the given id and returns it, or nil.
func (w *World) RemoveAppRoleAssignment(id string) *AppRoleAssignment {
	for i, a := range w.AppRoleAssignments {
		if a.ID == id {
			w.AppRoleAssignments = slices.Delete(w.AppRoleAssignments, i, i+1)
			return a
		}
	}
	return nil
}

// AddGroupAccess adds a PIM for Groups eligibility or assignment. An active assignment is a membership
// (or ownership) of the group: ErrExists if the principal already has it, ErrNotFound if the group or
// principal does not exist.
func (w *World) AddGroupAccess(ga *GroupAccess) error {
	if w.Group(ga.GroupID) == nil {
		return ErrNotFound
	}
	if _, exists := w.Object(ga.Principal.ID); !exists {
		return ErrNotFound
	}
	if !ga.Eligible {
		var err error
		if ga.AccessID == "owner" {
			err = w.AddGroupOwner(ga.GroupID, ga.Principal)
		} else {
			err = w.AddGroupMember(ga.GroupID, ga.Principal)
		}
		if err != nil {
			return err
		}
	}
	w.GroupAccess = append(w.GroupAccess, ga)
	w.noteExpiry(ga.End)
	return nil
}

// RemoveGroupAccess removes a PIM for Groups eligibility or assignment (and, for an active assignment, the
// membership or ownership it grants) and returns it, or nil.
func (w *World) RemoveGroupAccess(id string) *GroupAccess {
	for i, a := range w.GroupAccess {
		if a.ID != id {
			continue
		}
		w.GroupAccess = slices.Delete(w.GroupAccess, i, i+1)
		w.revokeGroupAccess(a)
		return a
	}
	return nil
}

func (w *World) revokeGroupAccess(a *GroupAccess) {
	if a.Eligible {
		return
	}
	if a.AccessID == "owner" {
		_ = w.RemoveGroupOwner(a.GroupID, a.Principal.ID)
	} else {
		_ = w.RemoveGroupMember(a.GroupID, a.Principal.ID)
	}
}

// AddARMAssignment adds an active or eligible Azure role assignment.
func (w *World) AddARMAssignment(a *ARMRoleAssignment) {
	w.ARMAssignments = append(w.ARMAssignments, a)
	w.noteExpiry(a.End)
}

// RemoveARMAssignment removes the active (eligible=false) or eligible Azure role assignment with the given
// name at scope and returns it, or nil.
func (w *World) RemoveARMAssignment(scope, name string, eligible bool) *ARMRoleAssignment {
	ns := NormalizeScope(scope)
	for i, a := range w.ARMAssignments {
		if a.Eligible == eligible && strings.EqualFold(a.Name, name) && NormalizeScope(a.Scope) == ns {
			w.ARMAssignments = slices.Delete(w.ARMAssignments, i, i+1)
			return a
		}
	}
	return nil
}

// Expired counts what ExpireSchedules removed.
type Expired struct {
	DirectoryAssignments, GroupAccess, ARMAssignments int
}

// ExpireSchedules removes every time-bound assignment whose end is not after now (directory roles, PIM
// for Groups — with the membership an active one grants — and Azure roles), as PIM does when a schedule
// ends.
func (w *World) ExpireSchedules(now time.Time) Expired {
	var n Expired
	ended := func(end *time.Time) bool { return end != nil && !end.After(now) }
	w.DirectoryAssignments = slices.DeleteFunc(w.DirectoryAssignments, func(a *DirectoryRoleAssignment) bool {
		if ended(a.End) {
			n.DirectoryAssignments++
			return true
		}
		return false
	})
	var revoked []*GroupAccess
	w.GroupAccess = slices.DeleteFunc(w.GroupAccess, func(a *GroupAccess) bool {
		if ended(a.End) {
			revoked = append(revoked, a)
			return true
		}
		return false
	})
	n.GroupAccess = len(revoked)
	for _, a := range revoked {
		w.revokeGroupAccess(a)
	}
	w.ARMAssignments = slices.DeleteFunc(w.ARMAssignments, func(a *ARMRoleAssignment) bool {
		if ended(a.End) {
			n.ARMAssignments++
			return true
		}
		return false
	})
	w.j().nextExpiry = w.scanNextExpiry()
	return n
}
