package connector

import (
	"context"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Grant and Revoke of direct license assignments (assignLicense). Group-based licenses are immutable here:
// they follow group membership and are changed on the group.

const licenseEntForm = "license:<sku id>:assigned"

const permLicense = "LicenseAssignment.ReadWrite.All (or User.ReadWrite.All)"

func parseLicense(ent *v2.Entitlement) (provisionEntitlement, error) {
	e, err := parseProvisionEntitlement(ent, typeLicense, licenseEntForm)
	if err != nil {
		return e, err
	}
	if e.Slug != entAssigned {
		return e, invalidID("entitlement", e.ID, licenseEntForm)
	}
	return e, nil
}

// licenseState reads how the user holds the SKU: directly, and through which groups.
func (c *Connector) licenseState(ctx context.Context, userID, skuID string) (direct bool, groups []string, err error) {
	u, err := c.graph.UserLicenseStates(ctx, userID)
	if err != nil {
		return false, nil, wrapErr(err, "read the licenses of user "+userID)
	}
	for _, st := range u.LicenseAssignmentStates {
		if !strings.EqualFold(st.SkuID, skuID) {
			continue
		}
		if st.AssignedByGroup == "" {
			direct = true
		} else {
			groups = append(groups, st.AssignedByGroup)
		}
	}
	return direct, groups, nil
}

func (s *licenseSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	e, err := parseLicense(ent)
	if err != nil {
		return nil, nil, err
	}
	if principal.GetId().GetResourceType() == typeGroup && isGUID(principal.GetId().GetResource()) {
		return nil, nil, refusef("license %s cannot be granted to group %s: baton-azure assigns licenses to users directly only; "+
			"group-based licensing is managed on the group (Microsoft Entra admin center → Groups → the group → Licenses)",
			e.ResourceID, principal.GetId().GetResource())
	}
	p, err := provisionPrincipal(principal.GetId(), "license "+e.ID, typeUser)
	if err != nil {
		return nil, nil, err
	}
	out := []*v2.Grant{s.c.newGrant(grantResource(ent, e), entAssigned, p, map[string]any{"assignment": "direct"})}
	direct, _, err := s.c.licenseState(ctx, p.GetResource(), e.ResourceID)
	if err != nil {
		return nil, nil, err
	}
	if direct {
		return out, grantAlreadyExists(), nil
	}
	if err := s.c.graph.AssignLicense(ctx, p.GetResource(), []string{e.ResourceID}, nil); err != nil {
		if ge, ok := graph.AsError(err); ok && strings.Contains(strings.ToLower(ge.Message), "usage location") {
			return nil, nil, refusef("user %s has no usage location, which Microsoft 365 requires before a license can be assigned; "+
				"set the user's usageLocation (Microsoft Entra admin center → Users → the user → Properties → Settings) and grant again: %v",
				p.GetResource(), err)
		}
		return nil, nil, writeErr(err, "assign license "+e.ResourceID+" to user "+p.GetResource(), permLicense)
	}
	return out, nil, nil
}

func (s *licenseSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	e, err := parseLicense(g.GetEntitlement())
	if err != nil {
		return nil, err
	}
	p, err := parseRevokeGrant(g, e)
	if err != nil {
		return nil, err
	}
	if err := refuseDerivedGrant(g); err != nil {
		return nil, err
	}
	if p.GetResourceType() == typeGroup {
		return nil, refusef("grant %s is a group-based license: it follows membership of group %s and is immutable here; "+
			"remove the license from the group (Microsoft Entra admin center → Groups → the group → Licenses), or remove users from the group",
			g.GetId(), p.GetResource())
	}
	if p.GetResourceType() != typeUser {
		return nil, refusePrincipalType("license "+e.ID, p.GetResourceType(), typeUser)
	}
	direct, groups, err := s.c.licenseState(ctx, p.GetResource(), e.ResourceID)
	if err != nil {
		return nil, err
	}
	if !direct {
		if len(groups) > 0 {
			return nil, refusef("user %s holds license %s only through group-based licensing (group %s), which cannot be removed from the user; "+
				"remove the user from that group or the license from the group", p.GetResource(), e.ResourceID, strings.Join(groups, ", group "))
		}
		return grantAlreadyRevoked(), nil
	}
	if err := s.c.graph.AssignLicense(ctx, p.GetResource(), nil, []string{e.ResourceID}); err != nil {
		if graph.IsDoesNotExist(err) {
			return grantAlreadyRevoked(), nil
		}
		return nil, writeErr(err, "remove license "+e.ResourceID+" from user "+p.GetResource(), permLicense)
	}
	return nil, nil
}
