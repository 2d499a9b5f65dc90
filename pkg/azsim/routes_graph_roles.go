package azsim

import (
	"net/http"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/internal/odata"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// registerRoleManagement registers /roleManagement/directory and PIM for Groups reads.
func (s *Server) registerRoleManagement(reg func(pattern string, perms []string, h graphHandler)) {
	gs := s.gs
	const base = "GET /{ver}/roleManagement/directory/"
	reg(base+"roleDefinitions", permsRoles(), func(c *gctx) reply {
		rs := c.w.DirectoryRoles
		return c.list(gs.roleDefinition, len(rs), func(i int) any { return rs[i] }, listOpts{context: "roleManagement/directory/roleDefinitions"})
	})
	reg(base+"roleDefinitions/{id}", permsRoles(), func(c *gctx) reply {
		r := c.w.DirectoryRole(c.r.PathValue("id"))
		if r == nil {
			return notFound(c.r.PathValue("id"))
		}
		return c.single(gs.roleDefinition, r, "roleManagement/directory/roleDefinitions")
	})
	reg(base+"roleAssignments", permsRoles(), func(c *gctx) reply {
		as := directoryAssignments(c.w, false)
		return c.list(gs.roleAssignment, len(as), func(i int) any { return as[i] }, listOpts{context: "roleManagement/directory/roleAssignments"})
	})
	reg(base+"roleAssignments/{id}", permsRoles(), func(c *gctx) reply {
		for _, a := range c.w.DirectoryAssignments {
			if !a.Eligible && a.ID == c.r.PathValue("id") {
				return c.single(gs.roleAssignment, a, "roleManagement/directory/roleAssignments")
			}
		}
		return notFound(c.r.PathValue("id"))
	})
	reg(base+"roleEligibilityScheduleInstances", permsEligibility(), func(c *gctx) reply {
		if r, gated := c.premiumGate(); gated {
			return r
		}
		as := directoryAssignments(c.w, true)
		return c.list(gs.eligibilityInstance, len(as), func(i int) any { return as[i] }, listOpts{context: "roleManagement/directory/roleEligibilityScheduleInstances"})
	})
	reg(base+"roleAssignmentScheduleInstances", permsAssignmentSchedules(), func(c *gctx) reply {
		if r, gated := c.premiumGate(); gated {
			return r
		}
		as := directoryAssignments(c.w, false)
		return c.list(gs.assignmentInstance, len(as), func(i int) any { return as[i] }, listOpts{context: "roleManagement/directory/roleAssignmentScheduleInstances"})
	})

	const pim = "GET /{ver}/identityGovernance/privilegedAccess/group/"
	reg(pim+"eligibilityScheduleInstances", permsGroupEligibility(), func(c *gctx) reply { return c.groupSchedules(gs.groupEligibility, true) })
	reg(pim+"assignmentScheduleInstances", permsGroupAssignment(), func(c *gctx) reply { return c.groupSchedules(gs.groupAssignment, false) })
}

// premiumGate refuses PIM reads in a tenant without Entra ID P2 the way Graph does: 400, not 403.
func (c *gctx) premiumGate() (reply, bool) {
	if c.w.Tenant.HasP2 {
		return reply{}, false
	}
	return errorf(http.StatusBadRequest, "AadPremiumLicenseRequired",
		"The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."), true
}

func directoryAssignments(w *world.World, eligible bool) []*world.DirectoryRoleAssignment {
	var out []*world.DirectoryRoleAssignment
	for _, a := range w.DirectoryAssignments {
		if a.Eligible == eligible {
			out = append(out, a)
		}
	}
	return out
}

// groupSchedules serves PIM for Groups schedule instances. Graph requires the request to be scoped by a
// $filter on groupId or principalId.
func (c *gctx) groupSchedules(es *entitySet, eligible bool) reply {
	if r, gated := c.premiumGate(); gated {
		return r
	}
	q, aerr := c.parseQuery(es, listOpts{})
	if aerr != nil {
		return fail(aerr)
	}
	if q.filter == nil || !filtersOn(q.filter, "groupId", "principalId") {
		return errorf(http.StatusBadRequest, "BadRequest",
			"A filter on groupId or principalId is required: add $filter=groupId eq '{id}' or $filter=principalId eq '{id}'.")
	}
	var as []*world.GroupAccess
	for _, a := range c.w.GroupAccess {
		if a.Eligible == eligible {
			as = append(as, a)
		}
	}
	ctx := "identityGovernance/privilegedAccess/group/assignmentScheduleInstances"
	if eligible {
		ctx = "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances"
	}
	return c.listQ(es, len(as), func(i int) any { return as[i] }, listOpts{context: ctx}, q)
}

// filtersOn reports whether a filter constrains one of the properties with eq (at the top level or
// inside an and).
func filtersOn(e odata.Expr, props ...string) bool {
	switch x := e.(type) {
	case odata.Compare:
		if pr, isProp := x.Left.(odata.PropertyRef); isProp && strings.EqualFold(x.Op, "eq") {
			for _, p := range props {
				if strings.EqualFold(pr.Path, p) {
					return true
				}
			}
		}
	case odata.Binary:
		if strings.EqualFold(x.Op, "and") {
			return filtersOn(x.Left, props...) || filtersOn(x.Right, props...)
		}
		return filtersOn(x.Left, props...) && filtersOn(x.Right, props...)
	}
	return false
}
