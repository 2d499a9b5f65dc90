package connector_test

import (
	"context"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types"

	"github.com/baton-azure/baton-azure/pkg/connector"
)

// fakeServer answers ListResources and ListGrants from fixed pages; every other method is unused.
type fakeServer struct {
	types.ConnectorServer
	pages  map[string]*v2.ResourcesServiceListResourcesResponse // by page token
	grants []*v2.Grant
}

func (f *fakeServer) ListResources(_ context.Context, req *v2.ResourcesServiceListResourcesRequest) (*v2.ResourcesServiceListResourcesResponse, error) {
	return f.pages[req.GetPageToken()], nil
}

func (f *fakeServer) ListGrants(context.Context, *v2.GrantsServiceListGrantsRequest) (*v2.GrantsServiceListGrantsResponse, error) {
	return v2.GrantsServiceListGrantsResponse_builder{List: append([]*v2.Grant(nil), f.grants...)}.Build(), nil
}

func res(typ, id string) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build()}.Build()
}

func grantTo(typ, id string) *v2.Grant {
	return v2.Grant_builder{Id: "g:" + id, Principal: res(typ, id),
		Entitlement: v2.Entitlement_builder{Id: "group:g1:member", Resource: res("group", "g1")}.Build()}.Build()
}

func principals(resp *v2.GrantsServiceListGrantsResponse) []string {
	var out []string
	for _, g := range resp.GetList() {
		out = append(out, g.GetPrincipal().GetId().GetResourceType()+"/"+g.GetPrincipal().GetId().GetResource())
	}
	return out
}

// TestConsistentGrants_DropsGrantsToPrincipalsTheCompleteListDidNotReturn: once the user list is complete,
// a grant to a user it did not return is dropped; grants to listed users, and to principals of types
// whose list did not complete, are kept.
func TestConsistentGrants_DropsGrantsToPrincipalsTheCompleteListDidNotReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &fakeServer{
		pages: map[string]*v2.ResourcesServiceListResourcesResponse{
			"":   v2.ResourcesServiceListResourcesResponse_builder{List: []*v2.Resource{res("user", "u1")}, NextPageToken: "p2"}.Build(),
			"p2": v2.ResourcesServiceListResourcesResponse_builder{List: []*v2.Resource{res("user", "u2")}}.Build(),
		},
		grants: []*v2.Grant{grantTo("user", "u1"), grantTo("user", "u3"), grantTo("group", "g9"), grantTo("user", "u2")},
	}
	srv := connector.ConsistentGrants(f)
	list := func(tok string) {
		if _, err := srv.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{ResourceTypeId: "user", PageToken: tok}.Build()); err != nil {
			t.Fatal(err)
		}
	}
	grants := func() []string {
		resp, err := srv.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{Resource: res("group", "g1")}.Build())
		if err != nil {
			t.Fatal(err)
		}
		return principals(resp)
	}
	list("")
	if got := grants(); len(got) != 4 {
		t.Fatalf("with the user list incomplete, grants %v; want all 4 kept", got)
	}
	list("p2")
	got := grants()
	want := []string{"user/u1", "group/g9", "user/u2"}
	if len(got) != len(want) {
		t.Fatalf("grants %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("grants %v; want %v", got, want)
		}
	}
}
