package connector

import (
	"sort"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/baton-azure/baton-azure/pkg/azsim"
)

// enumerateBatched drives a batched type-scoped enumeration (groups or enterprise applications) to the
// end as the syncer would, each call on a connector from next(), and returns the grant ids and the calls.
func enumerateBatched(t *testing.T, typ string, next func() *Connector) ([]string, int) {
	t.Helper()
	var ids []string
	calls := 0
	for queue := []string{""}; len(queue) > 0; {
		tok := queue[0]
		queue = queue[1:]
		c := next()
		opts := rs.SyncOpAttrs{SyncID: "sync-1", PageToken: pagination.Token{Token: tok}}
		var grants []*v2.Grant
		var res *rs.SyncOpResults
		var err error
		if typ == typeGroup {
			grants, res, err = (&groupSyncer{c}).GrantsForResourceType(t.Context(), typ, opts)
		} else {
			grants, res, err = (&enterpriseAppSyncer{c}).GrantsForResourceType(t.Context(), typ, opts)
		}
		calls++
		if err != nil {
			t.Fatalf("%s grants, token %q: %v", typ, tok, err)
		}
		for _, g := range grants {
			ids = append(ids, g.GetId())
		}
		if res.NextPageToken != "" {
			if res.NextPageToken == tok {
				t.Fatalf("token %q did not advance", tok)
			}
			queue = append(queue, res.NextPageToken)
		}
		spawn := &v2.EnqueuePageTokens{}
		annos := annotations.Annotations(res.Annotations)
		if ok, _ := annos.Pick(spawn); ok {
			queue = append(queue, spawn.GetPageTokens()...)
		}
	}
	sort.Strings(ids)
	return ids, calls
}

// TestBatchedGrants_ATinyByteBudget_SplitsPagesWithoutLosingOrRepeatingGrants gives pages a 2 KB budget
// (a handful of grants): reads that no longer fit are read again on the next page, on a fresh connector
// each call (as after a restart), and the grants equal those of one uninterrupted run.
func TestBatchedGrants_ATinyByteBudget_SplitsPagesWithoutLosingOrRepeatingGrants(t *testing.T) {
	t.Parallel()
	_, cfg := simCfg(t, azsim.Options{Preset: "tiny", Seed: 12})
	for _, typ := range []string{typeGroup, typeEnterpriseApp} {
		one, err := newConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, wantCalls := enumerateBatched(t, typ, func() *Connector { return one })
		got, calls := enumerateBatched(t, typ, func() *Connector {
			c, err := newConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.grantBytes = 2000
			return c
		})
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: with a tiny byte budget %d grants, uninterrupted %d", typ, len(got), len(want))
		}
		if len(want) == 0 || calls <= wantCalls {
			t.Errorf("%s: %d grants in %d calls (uninterrupted: %d calls): the budget did not split pages", typ, len(want), calls, wantCalls)
		}
		seen := map[string]bool{}
		for _, id := range want {
			if seen[id] {
				t.Errorf("%s: grant %s emitted twice", typ, id)
			}
			seen[id] = true
		}
	}
}
