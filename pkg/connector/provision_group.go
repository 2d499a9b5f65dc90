package connector

import (
	"context"
	"fmt"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Grant and Revoke of group membership, ownership and PIM for Groups eligibility.

const groupEntForm = "group:<group object id>:member, :owner, :eligible-member or :eligible-owner"

// Permissions the group writes need, named when Graph refuses one for lack of it.
const (
	permGroupMember     = "GroupMember.ReadWrite.All"
	permGroupMemberRole = "GroupMember.ReadWrite.All and RoleManagement.ReadWrite.Directory (the group is role-assignable)"
	permGroupOwner      = "Group.ReadWrite.All"
	permGroupOwnerRole  = "Group.ReadWrite.All and RoleManagement.ReadWrite.Directory (the group is role-assignable)"
	permGroupEligible   = "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"
)

// groupPrincipalTypes are the principal types each group entitlement can be granted to.
func groupPrincipalTypes(slug string) []string {
	switch slug {
	case entMember:
		return []string{typeUser, typeGroup, typeEnterpriseApp, typeManagedIdentity}
	case entOwner:
		return []string{typeUser, typeEnterpriseApp, typeManagedIdentity} // groups cannot own groups
	}
	return []string{typeUser, typeGroup} // PIM for Groups: users and groups
}

// parseGroupEntitlement checks a group entitlement id and its slug.
func parseGroupEntitlement(ent *v2.Entitlement) (provisionEntitlement, error) {
	e, err := parseProvisionEntitlement(ent, typeGroup, groupEntForm)
	if err != nil {
		return e, err
	}
	switch e.Slug {
	case entMember, entOwner, entEligibleMember, entEligibleOwner:
		return e, nil
	}
	return e, invalidID("entitlement", e.ID, groupEntForm)
}

func (s *groupSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	e, err := parseGroupEntitlement(ent)
	if err != nil {
		return nil, nil, err
	}
	what := "group " + e.Slug + " (" + e.ID + ")"
	p, err := provisionPrincipal(principal.GetId(), what, groupPrincipalTypes(e.Slug)...)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.c.graph.GetGroup(ctx, e.ResourceID)
	if err != nil {
		return nil, nil, wrapErr(err, "read group "+e.ResourceID)
	}
	if err := refuseGroupWrite(g, e.Slug, p); err != nil {
		return nil, nil, err
	}
	res := grantResource(ent, e)
	pid := p.GetResource()
	switch e.Slug {
	case entMember, entOwner:
		has, add, perm := s.c.graph.HasGroupMember, s.c.graph.AddGroupMember, groupPermission(g, permGroupMember, permGroupMemberRole)
		if e.Slug == entOwner {
			has, add, perm = s.c.graph.HasGroupOwner, s.c.graph.AddGroupOwner, groupPermission(g, permGroupOwner, permGroupOwnerRole)
		}
		out := []*v2.Grant{s.c.newGrant(res, e.Slug, p, nil)}
		exists, err := has(ctx, g.ID, pid)
		if err != nil {
			return nil, nil, wrapErr(err, "read the "+e.Slug+"s of group "+g.ID)
		}
		if exists {
			return out, grantAlreadyExists(), nil
		}
		if err := add(ctx, g.ID, pid); err != nil {
			if graph.IsAlreadyExists(err) {
				return out, grantAlreadyExists(), nil
			}
			return nil, nil, writeErr(err, "add "+pid+" as "+e.Slug+" of group "+g.ID, perm)
		}
		return out, nil, nil
	}
	access := pimAccessID(e.Slug)
	if existing, err := s.groupEligibility(ctx, g.ID, pid, access); err != nil {
		return nil, nil, err
	} else if existing != nil {
		return []*v2.Grant{s.c.newGrant(res, e.Slug, p, scheduleMetadata(existing.StartDateTime, existing.EndDateTime))}, grantAlreadyExists(), nil
	}
	start, end := s.c.jitWindow(s.c.now())
	r, err := s.c.graph.RequestGroupSchedule(ctx, true, graph.ScheduleRequest{Action: graph.ActionAdminAssign, PrincipalID: pid,
		GroupID: g.ID, AccessID: access, Justification: s.c.s.pimJustification, Start: start, End: &end})
	md := scheduleMetadata(&start, &end)
	if err != nil {
		if graph.IsAlreadyExists(err) {
			return []*v2.Grant{s.c.newGrant(res, e.Slug, p, md)}, grantAlreadyExists(), nil
		}
		if isPremiumError(err) {
			return nil, nil, premiumError("PIM for Groups eligibility", err)
		}
		return nil, nil, writeErr(err, "make "+pid+" eligible "+access+" of group "+g.ID, permGroupEligible)
	}
	return []*v2.Grant{s.c.newGrant(res, e.Slug, p, scheduleResultMetadata(r, start, end))}, nil, nil
}

func (s *groupSyncer) Revoke(ctx context.Context, gr *v2.Grant) (annotations.Annotations, error) {
	e, err := parseGroupEntitlement(gr.GetEntitlement())
	if err != nil {
		return nil, err
	}
	p, err := parseRevokeGrant(gr, e)
	if err != nil {
		return nil, err
	}
	if err := refuseDerivedGrant(gr); err != nil {
		return nil, err
	}
	g, err := s.c.graph.GetGroup(ctx, e.ResourceID)
	if err != nil {
		return nil, wrapErr(err, "read group "+e.ResourceID)
	}
	if err := refuseGroupWrite(g, e.Slug, nil); err != nil {
		return nil, err
	}
	pid := p.GetResource()
	switch e.Slug {
	case entMember, entOwner:
		has, remove, perm := s.c.graph.HasGroupMember, s.c.graph.RemoveGroupMember, groupPermission(g, permGroupMember, permGroupMemberRole)
		if e.Slug == entOwner {
			has, remove, perm = s.c.graph.HasGroupOwner, s.c.graph.RemoveGroupOwner, groupPermission(g, permGroupOwner, permGroupOwnerRole)
		}
		exists, err := has(ctx, g.ID, pid)
		if err != nil {
			return nil, wrapErr(err, "read the "+e.Slug+"s of group "+g.ID)
		}
		if !exists {
			return grantAlreadyRevoked(), nil
		}
		if err := remove(ctx, g.ID, pid); err != nil {
			if graph.IsDoesNotExist(err) {
				return grantAlreadyRevoked(), nil
			}
			return nil, writeErr(err, "remove "+pid+" as "+e.Slug+" of group "+g.ID, perm)
		}
		return nil, nil
	}
	access := pimAccessID(e.Slug)
	existing, err := s.groupEligibility(ctx, g.ID, pid, access)
	if err != nil {
		return nil, err
	}
	if existing == nil {
		return grantAlreadyRevoked(), nil
	}
	if _, err := s.c.graph.RequestGroupSchedule(ctx, true, graph.ScheduleRequest{Action: graph.ActionAdminRemove, PrincipalID: pid,
		GroupID: g.ID, AccessID: access, Justification: s.c.s.pimJustification}); err != nil {
		if graph.IsDoesNotExist(err) {
			return grantAlreadyRevoked(), nil
		}
		return nil, writeErr(err, "remove the eligible "+access+"ship of "+pid+" in group "+g.ID, permGroupEligible)
	}
	return nil, nil
}

// groupEligibility returns the principal's direct PIM for Groups eligibility of accessID, or nil.
func (s *groupSyncer) groupEligibility(ctx context.Context, groupID, principalID, accessID string) (*graph.GroupSchedule, error) {
	es, err := s.c.graph.GroupEligibilitiesOf(ctx, groupID, principalID)
	if err != nil {
		if isPremiumError(err) {
			return nil, premiumError("PIM for Groups eligibility", err)
		}
		return nil, wrapErr(err, "read PIM for Groups eligibilities of "+principalID+" in group "+groupID)
	}
	for i := range es {
		if strings.EqualFold(es[i].AccessID, accessID) && strings.EqualFold(es[i].PrincipalID, principalID) &&
			(es[i].MemberType == "" || strings.EqualFold(es[i].MemberType, "Direct")) {
			return &es[i], nil
		}
	}
	return nil, nil
}

func pimAccessID(slug string) string {
	if slug == entEligibleOwner {
		return "owner"
	}
	return "member"
}

func groupPermission(g graph.Group, plain, roleAssignable string) string {
	if g.IsAssignableToRole != nil && *g.IsAssignableToRole {
		return roleAssignable
	}
	return plain
}

// refuseGroupWrite refuses, before any write, changes Microsoft Entra does not allow through Graph: the
// membership of dynamic and on-premises synced groups, anything on mail-enabled security and distribution
// groups (Exchange Online masters them), PIM for Groups on any of those, and nesting a group where groups
// cannot be members. principal is nil on revoke.
func refuseGroupWrite(g graph.Group, slug string, principal *v2.ResourceId) error {
	name := fmt.Sprintf("group %q (%s)", g.DisplayName, g.ID)
	kind := GroupKind(g)
	synced := g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled
	dynamic := contains(g.GroupTypes, "DynamicMembership")
	membership := slug != entOwner // members, and every PIM for Groups eligibility
	switch {
	case kind == "mailEnabledSecurity" || kind == "distribution":
		return refusef("%s is a %s group, which Exchange Online masters: Microsoft Graph cannot change its members or owners; "+
			"change them in the Exchange admin center or with Exchange Online PowerShell", name, map[string]string{
			"mailEnabledSecurity": "mail-enabled security", "distribution": "distribution"}[kind])
	case synced && (membership || slug == entEligibleOwner):
		return refusef("%s is synchronized from on-premises Active Directory: change its membership in Active Directory, "+
			"and Microsoft Entra Connect syncs it to Entra", name)
	case dynamic && (membership || slug == entEligibleOwner):
		return refusef("%s has dynamic membership (rule %q): its members are computed from the rule and cannot be assigned "+
			"(nor made eligible with PIM for Groups); change the rule in the Microsoft Entra admin center (Groups → %s → "+
			"Dynamic membership rules), or use an assigned-membership group", name, g.MembershipRule, g.DisplayName)
	}
	if principal == nil || principal.GetResourceType() != typeGroup || (slug != entMember && slug != entEligibleMember) {
		return nil
	}
	switch {
	case strings.EqualFold(principal.GetResource(), g.ID):
		return refusef("%s cannot be a member of itself", name)
	case g.IsAssignableToRole != nil && *g.IsAssignableToRole:
		return refusef("%s is role-assignable, and Microsoft Entra does not allow groups to be nested into a role-assignable group; "+
			"add the members of group %s directly instead", name, principal.GetResource())
	case kind == "m365":
		return refusef("%s is a Microsoft 365 group, which cannot have groups as members; add the members of group %s directly, "+
			"or nest into a security group", name, principal.GetResource())
	}
	return nil
}

// scheduleResultMetadata is the metadata of a grant a schedule request made: the window Graph answered
// with, else the one requested.
func scheduleResultMetadata(r graph.ScheduleRequestResult, start, end time.Time) map[string]any {
	s, e := &start, &end
	if r.ScheduleInfo.StartDateTime != nil {
		s = r.ScheduleInfo.StartDateTime
	}
	if r.ScheduleInfo.Expiration.EndDateTime != nil {
		e = r.ScheduleInfo.Expiration.EndDateTime
	}
	return scheduleMetadata(s, e)
}
