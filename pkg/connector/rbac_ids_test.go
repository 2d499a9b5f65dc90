package connector_test

import (
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"

	"github.com/baton-azure/baton-azure/pkg/connector"
)

const (
	roleOwner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	subA      = "1f3a5c2e-0000-4000-8000-00000000000a"
	subB      = "1f3a5c2e-0000-4000-8000-00000000000b"
)

func TestRBACEntitlementID_RoundTripsForEveryScopeType(t *testing.T) {
	t.Parallel()
	rg := "/subscriptions/" + subA + "/resourcegroups/rg-web"
	account := rg + "/providers/microsoft.storage/storageaccounts/stweb"
	for _, e := range []connector.RBACEntitlement{
		{ResourceType: "management_group", ScopeID: "mg-platform", RoleID: roleOwner, State: connector.RBACActive},
		{ResourceType: "management_group", ScopeID: "72f988bf-86f1-41af-91ab-2d7cd011db47", RoleID: roleOwner, State: connector.RBACEligible},
		{ResourceType: "subscription", ScopeID: subA, RoleID: roleOwner, State: connector.RBACActive},
		{ResourceType: "resource_group", ScopeID: rg, RoleID: roleOwner, State: connector.RBACEligible},
		{ResourceType: "resource_group", ScopeID: "/subscriptions/" + subA + "/resourcegroups/rg(with).dots_and-dashes", RoleID: roleOwner, State: connector.RBACActive},
		{ResourceType: "storage_account", ScopeID: account, RoleID: roleOwner, State: connector.RBACActive},
		{ResourceType: "container", ScopeID: account + "/blobservices/default/containers/logs", RoleID: roleOwner, State: connector.RBACEligible},
	} {
		id := connector.FormatRBACEntitlementID(e)
		got, err := connector.ParseRBACEntitlementID(id)
		if err != nil || got != e {
			t.Errorf("ParseRBACEntitlementID(%q) = %+v, %v; want %+v", id, got, err, e)
		}
		// The id is what baton builds from the scope resource and the slug.
		res := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: e.ResourceType, Resource: e.ScopeID}.Build()}.Build()
		if baton := entitlement.NewEntitlementID(res, "role:"+e.RoleID+":"+e.State); baton != id {
			t.Errorf("baton's id %q differs from the codec's %q", baton, id)
		}
	}
}

func TestRBACEntitlementID_NeverCollidesAcrossScopes(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, sub := range []string{subA, subB} {
		rg := "/subscriptions/" + sub + "/resourcegroups/rg-same-name"
		for _, e := range []connector.RBACEntitlement{
			{ResourceType: "subscription", ScopeID: sub},
			{ResourceType: "resource_group", ScopeID: rg},
			{ResourceType: "storage_account", ScopeID: rg + "/providers/microsoft.storage/storageaccounts/st"},
			{ResourceType: "container", ScopeID: rg + "/providers/microsoft.storage/storageaccounts/st/blobservices/default/containers/c"},
		} {
			for _, state := range []string{connector.RBACActive, connector.RBACEligible} {
				e.RoleID, e.State = roleOwner, state
				id := connector.FormatRBACEntitlementID(e)
				if ids[id] {
					t.Fatalf("id %s made twice", id)
				}
				ids[id] = true
			}
		}
	}
}

func TestParseRBACEntitlementID_RejectsMalformedIDsNamingTheExpectedForm(t *testing.T) {
	t.Parallel()
	rg := "/subscriptions/" + subA + "/resourcegroups/rg"
	for name, id := range map[string]string{
		"empty":                    "",
		"no separator":             "subscription",
		"unknown type":             "group:" + subA + ":role:" + roleOwner + ":active",
		"directory role":           "directory_role:abc:assigned",
		"missing state":            "subscription:" + subA + ":role:" + roleOwner,
		"bad state":                "subscription:" + subA + ":role:" + roleOwner + ":assigned",
		"state upper case":         "subscription:" + subA + ":role:" + roleOwner + ":Active",
		"role not a GUID":          "subscription:" + subA + ":role:Owner:active",
		"missing role marker":      "subscription:" + subA + ":" + roleOwner + ":active",
		"wrong role marker":        "subscription:" + subA + ":roles:" + roleOwner + ":active",
		"empty scope":              "subscription::role:" + roleOwner + ":active",
		"subscription not a GUID":  "subscription:prod:role:" + roleOwner + ":active",
		"resource group not lower": "resource_group:" + strings.ToUpper(rg) + ":role:" + roleOwner + ":active",
		"resource group as sub":    "resource_group:/subscriptions/" + subA + ":role:" + roleOwner + ":active",
		"container as account":     "container:" + rg + "/providers/microsoft.storage/storageaccounts/st:role:" + roleOwner + ":active",
		"management group path":    "management_group:/providers/microsoft.management/managementgroups/x:role:" + roleOwner + ":active",
		"scope with spaces":        "management_group: mg :role:" + roleOwner + ":active",
		"trailing colon":           "subscription:" + subA + ":role:" + roleOwner + ":active:",
	} {
		got, err := connector.ParseRBACEntitlementID(id)
		if err == nil {
			t.Errorf("%s: ParseRBACEntitlementID(%q) = %+v, want an error", name, id, got)
			continue
		}
		if !strings.Contains(err.Error(), "<scope type>:<scope id>:role:<role definition GUID>:<active|eligible>") {
			t.Errorf("%s: error %q does not name the expected form", name, err)
		}
	}
}

func FuzzParseRBACEntitlementID(f *testing.F) {
	rg := "/subscriptions/" + subA + "/resourcegroups/rg"
	for _, seed := range []string{
		"subscription:" + subA + ":role:" + roleOwner + ":active",
		"resource_group:" + rg + ":role:" + roleOwner + ":eligible",
		"management_group:mg:role:" + roleOwner + ":active",
		"container:" + rg + "/providers/microsoft.storage/storageaccounts/st/blobservices/default/containers/c:role:" + roleOwner + ":active",
		"", ":", "::::", "subscription:" + subA + ":role::active", "group:x:member",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		e, err := connector.ParseRBACEntitlementID(id)
		if err != nil {
			return
		}
		back := connector.FormatRBACEntitlementID(e)
		if !strings.EqualFold(back, id) {
			t.Fatalf("ParseRBACEntitlementID(%q) = %+v, which formats as %q", id, e, back)
		}
		again, err := connector.ParseRBACEntitlementID(back)
		if err != nil || again != e {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", back, again, err, e)
		}
	})
}
