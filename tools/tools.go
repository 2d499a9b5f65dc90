//go:build tools

// Package tools pins the development tools baton-azure builds from the module proxy
// (`make tools` builds them into ./bin). It is its own module so the main module's
// dependency graph, `go vet ./...` and `go test ./...` never include them.
package tools

import (
	_ "github.com/conductorone/baton-sdk/cmd/baton"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
