package configdoc

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/config"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

// TestConfigurationDoc_IsFresh: docs/configuration.md is what config_schema.json renders to, and names every
// field of pkg/config with its flag and environment variable. `make generate` rewrites it.
func TestConfigurationDoc_IsFresh(t *testing.T) {
	t.Parallel()
	schemaJSON, err := os.ReadFile("../../config_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Markdown(schemaJSON, config.Fields())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range config.Fields() {
		env := "BATON_" + strings.ReplaceAll(strings.ToUpper(f.FieldName), "-", "_")
		if !strings.Contains(want, "| `--"+f.FieldName+"` | `"+env+"` |") {
			t.Errorf("the table has no row for %s / %s", f.FieldName, env)
		}
	}
	const path = "../../docs/configuration.md"
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run `make generate`", path)
	}
}
