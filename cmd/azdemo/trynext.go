package main

import (
	"fmt"
	"io"
	"sort"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/baton-azure/baton-azure/internal/c1zread"
)

// example is a provisioning example with real ids from the synced file: a user who is not a member of a
// plain security group (assigned membership, not role-assignable, cloud-only).
type example struct {
	GroupID, GroupName string
	UserID, UserName   string
}

// pickExample chooses the example: the first such group by name, and the first enabled user by name who is
// not already a direct member. ok is false when the file has none.
func pickExample(f *c1zread.File) (example, bool) {
	var groups, users []*v2.Resource
	for _, r := range f.Resources {
		switch r.GetId().GetResourceType() {
		case "group":
			if plainSecurityGroup(r) {
				groups = append(groups, r)
			}
		case "user":
			if r.GetStatus().GetStatus() == v2.Status_RESOURCE_STATUS_ENABLED {
				users = append(users, r)
			}
		}
	}
	byName := func(rr []*v2.Resource) {
		sort.Slice(rr, func(i, j int) bool {
			if rr[i].GetDisplayName() != rr[j].GetDisplayName() {
				return rr[i].GetDisplayName() < rr[j].GetDisplayName()
			}
			return rr[i].GetId().GetResource() < rr[j].GetId().GetResource()
		})
	}
	byName(groups)
	byName(users)
	members := map[string]bool{} // entitlement id + "/" + user id
	for _, g := range f.Grants {
		members[g.GetEntitlement().GetId()+"/"+g.GetPrincipal().GetId().GetResource()] = true
	}
	for _, g := range groups {
		ent := "group:" + g.GetId().GetResource() + ":member"
		for _, u := range users {
			if !members[ent+"/"+u.GetId().GetResource()] {
				return example{GroupID: g.GetId().GetResource(), GroupName: g.GetDisplayName(),
					UserID: u.GetId().GetResource(), UserName: u.GetDisplayName()}, true
			}
		}
	}
	return example{}, false
}

// plainSecurityGroup: a security group whose members can be added through Graph by the provisioner app.
func plainSecurityGroup(r *v2.Resource) bool {
	p := r.GetProfile().GetFields()
	return p["kind"].GetStringValue() == "security" && !p["dynamic"].GetBoolValue() &&
		!p["role_assignable"].GetBoolValue() && !p["on_premises_synced"].GetBoolValue()
}

// tryNext tells the user what to do with the file: baton CLI commands (bin/baton, built by `make tools`) and
// a provisioning example against a simulator serving the same tenant.
func tryNext(out io.Writer, f *c1zread.File, c1z string) {
	fmt.Fprintf(out, `
Try next (bin/baton is baton-sdk's CLI, built by make tools and make demo):
  bin/baton -f %[1]s stats                 # counts per resource type
  bin/baton -f %[1]s resources -t user     # the users and their traits
  bin/baton -f %[1]s grants -e directory_role:%[2]s:assigned
  bin/baton -f %[1]s explorer              # browse the file in a local web UI
  bin/baton-azure --help                    # every flag and its BATON_* variable
`, c1z, globalAdministrator)
	ex, ok := pickExample(f)
	if !ok {
		return
	}
	fmt.Fprintf(out, `
Provision against the same tenant (azsim is deterministic: preset small, seed 1, as in this demo):
  make sim                                          # in another terminal; writes .azsim/endpoints.json
  eval "$(bin/azdemo env --app baton-azure-provisioner)"
  # add %[3]s to the security group %[4]s
  bin/baton-azure -f %[1]s --grant-entitlement group:%[2]s:member \
    --grant-principal %[5]s --grant-principal-type user
  bin/baton-azure -f after.c1z && bin/baton -f after.c1z grants -e group:%[2]s:member
`, c1z, ex.GroupID, ex.UserName, ex.GroupName, ex.UserID)
}
