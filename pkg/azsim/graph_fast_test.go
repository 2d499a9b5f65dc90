package azsim

import (
	"bytes"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim/gen"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// TestGraphFastPaths_SameBytesAsTheGetters renders every fast-path property of every user, group and
// service principal of generated tenants both ways and requires identical bytes, so the fast paths can
// never change a response.
func TestGraphFastPaths_SameBytesAsTheGetters(t *testing.T) {
	t.Parallel()
	gs := newGraphSets()
	for _, preset := range []string{"tiny", "small"} {
		for _, noP2 := range []bool{false, true} {
			spec, err := gen.PresetSpec(preset, 5)
			if err != nil {
				t.Fatal(err)
			}
			spec.NoP2 = noP2
			w, err := gen.Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			c := &gctx{w: w}
			// Polymorphic directory objects (memberships), with and without $select.
			for _, sel := range [][]string{nil, {"id"}, {"id", "displayName", "userPrincipalName", "appId"}} {
				pr := gs.directoryObject.projector(sel, nil)
				for _, g := range w.Groups {
					for _, r := range append(append([]world.Ref(nil), g.Members...), world.Ref{Kind: world.KindUser, ID: "00000000-0000-0000-0000-00000000dead"}) {
						want, err := gs.directoryObject.project(c, r, sel).appendJSON(nil)
						if err != nil {
							t.Fatal(err)
						}
						if got, err := pr.appendJSON(c, r, nil); err != nil || !bytes.Equal(got, want) {
							t.Fatalf("member %v: projector %s, object %s (%v)", r, got, want, err)
						}
					}
				}
			}
			for _, set := range []struct {
				es    *entitySet
				fast  []fastProp
				items []any
			}{
				{gs.user, userFastProps(), toAny(w.Users, func(u *world.User) any { return u })},
				{gs.group, groupFastProps(), toAny(w.Groups, func(g *world.Group) any { return g })},
				{gs.servicePrincipal, servicePrincipalFastProps(), toAny(w.ServicePrincipals, func(s *world.ServicePrincipal) any { return s })},
			} {
				for _, fp := range set.fast {
					p := set.es.byLower[strings.ToLower(fp.name)]
					if p == nil || p.app == nil {
						t.Fatalf("%s.%s: fast path not attached", set.es.typeName, fp.name)
					}
					for _, o := range set.items {
						want, err := appendJSONValue(nil, p.get(c, o))
						if err != nil {
							t.Fatal(err)
						}
						if got := p.app(c, o, nil); !bytes.Equal(got, want) {
							t.Fatalf("%s %s.%s: fast %s, getter %s", preset, set.es.typeName, fp.name, got, want)
						}
					}
				}
				// A whole default projection, too.
				pr := set.es.projector(nil, nil)
				for _, o := range set.items {
					want, err := set.es.project(c, o, nil).appendJSON(nil)
					if err != nil {
						t.Fatal(err)
					}
					got, err := pr.appendJSON(c, o, nil)
					if err != nil || !bytes.Equal(got, want) {
						t.Fatalf("%s: projector %s, object %s (%v)", set.es.typeName, got, want, err)
					}
				}
			}
		}
	}
}
