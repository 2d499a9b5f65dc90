// Command gen writes conf.gen.go, the typed configuration struct, from the field schema.
package main

import (
	sdkconfig "github.com/conductorone/baton-sdk/pkg/config"

	"github.com/baton-azure/baton-azure/pkg/config"
)

func main() {
	sdkconfig.Generate("azure", config.Configuration)
}
