// Package c1zread loads the resources, entitlements and grants of a .c1z file's latest finished sync.
package c1zread

import (
	"context"
	"fmt"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

// File is the content of a synced c1z.
type File struct {
	Resources    []*v2.Resource
	Entitlements []*v2.Entitlement
	Grants       []*v2.Grant
}

// Read opens path read-only (unpacking into tmpDir) and loads its latest finished sync.
func Read(ctx context.Context, path, tmpDir string) (*File, error) {
	st, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmpDir))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = st.Close(ctx) }()
	latest, err := st.SyncMeta().LatestFinishedSyncOfAnyType(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if latest == nil {
		return nil, fmt.Errorf("%s holds no finished sync", path)
	}
	if err := st.SetCurrentSync(ctx, latest.ID); err != nil {
		return nil, err
	}
	f := &File{}
	for tok := ""; ; {
		resp, err := st.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: tok, PageSize: 1000}.Build())
		if err != nil {
			return nil, err
		}
		f.Resources = append(f.Resources, resp.GetList()...)
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		resp, err := st.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: tok, PageSize: 1000}.Build())
		if err != nil {
			return nil, err
		}
		f.Entitlements = append(f.Entitlements, resp.GetList()...)
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		resp, err := st.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: tok, PageSize: 1000}.Build())
		if err != nil {
			return nil, err
		}
		f.Grants = append(f.Grants, resp.GetList()...)
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	return f, nil
}
