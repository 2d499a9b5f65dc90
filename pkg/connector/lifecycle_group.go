package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Group creation reads the resource's display name and these profile fields (the same keys the sync
// writes on group resources).
const (
	grpKind           = "kind"            // "security" (default) or "m365"
	grpMailNickname   = "mail_nickname"   // default: derived from the display name
	grpDescription    = "description"     // optional
	grpRoleAssignable = "role_assignable" // security groups only; needs RoleManagement.ReadWrite.Directory
	grpVisibility     = "visibility"      // m365: Public (default) or Private
)

// parseNewGroup validates a group creation request completely before anything is written.
func parseNewGroup(r *v2.Resource) (graph.NewGroup, error) {
	var g graph.NewGroup
	if r.GetId().GetResourceType() != typeGroup {
		return g, errLifecycleType("creating a group", r.GetId().GetResourceType(), typeGroup)
	}
	g.DisplayName = strings.TrimSpace(r.GetDisplayName())
	if g.DisplayName == "" || len(g.DisplayName) > 256 {
		return g, lifecycleInvalid("display name", "the group's name (1–256 characters)", g.DisplayName)
	}
	profile := groupProfile(r)
	known := map[string]bool{grpKind: true, grpMailNickname: true, grpDescription: true, grpRoleAssignable: true, grpVisibility: true}
	var unknown []string
	for k := range profile {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return g, status.Errorf(codes.InvalidArgument, "%s: unknown group profile field(s) %s; a new group takes %s (security or m365), %s, %s, %s (true/false) and %s",
			errPrefix, strings.Join(unknown, ", "), grpKind, grpMailNickname, grpDescription, grpRoleAssignable, grpVisibility)
	}
	str := func(k string) (string, error) {
		v, present := profile[k]
		if !present {
			return "", nil
		}
		s, isStr := v.(string)
		if !isStr {
			return "", lifecycleInvalid("group profile field "+k, "a string", fmt.Sprint(v))
		}
		return strings.TrimSpace(s), nil
	}
	kind, err := str(grpKind)
	if err != nil {
		return g, err
	}
	if g.MailNickname, err = str(grpMailNickname); err != nil {
		return g, err
	}
	if g.Description, err = str(grpDescription); err != nil {
		return g, err
	}
	if g.Visibility, err = str(grpVisibility); err != nil {
		return g, err
	}
	roleAssignable := false
	if v, present := profile[grpRoleAssignable]; present {
		b, isBool := v.(bool)
		if !isBool {
			return g, lifecycleInvalid("group profile field "+grpRoleAssignable, "true or false", fmt.Sprint(v))
		}
		roleAssignable = b
	}
	if _, given := profile[grpMailNickname]; !given {
		g.MailNickname = mailNicknameFrom(g.DisplayName)
	}
	if !lifecycleMailNick.MatchString(g.MailNickname) {
		return g, lifecycleInvalid("group profile field "+grpMailNickname, lifecycleMailNickForm, g.MailNickname)
	}
	switch kind {
	case "", "security":
		g.SecurityEnabled, g.GroupTypes = true, []string{}
		if g.Visibility != "" {
			return g, lifecycleInvalid("group profile field "+grpVisibility, "unset for a security group (it applies to m365 groups)", g.Visibility)
		}
	case "m365":
		g.MailEnabled, g.GroupTypes = true, []string{"Unified"}
		if roleAssignable {
			return g, status.Errorf(codes.InvalidArgument, "%s: %s applies to security groups only (kind security); got kind m365", errPrefix, grpRoleAssignable)
		}
		if g.Visibility != "" && g.Visibility != "Public" && g.Visibility != "Private" {
			return g, lifecycleInvalid("group profile field "+grpVisibility, "Public or Private", g.Visibility)
		}
	default:
		return g, lifecycleInvalid("group profile field "+grpKind, "security or m365 (distribution and mail-enabled security groups are managed in Exchange)", kind)
	}
	if roleAssignable {
		t := true
		g.IsAssignableToRole = &t
	}
	return g, nil
}

// groupProfile is the profile of a group resource: the resource-level profile, else the group trait's.
func groupProfile(r *v2.Resource) map[string]any {
	if p := r.GetProfile(); p != nil {
		return p.AsMap()
	}
	var gt v2.GroupTrait
	for _, a := range r.GetAnnotations() {
		if a.MessageIs(&gt) && a.UnmarshalTo(&gt) == nil {
			return gt.GetProfile().AsMap() // where older clients put it
		}
	}
	return map[string]any{}
}

// Create creates a security or Microsoft 365 group (optionally role-assignable) and returns it as the sync
// would show it.
func (s *groupSyncer) Create(ctx context.Context, r *v2.Resource) (*v2.Resource, annotations.Annotations, error) {
	ng, err := parseNewGroup(r)
	if err != nil {
		return nil, nil, err
	}
	perm := permGroupCreate
	if ng.IsAssignableToRole != nil {
		perm = permRoleAssignableGrp
	}
	g, err := s.c.graph.CreateGroup(ctx, ng)
	if err != nil {
		return nil, nil, lifecycleWriteErr(err, "create group "+ng.DisplayName, perm)
	}
	out, err := groupResource(g)
	if err != nil {
		return nil, nil, wrapErr(err, "build group "+g.ID)
	}
	ctxzap.Extract(ctx).Info("baton-azure: created group", zap.String("group_id", g.ID), zap.String("kind", GroupKind(g)))
	return out, nil, nil
}

// Delete deletes a group (Microsoft 365 groups stay restorable for 30 days, security groups do not). A
// group that no longer exists is already deleted: no error. Groups synced from on-premises AD are refused.
func (s *groupSyncer) Delete(ctx context.Context, id *v2.ResourceId, _ *v2.ResourceId) (annotations.Annotations, error) {
	if id.GetResourceType() != typeGroup {
		return nil, errLifecycleType("deleting a group", id.GetResourceType(), typeGroup)
	}
	if err := checkObjectID("group id", id.GetResource()); err != nil {
		return nil, err
	}
	g, err := s.c.graph.LookupGroup(ctx, id.GetResource())
	if isNotFound(err) {
		ctxzap.Extract(ctx).Info("baton-azure: group already deleted", zap.String("group_id", id.GetResource()))
		return nil, nil
	}
	if err != nil {
		return nil, lifecycleWriteErr(err, "look up group "+id.GetResource(), permGroupWrite)
	}
	if g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled {
		return nil, status.Errorf(codes.FailedPrecondition, "%s: group %s (%s) is synced from on-premises Active Directory; delete it there",
			errPrefix, g.ID, g.DisplayName)
	}
	if g.MailEnabled && !contains(g.GroupTypes, "Unified") {
		return nil, status.Errorf(codes.FailedPrecondition, "%s: group %s (%s) is a %s group, managed in Exchange Online; delete it there",
			errPrefix, g.ID, g.DisplayName, GroupKind(g))
	}
	perm := permGroupWrite
	if g.IsAssignableToRole != nil && *g.IsAssignableToRole {
		perm = permRoleAssignableGrp
	}
	if err := s.c.graph.DeleteGroup(ctx, g.ID); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, lifecycleWriteErr(err, "delete group "+g.ID, perm)
	}
	ctxzap.Extract(ctx).Info("baton-azure: deleted group", zap.String("group_id", g.ID), zap.String("kind", GroupKind(g)))
	return nil, nil
}
