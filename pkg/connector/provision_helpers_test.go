package connector

import (
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/graph"
)

const (
	gidA = "0a1b2c3d-0000-4000-8000-000000000001"
	uidA = "0a1b2c3d-0000-4000-8000-0000000000aa"
)

func entOf(id string) *v2.Entitlement {
	typ, rest, _ := strings.Cut(id, ":")
	rid, _, _ := strings.Cut(rest, ":")
	return v2.Entitlement_builder{Id: id, Resource: v2.Resource_builder{Id: resourceID(typ, rid)}.Build()}.Build()
}

func TestParseProvisionEntitlement_AcceptsOnlyTypeGUIDSlugMatchingItsResource(t *testing.T) {
	t.Parallel()
	e, err := parseProvisionEntitlement(entOf("group:"+gidA+":member"), typeGroup, "form")
	if err != nil || e.ResourceID != gidA || e.Slug != entMember || e.ID != "group:"+gidA+":member" {
		t.Fatalf("valid id: %+v %v", e, err)
	}
	mismatched := v2.Entitlement_builder{Id: "group:" + gidA + ":member", Resource: v2.Resource_builder{Id: resourceID(typeGroup, uidA)}.Build()}.Build()
	for name, ent := range map[string]*v2.Entitlement{
		"not a GUID":          entOf("group:abc:member"),
		"no slug":             entOf("group:" + gidA),
		"empty slug":          entOf("group:" + gidA + ":"),
		"another type":        entOf("license:" + gidA + ":member"),
		"empty":               entOf(""),
		"resource mismatch":   mismatched,
		"GUID without dashes": entOf("group:0a1b2c3d000040008000000000000001:member"),
	} {
		_, err := parseProvisionEntitlement(ent, typeGroup, "group:<group object id>:member")
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "expected group:<group object id>:member") {
			t.Errorf("%s: %v, want InvalidArgument naming the expected form", name, err)
		}
	}
}

func TestParseRevokeGrant_IDMustBeEntitlementPrincipalTypeAndID(t *testing.T) {
	t.Parallel()
	e, _ := parseProvisionEntitlement(entOf("group:"+gidA+":member"), typeGroup, "form")
	good := v2.Grant_builder{Id: e.ID + ":user:" + uidA, Entitlement: entOf(e.ID), Principal: v2.Resource_builder{Id: resourceID(typeUser, uidA)}.Build()}.Build()
	if p, err := parseRevokeGrant(good, e); err != nil || p.GetResource() != uidA || p.GetResourceType() != typeUser {
		t.Fatalf("valid grant: %v %v", p, err)
	}
	for name, id := range map[string]string{"empty": "", "other principal": e.ID + ":user:" + gidA, "other type": e.ID + ":group:" + uidA, "truncated": e.ID + ":user"} {
		g := v2.Grant_builder{Id: id, Entitlement: entOf(e.ID), Principal: v2.Resource_builder{Id: resourceID(typeUser, uidA)}.Build()}.Build()
		if _, err := parseRevokeGrant(g, e); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), e.ID+":<principal type>:<principal object id>") {
			t.Errorf("%s: %v, want InvalidArgument naming the expected form", name, err)
		}
	}
}

func TestProvisionPrincipal_RefusesOtherTypesAndMalformedIDs(t *testing.T) {
	t.Parallel()
	if _, err := provisionPrincipal(resourceID(typeGroup, gidA), "group owner", typeUser, typeEnterpriseApp); status.Code(err) != codes.FailedPrecondition ||
		!strings.Contains(err.Error(), "group owner cannot be granted to a group principal; it can be granted to: user, enterprise application") {
		t.Errorf("wrong type: %v", err)
	}
	if _, err := provisionPrincipal(resourceID(typeUser, "bob"), "x", typeUser); status.Code(err) != codes.InvalidArgument {
		t.Errorf("malformed id: %v", err)
	}
	if _, err := provisionPrincipal(nil, "x", typeUser); status.Code(err) != codes.InvalidArgument {
		t.Errorf("no principal: %v", err)
	}
}

func TestRefuseDerivedGrant_NamesTheGroupItComesFrom(t *testing.T) {
	t.Parallel()
	ent := "license:" + gidA + ":assigned"
	var immutable annotations.Annotations
	immutable.Update(&v2.GrantImmutable{})
	derived := v2.Grant_builder{Id: ent + ":user:" + uidA, Entitlement: entOf(ent), Annotations: immutable,
		Sources: v2.GrantSources_builder{Sources: map[string]*v2.GrantSources_GrantSource{"group:" + gidA + ":member": {}}}.Build()}.Build()
	err := refuseDerivedGrant(derived)
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "membership of group "+gidA+" (entitlement group:"+gidA+":member)") {
		t.Fatalf("derived grant: %v", err)
	}
	direct := v2.Grant_builder{Id: ent + ":user:" + uidA, Entitlement: entOf(ent),
		Sources: v2.GrantSources_builder{Sources: map[string]*v2.GrantSources_GrantSource{ent: {IsDirect: true}, "group:" + gidA + ":member": {}}}.Build()}.Build()
	if err := refuseDerivedGrant(direct); err != nil {
		t.Fatalf("a direct grant that is also inherited is revocable: %v", err)
	}
}

func TestJITWindow_StartsNowAndLastsTheConfiguredDuration(t *testing.T) {
	t.Parallel()
	c := &Connector{s: &settings{pimDuration: 90 * time.Minute}}
	now := time.Date(2026, 5, 1, 10, 0, 0, 700_000_000, time.FixedZone("x", 3600))
	start, end := c.jitWindow(now)
	if !start.Equal(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)) || end.Sub(start) != 90*time.Minute || start.Location() != time.UTC {
		t.Fatalf("window %v – %v", start, end)
	}
}

func TestWriteErr_PermissionDeniedNamesThePermission_ThrottlingKeepsRetryInfo(t *testing.T) {
	t.Parallel()
	denied := writeErr(&graph.Error{StatusCode: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges"}, "add x", permGroupMember)
	if status.Code(denied) != codes.PermissionDenied || !strings.Contains(denied.Error(), "needs the GroupMember.ReadWrite.All permission") {
		t.Fatalf("403: %v", denied)
	}
	throttled := writeErr(&graph.Error{StatusCode: 429, Code: "TooManyRequests", RetryAfter: 3 * time.Second}, "add x", permGroupMember)
	st := status.Convert(throttled)
	if st.Code() != codes.Unavailable || len(st.Details()) != 1 {
		t.Fatalf("429: %v details %v", throttled, st.Details())
	}
}
