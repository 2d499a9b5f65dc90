package connector

import (
	"context"

	config "github.com/conductorone/baton-sdk/pb/c1/config/v1"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// Resource actions on users: disable_user and enable_user set accountEnabled (baton-sdk's
// ACCOUNT_DISABLE / ACCOUNT_ENABLE action types). Argument: resource_id, the user's resource id.
const (
	actionDisableUser = "disable_user"
	actionEnableUser  = "enable_user"
	actionArgResource = "resource_id"
)

// ResourceActions registers disable_user and enable_user.
func (s *userSyncer) ResourceActions(ctx context.Context, registry actions.ActionRegistry) error {
	for _, a := range []struct {
		name, display, desc string
		typ                 v2.ActionType
		enabled             bool
	}{
		{actionDisableUser, "Disable user", "Block sign-in (accountEnabled false); existing sessions end when their tokens expire",
			v2.ActionType_ACTION_TYPE_ACCOUNT_DISABLE, false},
		{actionEnableUser, "Enable user", "Allow sign-in again (accountEnabled true)", v2.ActionType_ACTION_TYPE_ACCOUNT_ENABLE, true},
	} {
		schema := v2.BatonActionSchema_builder{
			Name: a.name, DisplayName: a.display, Description: a.desc, ActionType: []v2.ActionType{a.typ},
			Arguments: []*config.Field{config.Field_builder{Name: actionArgResource, DisplayName: "User",
				Description: "The user's resource id (resource_type_id user, resource_id its object id)", IsRequired: true,
				ResourceIdField: &config.ResourceIdField{}}.Build()},
			ReturnTypes: []*config.Field{
				config.Field_builder{Name: "success", BoolField: &config.BoolField{}}.Build(),
				config.Field_builder{Name: "changed", DisplayName: "Changed", Description: "false when the user was already in that state",
					BoolField: &config.BoolField{}}.Build(),
			},
		}.Build()
		enabled := a.enabled
		if err := registry.Register(ctx, schema, func(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
			return s.setAccountEnabled(ctx, args, enabled)
		}); err != nil {
			return err
		}
	}
	return nil
}

// setAccountEnabled serves disable_user and enable_user. A user already in the requested state is left
// alone (changed false); users synced from on-premises AD are refused (their state is mastered there).
func (s *userSyncer) setAccountEnabled(ctx context.Context, args *structpb.Struct, enabled bool) (*structpb.Struct, annotations.Annotations, error) {
	op := map[bool]string{true: actionEnableUser, false: actionDisableUser}[enabled]
	if !s.c.writeActions {
		return nil, nil, status.Errorf(codes.FailedPrecondition, "%s: %s changes the tenant and runs only with provisioning enabled: "+
			"add --provisioning (-p) or set BATON_PROVISIONING=true", errPrefix, op)
	}
	id, ok := actions.GetResourceIDArg(args, actionArgResource)
	if !ok {
		return nil, nil, status.Errorf(codes.InvalidArgument, `%s: %s needs the argument %s: {"%s": {"resource_type_id": "user", "resource_id": "<user object id>"}}`,
			errPrefix, op, actionArgResource, actionArgResource)
	}
	if id.GetResourceType() != typeUser {
		return nil, nil, errLifecycleType(op, id.GetResourceType(), typeUser)
	}
	if err := checkObjectID("user id", id.GetResource()); err != nil {
		return nil, nil, err
	}
	u, err := s.c.graph.LookupUser(ctx, id.GetResource())
	if err != nil {
		if isNotFound(err) {
			return nil, nil, status.Errorf(codes.NotFound, "%s: %s: no user %s in the tenant", errPrefix, op, id.GetResource())
		}
		return nil, nil, lifecycleWriteErr(err, op+" "+id.GetResource(), permUserWrite)
	}
	result := func(changed bool) *structpb.Struct {
		return actions.NewReturnValues(true, actions.NewBoolReturnField("changed", changed))
	}
	if u.AccountEnabled == enabled {
		return result(false), nil, nil
	}
	if u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled {
		return nil, nil, status.Errorf(codes.FailedPrecondition, "%s: %s: user %s (%s) is synced from on-premises Active Directory; "+
			"enable or disable it there", errPrefix, op, u.ID, u.UserPrincipalName)
	}
	if err := s.c.graph.SetAccountEnabled(ctx, u.ID, enabled); err != nil {
		return nil, nil, lifecycleWriteErr(err, op+" "+u.ID, permUserWrite)
	}
	ctxzap.Extract(ctx).Info("baton-azure: "+op, zap.String("user_id", u.ID), zap.String("user_principal_name", u.UserPrincipalName))
	return result(true), nil, nil
}
