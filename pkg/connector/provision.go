package connector

// Shared helpers of the provisioners (Grant and Revoke): id parsing that refuses malformed input before
// any request, principal-type checks, refusals, idempotency annotations, the just-in-time window and the
// errors of writes. They know nothing of Microsoft Graph or ARM specifically, so the Azure RBAC
// provisioners use them too.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// provisionEntitlement is an entitlement id taken apart: "<resource type>:<resource id>:<slug>".
type provisionEntitlement struct {
	ID           string
	ResourceType string
	ResourceID   string
	Slug         string
}

// parseProvisionEntitlement checks that ent is an entitlement of a resource of type typ whose id is a GUID
// and returns its parts. form describes the expected id for the error, e.g. "group:<group object id>:member".
func parseProvisionEntitlement(ent *v2.Entitlement, typ, form string) (provisionEntitlement, error) {
	id := ent.GetId()
	rt, rest, ok1 := strings.Cut(id, ":")
	rid, slug, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || rt != typ || !isGUID(rid) || slug == "" {
		return provisionEntitlement{}, invalidID("entitlement", id, form)
	}
	if r := ent.GetResource().GetId(); r != nil && (r.GetResourceType() != rt || !strings.EqualFold(r.GetResource(), rid)) {
		return provisionEntitlement{}, invalidID("entitlement", id, form+" (its resource "+r.GetResourceType()+":"+r.GetResource()+" does not match the id)")
	}
	return provisionEntitlement{ID: id, ResourceType: rt, ResourceID: strings.ToLower(rid), Slug: slug}, nil
}

// provisionPrincipal checks a principal: one of the allowed resource types, its id a GUID.
func provisionPrincipal(p *v2.ResourceId, what string, allowed ...string) (*v2.ResourceId, error) {
	if p == nil || p.GetResource() == "" {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %s: a principal is required, as <resource type>:<object id>", errPrefix, what)
	}
	if !isGUID(p.GetResource()) {
		return nil, invalidID("principal", p.GetResourceType()+":"+p.GetResource(), "<resource type>:<object id GUID>")
	}
	if !slices.Contains(allowed, p.GetResourceType()) {
		return nil, refusePrincipalType(what, p.GetResourceType(), allowed...)
	}
	return resourceID(p.GetResourceType(), p.GetResource()), nil
}

// refusePrincipalType is the FailedPrecondition for a principal of a type an entitlement cannot be granted to.
func refusePrincipalType(what, got string, allowed ...string) error {
	return refusef("%s cannot be granted to a %s principal; it can be granted to: %s", what, displayType(got), strings.Join(displayTypes(allowed), ", "))
}

func displayTypes(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = displayType(t)
	}
	return out
}

func displayType(t string) string {
	if t == "" {
		return "(typeless)"
	}
	return strings.ReplaceAll(t, "_", " ")
}

// parseRevokeGrant checks that a grant's id is "<entitlement id>:<principal type>:<principal id>", as the
// sync emits it, and returns the principal.
func parseRevokeGrant(g *v2.Grant, ent provisionEntitlement) (*v2.ResourceId, error) {
	p := g.GetPrincipal().GetId()
	want := ent.ID + ":" + p.GetResourceType() + ":" + p.GetResource()
	if g.GetId() == "" || !strings.EqualFold(g.GetId(), want) || !isGUID(p.GetResource()) {
		return nil, invalidID("grant", g.GetId(), ent.ID+":<principal type>:<principal object id>, as the sync emits it")
	}
	return resourceID(p.GetResourceType(), p.GetResource()), nil
}

// grantResource is the resource a grant of ent is on: the entitlement's own resource as baton passed it
// (so returned grant ids equal the synced ones), or one built from the id.
func grantResource(ent *v2.Entitlement, e provisionEntitlement) *v2.Resource {
	if r := ent.GetResource(); r.GetId().GetResource() != "" {
		return r
	}
	return v2.Resource_builder{Id: resourceID(e.ResourceType, e.ResourceID)}.Build()
}

// invalidID is the InvalidArgument for a malformed id, naming the expected form.
func invalidID(kind, got, form string) error {
	return status.Errorf(codes.InvalidArgument, "%s: malformed %s id %q: expected %s; nothing was changed", errPrefix, kind, got, form)
}

// refusef is a FailedPrecondition: a request baton-azure refuses before any write, saying why and where to
// change it instead.
func refusef(format string, args ...any) error {
	return status.Errorf(codes.FailedPrecondition, "%s: %s; nothing was changed", errPrefix, fmt.Sprintf(format, args...))
}

// isGUID reports whether s is a GUID in its canonical 36-character form (settings.go's guidPattern, the
// one GUID check of the package).
func isGUID(s string) bool { return guidPattern.MatchString(s) }

// grantAlreadyExists and grantAlreadyRevoked are the idempotency annotations: the access was already
// there (Grant) or already gone (Revoke); the call succeeds with a nil error.
func grantAlreadyExists() annotations.Annotations {
	var a annotations.Annotations
	a.Update(&v2.GrantAlreadyExists{})
	return a
}

func grantAlreadyRevoked() annotations.Annotations {
	var a annotations.Annotations
	a.Update(&v2.GrantAlreadyRevoked{})
	return a
}

// refuseDerivedGrant fails the revoke of a grant the sync derived (nested-group expansion, inherited
// access, external grants: GrantImmutable) and names the assignments that give it, which are what to
// revoke instead. It returns nil for a grant of its own.
func refuseDerivedGrant(g *v2.Grant) error {
	annos := annotations.Annotations(g.GetAnnotations())
	if !annos.Contains(&v2.GrantImmutable{}) {
		return nil
	}
	var via []string
	for src := range g.GetSources().GetSources() {
		if src != g.GetEntitlement().GetId() {
			via = append(via, src)
		}
	}
	slices.Sort(via)
	where := "the assignment it derives from"
	if len(via) > 0 {
		where = describeSources(via)
	}
	return refusef("grant %s is derived, not assigned directly, so it cannot be revoked by itself: it comes from %s; "+
		"revoke that assignment instead (or remove the principal from it)", g.GetId(), where)
}

// describeSources names the entitlements a derived grant comes from ("membership of group <id>
// (entitlement group:<id>:member)").
func describeSources(ids []string) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		rt, rest, _ := strings.Cut(id, ":")
		rid, slug, _ := strings.Cut(rest, ":")
		switch {
		case rt == typeGroup && slug == entMember:
			out = append(out, "membership of group "+rid+" (entitlement "+id+")")
		default:
			out = append(out, "entitlement "+id)
		}
	}
	return strings.Join(out, " and ")
}

// jitWindow is the window of a time-bound (PIM) grant: from now, truncated to the second, for the
// configured pim-default-duration. baton-sdk v0.25.0 passes Grant no expiry or duration (see
// docs/provisioning.md), so the configured default always applies.
func (c *Connector) jitWindow(now time.Time) (time.Time, time.Time) {
	d := c.s.pimDuration
	if d <= 0 {
		d = 8 * time.Hour
	}
	start := now.UTC().Truncate(time.Second)
	return start, start.Add(d)
}

// writeErr turns a failed write into a status error like wrapErr, and names the permission the write
// needs when the API refused it for lack of one.
func writeErr(err error, action, permission string) error {
	werr := wrapErr(err, action)
	if status.Code(werr) == codes.PermissionDenied && permission != "" {
		return status.Errorf(codes.PermissionDenied, "%v; the app registration needs the %s permission (with admin consent) to %s",
			status.Convert(werr).Message(), permission, action)
	}
	return werr
}

// now is the connector's clock for just-in-time windows.
func (c *Connector) now() time.Time { return time.Now() }
