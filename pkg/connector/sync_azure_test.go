package connector_test

import (
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/internal/synctest"
	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// grantMetadata returns a grant's metadata map (nil without).
func grantMetadata(g *v2.Grant) map[string]any {
	md := &v2.GrantMetadata{}
	annos := annotations.Annotations(g.GetAnnotations())
	if ok, err := annos.Pick(md); err != nil || !ok {
		return nil
	}
	return md.GetMetadata().AsMap()
}

func grantExpandable(g *v2.Grant) *v2.GrantExpandable {
	ge := &v2.GrantExpandable{}
	annos := annotations.Annotations(g.GetAnnotations())
	if ok, err := annos.Pick(ge); err != nil || !ok {
		return nil
	}
	return ge
}

// grantsByKey indexes grants by "entitlement id -> type/id".
func grantsByKey(f *synctest.File) map[string]*v2.Grant {
	out := map[string]*v2.Grant{}
	for _, g := range f.Grants {
		p := g.GetPrincipal().GetId()
		out[key(g.GetEntitlement().GetId(), p.GetResourceType(), p.GetResource())] = g
	}
	return out
}

var scopeTypes = map[string]bool{"management_group": true, "subscription": true, "resource_group": true, "storage_account": true, "container": true}

// checkAzureDetails asserts what the key sets of assertEqualsTruth do not: hierarchy, profiles, grant
// metadata, sources of inherited grants and the shape of structural grants.
func checkAzureDetails(t *testing.T, s *azsim.Server, f *synctest.File) {
	byKey := grantsByKey(f)
	all := map[string]*v2.Resource{}
	for _, r := range f.Resources {
		all[r.GetId().GetResourceType()+"/"+r.GetId().GetResource()] = r
	}
	parentOf := func(typ, id string) string {
		p := all[typ+"/"+id].GetParentResourceId()
		return p.GetResourceType() + "/" + p.GetResource()
	}
	s.ReadWorld(func(w *world.World) {
		t.Run("hierarchy: every scope's parent is the scope above it", func(t *testing.T) {
			for _, m := range w.ManagementGroups {
				want := "tenant/" + lower(m.Name)
				if m.Parent != "" {
					want = "management_group/" + lower(m.Parent)
				}
				if got := parentOf("management_group", lower(m.Name)); got != want {
					t.Errorf("management group %s: parent %s, want %s", m.Name, got, want)
				}
			}
			for _, sub := range w.Subscriptions {
				if got, want := parentOf("subscription", lower(sub.ID)), "management_group/"+lower(sub.Parent); got != want {
					t.Errorf("subscription %s: parent %s, want %s", sub.ID, got, want)
				}
			}
			for _, rg := range w.ResourceGroups {
				if got, want := parentOf("resource_group", lower(rg.Scope())), "subscription/"+lower(rg.SubscriptionID); got != want {
					t.Errorf("resource group %s: parent %s, want %s", rg.Scope(), got, want)
				}
			}
			for _, a := range w.StorageAccounts {
				rg := w.ResourceGroup(a.SubscriptionID, a.ResourceGroup)
				if got, want := parentOf("storage_account", lower(a.Scope())), "resource_group/"+lower(rg.Scope()); got != want {
					t.Errorf("storage account %s: parent %s, want %s", a.Name, got, want)
				}
			}
			for _, c := range w.Containers {
				if got, want := parentOf("container", lower(c.Scope())), "storage_account/"+lower(c.Account.Scope()); got != want {
					t.Errorf("container %s: parent %s, want %s", c.Name, got, want)
				}
			}
		})
		t.Run("storage accounts report effective allowSharedKeyAccess and their system identity", func(t *testing.T) {
			seen := map[bool]bool{}
			for _, a := range w.StorageAccounts {
				p := all["storage_account/"+lower(a.Scope())].GetProfile().AsMap()
				want := a.AllowSharedKeyAccess == nil || *a.AllowSharedKeyAccess
				seen[want] = true
				if p["allow_shared_key_access"] != want || p["kind"] != a.Kind || p["sku"] != a.SKU {
					t.Errorf("storage account %s: profile %v, want allow_shared_key_access=%v", a.Name, p, want)
				}
				if a.IdentityPrincipalID != "" && p["system_identity_principal_id"] != lower(a.IdentityPrincipalID) {
					t.Errorf("storage account %s: identity %v, want %s", a.Name, p["system_identity_principal_id"], a.IdentityPrincipalID)
				}
			}
			if !seen[true] && !seen[false] {
				t.Error("no storage account checked")
			}
		})
		t.Run("roles carry permissions and the privileged flag", func(t *testing.T) {
			want := map[string]bool{world.RoleOwner: true, world.RoleContributor: true, world.RoleReader: false,
				world.RoleUserAccessAdministrator: true, world.RoleRBACAdministrator: true, world.RoleManagementGroupReader: false,
				world.RoleStorageBlobDataReader: true, world.RoleStorageAccountContributor: true, world.RoleVirtualMachineContributor: false}
			for _, r := range w.ARMRoles {
				res := all["role/"+lower(r.Name)]
				rt, err := rs.GetRoleTrait(res)
				if err != nil {
					t.Fatalf("role %s: %v", r.RoleName, err)
				}
				p := rt.GetProfile().AsMap()
				if res.GetDisplayName() != r.RoleName || p["role_type"] != r.Type || len(p["actions"].([]any)) != len(r.Permissions[0].Actions) {
					t.Errorf("role %s: %s %v", r.RoleName, res.GetDisplayName(), p)
				}
				if w, ok := want[r.Name]; ok && p["privileged"] != w {
					t.Errorf("role %s: privileged %v, want %v", r.RoleName, p["privileged"], w)
				}
				if r.Type == "CustomRole" && len(r.Permissions[0].DataActions) > 0 && p["privileged"] != true {
					t.Errorf("custom role %s reaches data but is not privileged", r.RoleName)
				}
			}
		})
		t.Run("assignment grants carry id, scope, state, conditions and PIM windows", func(t *testing.T) {
			checked := map[string]bool{}
			for _, a := range w.ARMAssignments {
				sc := azureScopes(w, expectOpts{})[lower(a.Scope)]
				ptype := "deleted_principal"
				if !a.Ghost {
					ptype = principalType(w, world.Ref{ID: a.PrincipalID, Kind: kindOf(a)})
					if a.PrincipalType == "Group" {
						ptype = "group"
					}
				}
				g := byKey[key(rbacEnt(sc, a.RoleDefinition, stateOf(a)), ptype, lower(a.PrincipalID))]
				if g == nil {
					t.Errorf("assignment %s (%s at %s to %s %s): no grant", a.Name, stateOf(a), a.Scope, a.PrincipalType, a.PrincipalID)
					continue
				}
				md := grantMetadata(g)
				if !strings.HasSuffix(lower(md["assignment_id"].(string)), lower(a.Name)) || md["scope"] != a.Scope ||
					md["state"] != stateOf(a) || md["principal_type"] != a.PrincipalType {
					t.Errorf("assignment %s: metadata %v", a.Name, md)
				}
				if a.Condition != "" {
					checked["condition"] = true
					if md["condition"] != a.Condition || md["condition_version"] != a.ConditionVersion {
						t.Errorf("assignment %s: condition %v (%v), want %q", a.Name, md["condition"], md["condition_version"], a.Condition)
					}
				}
				if a.Eligible {
					checked["eligible"] = true
					if md["start"] == nil || (a.End == nil) != (md["end"] == "permanent") {
						t.Errorf("eligible assignment %s: window %v–%v, want end %v", a.Name, md["start"], md["end"], a.End)
					}
				}
				if a.Ghost {
					checked["ghost"] = true
					r := all["deleted_principal/"+lower(a.PrincipalID)]
					if md["principal_not_found"] != true || r == nil || r.GetProfile().AsMap()["identity_not_found"] != true {
						t.Errorf("ghost assignment %s: metadata %v, resource %v", a.Name, md, r)
					}
				}
				if a.PrincipalType == "Group" {
					checked["group"] = true
					if grantExpandable(g) == nil {
						t.Errorf("assignment %s to group %s: grant is not expandable", a.Name, a.PrincipalID)
					}
				}
				checked[sc.typ] = true
			}
			for _, k := range []string{"condition", "eligible", "ghost", "group", "management_group", "subscription", "resource_group",
				"storage_account", "container"} {
				if !checked[k] {
					t.Errorf("tiny exercised no assignment with %s", k)
				}
			}
		})
		t.Run("structural grants expand the parent scope's entitlement; inherited grants name it in sources", func(t *testing.T) {
			structural, inherited := 0, 0
			for _, g := range f.Grants {
				e, err := connector.ParseRBACEntitlementID(g.GetEntitlement().GetId())
				if err != nil {
					continue // not an Azure RBAC grant
				}
				p := g.GetPrincipal().GetId()
				child := e.ResourceType + "/" + e.ScopeID
				if scopeTypes[p.GetResourceType()] {
					structural++
					if got := parentOf(e.ResourceType, e.ScopeID); got != p.GetResourceType()+"/"+p.GetResource() {
						t.Errorf("structural grant %s: principal is not the parent scope %s", g.GetId(), got)
					}
					ge := grantExpandable(g)
					want := connector.FormatRBACEntitlementID(connector.RBACEntitlement{ResourceType: p.GetResourceType(),
						ScopeID: p.GetResource(), RoleID: e.RoleID, State: e.State})
					if ge == nil || len(ge.GetEntitlementIds()) != 1 || ge.GetEntitlementIds()[0] != want {
						t.Errorf("structural grant %s: expandable %v, want from %s", g.GetId(), ge, want)
					}
					continue
				}
				if grantMetadata(g)["assignment_id"] != nil {
					continue // direct
				}
				inherited++
				parentEnt := ""
				if pr := all[child].GetParentResourceId(); pr != nil {
					parentEnt = connector.FormatRBACEntitlementID(connector.RBACEntitlement{ResourceType: pr.GetResourceType(),
						ScopeID: pr.GetResource(), RoleID: e.RoleID, State: e.State})
				}
				for src := range g.GetSources().GetSources() {
					if src != parentEnt && !strings.HasPrefix(src, "group:") {
						t.Errorf("inherited grant %s: source %s is neither the parent scope's %s nor a group", g.GetId(), src, parentEnt)
					}
				}
				if len(g.GetSources().GetSources()) == 0 {
					t.Errorf("derived grant %s has no sources", g.GetId())
				}
			}
			if structural == 0 || inherited == 0 {
				t.Errorf("%d structural and %d inherited grants", structural, inherited)
			}
		})
	})
}

func TestSync_SmallPages_EveryListingPaged_EqualsGroundTruth(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 8, ARMPageSize: 1}, azsim.ReaderAppName)
	assertEqualsTruth(t, s, syncFile(t, cfg), expectOpts{})
}
