package connector_test

import (
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/connector"
)

// TestPruneSafety_A5xxOnEachCall_IsAnUnavailableErrorNotAnEmptyPage makes every Graph route the
// connector reads fail with 503 in turn and calls the syncer method that reads it: each must return
// codes.Unavailable with a rate-limit detail (so baton retries) and no items.
func TestPruneSafety_A5xxOnEachCall_IsAnUnavailableErrorNotAnEmptyPage(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 8}, azsim.ReaderAppName)
	b, _, err := connector.New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sy := syncers(t, b)
	var groupID, roleID, auID, spID, skuID string
	s.ReadWorld(func(w *world.World) {
		groupID, roleID, auID = w.Groups[0].ID, w.DirectoryRoles[0].ID, w.AdministrativeUnits[0].ID
		spID, skuID = w.ServicePrincipals[0].ID, w.SKUs[0].SkuID
	})
	type call func(connectorbuilder.ResourceSyncerV2) (int, error)
	list := func(sr connectorbuilder.ResourceSyncerV2) (int, error) {
		r, _, err := sr.List(t.Context(), nil, rs.SyncOpAttrs{})
		return len(r), err
	}
	grants := func(typ, id string) call {
		return func(sr connectorbuilder.ResourceSyncerV2) (int, error) {
			g, _, err := sr.Grants(t.Context(), stub(typ, id), rs.SyncOpAttrs{})
			return len(g), err
		}
	}
	typeScopedGrants := func(typ, token string) call {
		return func(sr connectorbuilder.ResourceSyncerV2) (int, error) {
			g, _, err := sr.(connectorbuilder.TypeScopedGrantsSyncer).GrantsForResourceType(t.Context(), typ,
				rs.SyncOpAttrs{SyncID: "s1", PageToken: pagination.Token{Token: token}})
			return len(g), err
		}
	}
	entitlements := func(typ, id string) call {
		return func(sr connectorbuilder.ResourceSyncerV2) (int, error) {
			e, _, err := sr.Entitlements(t.Context(), stub(typ, id), rs.SyncOpAttrs{})
			return len(e), err
		}
	}
	for _, tc := range []struct {
		route, typ string
		do         call
	}{
		{"GET /v1.0/organization", "tenant", list},
		{"GET /v1.0/users", "user", list},
		{"GET /v1.0/identityProtection/riskyUsers", "user", list},
		{"GET /v1.0/groups", "group", list},
		{"GET /v1.0/groups", "group", typeScopedGrants("group", "")},
		{"GET /v1.0/groups/delta", "group", typeScopedGrants("group", workToken(groupID))},
		{"GET /v1.0/groups/{id}/owners", "group", typeScopedGrants("group", workToken(groupID))},
		{"GET /v1.0/roleManagement/directory/roleDefinitions", "directory_role", list},
		{"GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances", "directory_role", grants("directory_role", roleID)},
		{"GET /v1.0/administrativeUnits", "administrative_unit", list},
		{"GET /v1.0/administrativeUnits/{id}/members", "administrative_unit", grants("administrative_unit", auID)},
		{"GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances", "administrative_unit", entitlements("administrative_unit", auID)},
		{"GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances", "administrative_unit", entitlements("administrative_unit", auID)},
		{"GET /v1.0/servicePrincipals", "enterprise_application", list},
		{"GET /v1.0/servicePrincipals/{id}", "enterprise_application", entitlements("enterprise_application", spID)},
		{"GET /v1.0/servicePrincipals", "enterprise_application", typeScopedGrants("enterprise_application", "")},
		{"GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo", "enterprise_application", typeScopedGrants("enterprise_application", appWorkToken(spID))},
		{"GET /v1.0/servicePrincipals/{id}/owners", "enterprise_application", typeScopedGrants("enterprise_application", appWorkToken(spID))},
		{"GET /v1.0/subscribedSkus", "license", list},
		{"GET /v1.0/users", "license", grants("license", skuID)},
	} {
		if err := s.SetFaults("none", azsim.FaultRule{Route: tc.route, Kind: azsim.FaultError, Status: 503}); err != nil {
			t.Fatal(err)
		}
		n, err := tc.do(sy[tc.typ])
		st, _ := status.FromError(err)
		if err == nil || st.Code() != codes.Unavailable || n != 0 {
			t.Errorf("%s on %s: %d items, err %v; want Unavailable and no items", tc.typ, tc.route, n, err)
			continue
		}
		hasRateLimit := false
		for _, d := range st.Details() {
			if _, ok := d.(*v2.RateLimitDescription); ok {
				hasRateLimit = true
			}
		}
		if !hasRateLimit {
			t.Errorf("%s on %s: no RateLimitDescription for the syncer's retry", tc.typ, tc.route)
		}
	}
}

// TestSync_UnderThrottlingStorm_StillEqualsGroundTruth throttles 15 % of Graph requests (with a short
// Retry-After so the test is quick): baton retries them and the file is complete.
func TestSync_UnderThrottlingStorm_StillEqualsGroundTruth(t *testing.T) {
	t.Parallel()
	s, cfg := simConfig(t, azsim.Options{Preset: "tiny", Seed: 9, FaultRules: []azsim.FaultRule{
		{Route: "graph", Kind: azsim.FaultThrottle, Probability: 0.15, RetryAfter: 20 * time.Millisecond}}}, azsim.ReaderAppName)
	f := syncFile(t, cfg)
	assertEqualsTruth(t, s, f, expectOpts{})
	var throttled int64
	for _, r := range s.Stats().Routes {
		throttled += r.Faults["throttle"]
	}
	if throttled == 0 {
		t.Fatal("no request was throttled: the storm did not happen")
	}
	t.Logf("%d throttled requests retried", throttled)
}
