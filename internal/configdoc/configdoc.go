// Package configdoc renders docs/configuration.md, the configuration table (flag, environment variable,
// default, meaning), from config_schema.json — what `baton-azure config` prints, kept fresh by
// `make generate` — in the order of pkg/config's Fields. A test fails when the document is stale.
package configdoc

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/conductorone/baton-sdk/pkg/field"
)

// schema is the part of config_schema.json the table needs.
type schema struct {
	Fields []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		IsSecret    bool   `json:"isSecret"`
		StringField *struct {
			DefaultValue string `json:"defaultValue"`
			Rules        struct {
				In []string `json:"in"`
			} `json:"rules"`
		} `json:"stringField"`
		BoolField *struct {
			DefaultValue bool `json:"defaultValue"`
		} `json:"boolField"`
		IntField *struct {
			DefaultValue string `json:"defaultValue"`
		} `json:"intField"`
		StringSliceField *struct{} `json:"stringSliceField"`
	} `json:"fields"`
	Constraints []struct {
		Kind       string   `json:"kind"`
		FieldNames []string `json:"fieldNames"`
		Secondary  []string `json:"secondaryFieldNames"`
	} `json:"constraints"`
}

// Markdown renders the document from config_schema.json's bytes; own lists baton-azure's fields in display
// order (config.Fields()), every other field of the schema is baton-sdk's.
func Markdown(schemaJSON []byte, own []field.SchemaField) (string, error) {
	var s schema
	if err := json.Unmarshal(schemaJSON, &s); err != nil {
		return "", fmt.Errorf("config_schema.json: %w", err)
	}
	type row struct{ flag, env, def, meaning string }
	rows := map[string]row{}
	for _, f := range s.Fields {
		def, meaning := "", f.Description
		switch {
		case f.StringField != nil:
			def = f.StringField.DefaultValue
			if in := f.StringField.Rules.In; len(in) > 0 {
				meaning += " (one of: " + strings.Join(in, ", ") + ")"
			}
		case f.BoolField != nil:
			def = fmt.Sprint(f.BoolField.DefaultValue)
		case f.IntField != nil:
			def = f.IntField.DefaultValue
		}
		if f.IsSecret {
			meaning += " **Secret.**"
		}
		if def != "" {
			def = "`" + def + "`"
		}
		rows[f.Name] = row{"`--" + f.Name + "`", "`BATON_" + strings.ReplaceAll(strings.ToUpper(f.Name), "-", "_") + "`", def,
			strings.ReplaceAll(meaning, "|", `\|`)}
	}
	var b strings.Builder
	b.WriteString(`# Configuration

<!-- Generated from config_schema.json by ` + "`make generate`" + ` (internal/configdoc); do not edit. -->

Every option is a flag and an environment variable (` + "`BATON_`" + ` + the flag upper-cased, ` + "`-`" + ` → ` + "`_`" + `).
The same schema is what ` + "`baton-azure config`" + ` prints for ConductorOne.

## baton-azure

| flag | environment variable | default | meaning |
|---|---|---|---|
`)
	seen := map[string]bool{}
	for _, f := range own {
		r, ok := rows[f.FieldName]
		if !ok {
			return "", fmt.Errorf("field %s is not in config_schema.json (run make generate)", f.FieldName)
		}
		seen[f.FieldName] = true
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.flag, r.env, r.def, r.meaning)
	}
	b.WriteString("\nConstraints:\n\n")
	for _, c := range s.Constraints {
		names := func(ns []string) string {
			q := make([]string, len(ns))
			for i, n := range ns {
				q[i] = "`--" + n + "`"
			}
			return strings.Join(q, ", ")
		}
		switch c.Kind {
		case "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE":
			fmt.Fprintf(&b, "- at most one of %s\n", names(c.FieldNames))
		case "CONSTRAINT_KIND_DEPENDENT_ON":
			fmt.Fprintf(&b, "- %s only together with %s\n", names(c.FieldNames), names(c.Secondary))
		default:
			fmt.Fprintf(&b, "- %s: %s %s\n", strings.ToLower(strings.TrimPrefix(c.Kind, "CONSTRAINT_KIND_")), names(c.FieldNames), names(c.Secondary))
		}
	}
	b.WriteString(`
## baton-sdk (common to every baton connector)

| flag | environment variable | default | meaning |
|---|---|---|---|
`)
	var sdk []string
	for name := range rows {
		if !seen[name] {
			sdk = append(sdk, name)
		}
	}
	sort.Strings(sdk)
	for _, name := range sdk {
		r := rows[name]
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.flag, r.env, r.def, r.meaning)
	}
	b.WriteString(`
baton-sdk also reads ` + "`-f/--file`" + ` (the c1z to write), ` + "`--client-id`/`--client-secret`" + ` (ConductorOne
service mode, ` + "`BATON_CLIENT_ID`/`BATON_CLIENT_SECRET`" + `), ` + "`-p/--provisioning`" + ` and the one-shot provisioning
flags (` + "`--grant-entitlement`, `--grant-principal`, `--grant-principal-type`, `--revoke-grant`, `--create-account-*`, `--delete-resource`" + `…);
` + "`baton-azure --help`" + ` lists them all.
`)
	return b.String(), nil
}
