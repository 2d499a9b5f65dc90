package connector

import (
	"context"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

// Enterprise application grants are type-scoped like group grants (group_grants.go): the first call lists
// a page of service principals and enqueues cursors of reads — each application's app role assignments
// (appRoleAssignedTo) and owners — that are read with JSON batching.

// Kinds of enterprise application reads.
const (
	workAssignedTo = "a"
	workAppOwners  = "ao"
)

func appWorkTarget(w groupWork) string {
	switch {
	case w.Link != "":
		return w.Link
	case w.Kind == workAppOwners:
		return graph.ServicePrincipalOwnersPath(w.Group)
	}
	return graph.AppRoleAssignedToPath(w.Group)
}

// GrantsForResourceType serves the enterprise application grants.
func (s *enterpriseAppSyncer) GrantsForResourceType(ctx context.Context, _ string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	cur, err := parseWorkCursor(opts.PageToken.Token, workAssignedTo, workAppOwners)
	if err != nil {
		return nil, nil, wrapErr(err, "resume the enterprise application grants")
	}
	if cur.Fan != nil {
		page, err := s.c.graph.ListServicePrincipals(ctx, cur.Fan.Link)
		if err != nil {
			return nil, nil, wrapErr(err, "list service principals")
		}
		var work []groupWork
		for _, sp := range page.Value {
			s.c.spTypes.remember(sp.ID, sp.ServicePrincipalType)
			if spResourceType(sp.ServicePrincipalType) == typeEnterpriseApp {
				work = append(work, groupWork{Group: sp.ID, Kind: workAssignedTo}, groupWork{Group: sp.ID, Kind: workAppOwners})
			}
		}
		next := ""
		if page.NextLink != "" {
			next = groupCursor{Fan: &rbacFan{Link: page.NextLink}}.encode()
		}
		return nil, enqueueWork(work, next), nil
	}
	return s.c.readBatched(ctx, cur.Work, appWorkTarget, "read app role assignments and owners of enterprise applications",
		func(w groupWork, r graph.BatchResult, grants []*v2.Grant) ([]*v2.Grant, string, error) {
			spID := w.Group
			res := v2.Resource_builder{Id: resourceID(typeEnterpriseApp, spID)}.Build()
			if w.Kind == workAppOwners {
				page, err := graph.DecodePage[graph.DirectoryObject](r)
				if err != nil {
					return nil, "", wrapErr(err, "list owners of "+spID)
				}
				for _, o := range page.Value {
					p, ok := s.c.principalOf(o)
					if !ok {
						skipUnmodelled(ctx, "enterprise application "+spID+" owners", o)
						continue
					}
					grants = append(grants, s.c.newGrant(res, entOwner, p, nil))
				}
				return grants, page.NextLink, nil
			}
			page, err := graph.DecodePage[graph.AppRoleAssignment](r)
			if err != nil {
				return nil, "", wrapErr(err, "list app role assignments of "+spID)
			}
			if err := s.c.resolvePrincipals(ctx, s.c.unresolvedPrincipalIDs(page.Value)); err != nil {
				return nil, "", err
			}
			for _, a := range page.Value {
				p, ok := s.c.principalOfType(a.PrincipalType, a.PrincipalID)
				if !ok {
					continue // a principal that is not synced (skip-ad-groups)
				}
				grants = append(grants, s.c.newGrant(res, appRoleSlug(a.AppRoleID), p, map[string]any{"app_role_assignment_id": a.ID}))
			}
			return grants, page.NextLink, nil
		})
}
