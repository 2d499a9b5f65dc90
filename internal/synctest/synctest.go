// Package synctest runs a whole baton sync of a connector in process — baton-sdk's syncer talking to the
// connector over loopback gRPC, writing a real .c1z — and reads the file back for assertions.
package synctest

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorclient"
	"github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/baton-azure/baton-azure/internal/c1zread"
)

// Serve exposes a connector builder over gRPC on loopback and returns a client, as the baton CLI's
// parent process sees its connector child.
func Serve(t testing.TB, builder connectorbuilder.ConnectorBuilderV2, opts ...connectorbuilder.Opt) types.ConnectorClient {
	t.Helper()
	ctx := context.Background()
	srv, err := connectorbuilder.NewConnector(ctx, builder, opts...)
	if err != nil {
		t.Fatalf("connectorbuilder.NewConnector: %v", err)
	}
	gs := grpc.NewServer()
	v2.RegisterResourceTypesServiceServer(gs, srv)
	v2.RegisterResourcesServiceServer(gs, srv)
	v2.RegisterEntitlementsServiceServer(gs, srv)
	v2.RegisterGrantsServiceServer(gs, srv)
	v2.RegisterConnectorServiceServer(gs, srv)
	v2.RegisterAssetServiceServer(gs, srv)
	v2.RegisterGrantManagerServiceServer(gs, srv)
	v2.RegisterResourceManagerServiceServer(gs, srv)
	v2.RegisterResourceDeleterServiceServer(gs, srv)
	v2.RegisterAccountManagerServiceServer(gs, srv)
	v2.RegisterCredentialManagerServiceServer(gs, srv)
	v2.RegisterEventServiceServer(gs, srv)
	v2.RegisterTicketsServiceServer(gs, srv)
	v2.RegisterActionServiceServer(gs, srv)
	v2.RegisterResourceGetterServiceServer(gs, srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return connectorclient.NewConnectorClient(ctx, conn)
}

// Sync runs a full sync into a new c1z under t.TempDir and returns its path.
func Sync(t testing.TB, client types.ConnectorClient, opts ...sync.SyncOpt) (string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "sync.c1z")
	ctx := context.Background()
	all := append([]sync.SyncOpt{sync.WithC1ZPath(path), sync.WithTmpDir(dir), sync.WithWorkerCount(4)}, opts...)
	s, err := sync.NewSyncer(ctx, client, all...)
	if err != nil {
		return "", err
	}
	syncErr := s.Sync(ctx)
	if err := s.Close(ctx); err != nil && syncErr == nil {
		syncErr = err
	}
	return path, syncErr
}

// File is the content of a synced c1z.
type File = c1zread.File

// Read loads every resource, entitlement and grant of the latest finished sync in a c1z.
func Read(t testing.TB, path string) *File {
	t.Helper()
	f, err := c1zread.Read(context.Background(), path, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return f
}
