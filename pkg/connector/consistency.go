package connector

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"sync"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
)

// ConsistentGrants wraps the connector's gRPC server so that a sync's file never holds a grant to a
// principal it does not hold: baton-sdk lists every resource before any grant, so a user, group or
// service principal created in the tenant between its list and a grant list would otherwise appear as
// the principal of grants but not as a resource. The wrapper remembers (as 64-bit hashes) the principals
// of each type a complete top-level list returned in this process, and drops grants to principals of
// that type outside it, with a warning; the next sync lists them and their grants. A type whose list did
// not complete in this process (a sync resumed after a restart) is not filtered.
func ConsistentGrants(srv types.ConnectorServer) types.ConnectorServer {
	return &consistentServer{ConnectorServer: srv, seed: maphash.MakeSeed(), lists: map[string]*principalList{}}
}

// principalTypesListed are the resource types grants name as principals.
var principalTypesListed = map[string]bool{typeUser: true, typeGroup: true, typeEnterpriseApp: true, typeManagedIdentity: true}

type consistentServer struct {
	types.ConnectorServer
	seed  maphash.Seed
	mu    sync.Mutex
	lists map[string]*principalList
}

// principalList is what a list of one principal type returned: hashes while in progress, sorted once
// the last page arrived.
type principalList struct {
	hashes   []uint64
	complete bool
}

func (s *consistentServer) hash(id string) uint64 { return maphash.String(s.seed, id) }

// ListResources implements v2.ResourcesServiceServer.
func (s *consistentServer) ListResources(ctx context.Context, req *v2.ResourcesServiceListResourcesRequest) (*v2.ResourcesServiceListResourcesResponse, error) {
	resp, err := s.ConnectorServer.ListResources(ctx, req)
	typ := req.GetResourceTypeId()
	if err != nil || !principalTypesListed[typ] || req.GetParentResourceId() != nil {
		return resp, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lists[typ]
	if req.GetPageToken() == "" || l == nil {
		l = &principalList{}
		s.lists[typ] = l
	}
	for _, r := range resp.GetList() {
		l.hashes = append(l.hashes, s.hash(r.GetId().GetResource()))
	}
	if resp.GetNextPageToken() == "" {
		slices.Sort(l.hashes)
		l.complete = true
	}
	return resp, nil
}

// ListGrants implements v2.GrantsServiceServer.
func (s *consistentServer) ListGrants(ctx context.Context, req *v2.GrantsServiceListGrantsRequest) (*v2.GrantsServiceListGrantsResponse, error) {
	resp, err := s.ConnectorServer.ListGrants(ctx, req)
	if err != nil || len(resp.GetList()) == 0 {
		return resp, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := resp.GetList()[:0:0]
	var dropped []string
	for _, g := range resp.GetList() {
		p := g.GetPrincipal().GetId()
		if l := s.lists[p.GetResourceType()]; l != nil && l.complete {
			if _, found := slices.BinarySearch(l.hashes, s.hash(p.GetResource())); !found {
				dropped = append(dropped, p.GetResourceType()+"/"+p.GetResource())
				continue
			}
		}
		kept = append(kept, g)
	}
	if len(dropped) == 0 {
		return resp, nil
	}
	ctxzap.Extract(ctx).Warn(fmt.Sprintf("%s: skipped %d grants of %s/%s to principals created after they were listed in this sync; "+
		"the next sync includes them", errPrefix, len(dropped), req.GetResource().GetId().GetResourceType(), req.GetResource().GetId().GetResource()),
		zap.Strings("principals", dropped[:min(len(dropped), 10)]))
	resp.SetList(kept)
	return resp, nil
}

// GetCapabilities forwards baton-sdk's optional capabilities getter.
func (s *consistentServer) GetCapabilities(ctx context.Context) (*v2.ConnectorCapabilities, error) {
	if g, ok := s.ConnectorServer.(interface {
		GetCapabilities(ctx context.Context) (*v2.ConnectorCapabilities, error)
	}); ok {
		return g.GetCapabilities(ctx)
	}
	md, err := s.GetMetadata(ctx, &v2.ConnectorServiceGetMetadataRequest{})
	if err != nil {
		return nil, err
	}
	return md.GetMetadata().GetCapabilities(), nil
}

// Close forwards baton-sdk's optional Close.
func (s *consistentServer) Close(ctx context.Context) error {
	switch c := s.ConnectorServer.(type) {
	case interface{ Close(context.Context) error }:
		return c.Close(ctx)
	case io.Closer:
		return c.Close()
	}
	return nil
}
