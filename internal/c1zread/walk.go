package c1zread

import (
	"context"
	"fmt"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

// Visitor receives a c1z's objects one by one; nil functions skip that kind (it is not read at all).
type Visitor struct {
	Resource    func(*v2.Resource)
	Entitlement func(*v2.Entitlement)
	Grant       func(*v2.Grant)
}

// Walk streams the resources, entitlements and grants of path's latest finished sync to v, page by page,
// without holding them: for files too large for Read.
func Walk(ctx context.Context, path, tmpDir string, v Visitor) error {
	st, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmpDir))
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = st.Close(ctx) }()
	latest, err := st.SyncMeta().LatestFinishedSyncOfAnyType(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if latest == nil {
		return fmt.Errorf("%s holds no finished sync", path)
	}
	if err := st.SetCurrentSync(ctx, latest.ID); err != nil {
		return err
	}
	if v.Resource != nil {
		for tok := ""; ; {
			resp, err := st.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: tok, PageSize: 1000}.Build())
			if err != nil {
				return err
			}
			for _, r := range resp.GetList() {
				v.Resource(r)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
	}
	if v.Entitlement != nil {
		for tok := ""; ; {
			resp, err := st.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: tok, PageSize: 1000}.Build())
			if err != nil {
				return err
			}
			for _, e := range resp.GetList() {
				v.Entitlement(e)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
	}
	if v.Grant != nil {
		for tok := ""; ; {
			resp, err := st.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: tok, PageSize: 1000}.Build())
			if err != nil {
				return err
			}
			for _, g := range resp.GetList() {
				v.Grant(g)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
	}
	return nil
}
