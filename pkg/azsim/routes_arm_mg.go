package azsim

import (
	"net/http"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

const actionReadManagementGroup = "Microsoft.Management/managementGroups/read"

func (c *actx) managementGroup() (*world.ManagementGroup, *apiError) {
	mg := c.w.ManagementGroup(c.vars["mg"])
	if mg == nil {
		return nil, &apiError{status: http.StatusNotFound, code: "NotFound",
			message: "'/providers/Microsoft.Management/managementGroups/" + c.vars["mg"] + "' not found"}
	}
	if aerr := c.authorize(actionReadManagementGroup, mg.Scope()); aerr != nil {
		return nil, aerr
	}
	return mg, nil
}

func managementGroupSummary(w *world.World, mg *world.ManagementGroup) map[string]any {
	return map[string]any{"id": mg.Scope(), "type": "Microsoft.Management/managementGroups", "name": mg.Name,
		"properties": map[string]any{"tenantId": w.Tenant.ID, "displayName": mg.DisplayName}}
}

// handleListManagementGroups lists the management groups the caller can read.
func handleListManagementGroups(c *actx) reply {
	var out []any
	for _, mg := range c.w.ManagementGroups {
		if c.allowed(actionReadManagementGroup, mg.Scope()) {
			out = append(out, managementGroupSummary(c.w, mg))
		}
	}
	return c.page(out)
}

// handleGetManagementGroup returns one group, with its children (recursively with $recurse=true) when
// $expand=children.
func handleGetManagementGroup(c *actx) reply {
	mg, aerr := c.managementGroup()
	if aerr != nil {
		return fail(aerr)
	}
	q := c.r.URL.Query()
	expand := strings.ToLower(q.Get("$expand"))
	recurse := strings.EqualFold(q.Get("$recurse"), "true")
	if expand != "" && expand != "children" {
		return errorf(http.StatusBadRequest, "InvalidQueryParameter", "azsim supports $expand=children only, got '"+q.Get("$expand")+"'.")
	}
	if recurse && expand != "children" {
		return errorf(http.StatusBadRequest, "InvalidRequest", "The $recurse parameter requires $expand=children.")
	}
	var parent any
	if p := c.w.ManagementGroup(mg.Parent); p != nil {
		parent = map[string]any{"id": p.Scope(), "name": p.Name, "displayName": p.DisplayName}
	}
	props := map[string]any{"tenantId": c.w.Tenant.ID, "displayName": mg.DisplayName,
		"details": map[string]any{"version": 1, "updatedTime": isoTime(c.w.Tenant.CreatedAt), "updatedBy": c.w.Tenant.ID, "parent": parent}}
	if expand == "children" {
		props["children"] = mgChildren(c.w, mg, recurse)
	}
	return ok(map[string]any{"id": mg.Scope(), "type": "Microsoft.Management/managementGroups", "name": mg.Name, "properties": props})
}

func mgChildren(w *world.World, mg *world.ManagementGroup, recurse bool) []any {
	out := []any{}
	for _, child := range w.ManagementGroups {
		if !strings.EqualFold(child.Parent, mg.Name) || child == mg {
			continue
		}
		e := map[string]any{"type": "Microsoft.Management/managementGroups", "id": child.Scope(), "name": child.Name, "displayName": child.DisplayName}
		if recurse {
			e["children"] = mgChildren(w, child, true)
		}
		out = append(out, e)
	}
	for _, s := range w.Subscriptions {
		if strings.EqualFold(s.Parent, mg.Name) {
			out = append(out, map[string]any{"type": "/subscriptions", "id": s.Scope(), "name": s.ID, "displayName": s.DisplayName})
		}
	}
	return out
}

// handleMGDescendants lists every management group and subscription below a group.
func handleMGDescendants(c *actx) reply {
	mg, aerr := c.managementGroup()
	if aerr != nil {
		return fail(aerr)
	}
	var out []any
	var walk func(parent *world.ManagementGroup)
	walk = func(parent *world.ManagementGroup) {
		for _, child := range c.w.ManagementGroups {
			if strings.EqualFold(child.Parent, parent.Name) && child != parent {
				out = append(out, map[string]any{"id": child.Scope(), "type": "Microsoft.Management/managementGroups", "name": child.Name,
					"properties": map[string]any{"displayName": child.DisplayName, "parent": map[string]any{"id": parent.Scope()}}})
				walk(child)
			}
		}
		for _, s := range c.w.Subscriptions {
			if strings.EqualFold(s.Parent, parent.Name) {
				out = append(out, map[string]any{"id": s.Scope(), "type": "Microsoft.Management/managementGroups/subscriptions", "name": s.ID,
					"properties": map[string]any{"displayName": s.DisplayName, "parent": map[string]any{"id": parent.Scope()}}})
			}
		}
	}
	walk(mg)
	return c.page(out)
}

// handleGetEntities lists every management group and subscription the caller can see, with parents.
func handleGetEntities(c *actx) reply {
	var out []any
	for _, mg := range c.w.ManagementGroups {
		if !c.allowed(actionReadManagementGroup, mg.Scope()) {
			continue
		}
		var parent any
		if p := c.w.ManagementGroup(mg.Parent); p != nil {
			parent = map[string]any{"id": p.Scope()}
		}
		out = append(out, map[string]any{"id": mg.Scope(), "type": "Microsoft.Management/managementGroups", "name": mg.Name,
			"properties": map[string]any{"tenantId": c.w.Tenant.ID, "displayName": mg.DisplayName, "parent": parent, "permissions": "view"}})
	}
	for _, s := range c.w.Subscriptions {
		if !c.allowed(actionReadSubscription, s.Scope()) {
			continue
		}
		out = append(out, map[string]any{"id": s.Scope(), "type": "/subscriptions", "name": s.ID,
			"properties": map[string]any{"tenantId": c.w.Tenant.ID, "displayName": s.DisplayName,
				"parent": map[string]any{"id": "/providers/Microsoft.Management/managementGroups/" + s.Parent}, "permissions": "view"}})
	}
	return c.page(out)
}
