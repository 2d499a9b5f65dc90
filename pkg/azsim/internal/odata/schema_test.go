package odata

import (
	"errors"
	"reflect"
	"testing"
)

// Schemas modelled on Graph's documented filter support.
var (
	testUserSchema = Schema{Resource: "User", Properties: []Property{
		{Name: "id", Ops: []string{"eq", "in"}, AdvancedOps: []string{"ne", "not"}},
		{Name: "displayName", Ops: []string{"eq", "in", "startsWith", "ge", "le"}, AdvancedOps: []string{"ne", "not", "endsWith"}},
		{Name: "mail", Ops: []string{"eq", "startswith"}, AdvancedOps: []string{"ne", "not", "endswith"}},
		{Name: "accountEnabled", Ops: []string{"eq"}, AdvancedOps: []string{"ne", "not"}},
		{Name: "userType", Ops: []string{"eq"}, AdvancedOps: []string{"ne", "not"}},
		{Name: "onPremisesSyncEnabled", Ops: []string{"eq"}, AdvancedOps: []string{"ne", "not"}},
		{Name: "employeeId", Ops: []string{"eq", "ge", "le", "startswith"}, AdvancedOps: []string{"ne", "not"}},
		{Name: "signInActivity/lastSignInDateTime", Ops: []string{"eq", "ge", "le"}, AdvancedOps: []string{"ne", "not"}},
		{Name: "assignedLicenses", Collection: true, Ops: []string{"any", "eq"}, AdvancedOps: []string{"not"}},
		{Name: "proxyAddresses", Collection: true, Ops: []string{"any", "eq", "startswith"}, AdvancedOps: []string{"not", "endswith"}},
	}}
	testGroupSchema = Schema{Resource: "Group", Properties: []Property{
		{Name: "displayName", Ops: []string{"eq", "startswith"}},
		{Name: "groupTypes", Collection: true, Ops: []string{"any", "eq"}, AdvancedOps: []string{"not"}},
		{Name: "securityEnabled", Ops: []string{"eq"}},
		{Name: "createdDateTime"}, // returned, but not filterable
	}}
)

func TestBindAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema   Schema
		in       string
		advanced bool
		want     string // Format of the bound tree
	}{
		{testUserSchema, "DISPLAYNAME eq 'Adele'", false, "displayName eq 'Adele'"},
		{testUserSchema, "startsWith(displayname,'Ad')", false, "startswith(displayName, 'Ad')"},
		{testUserSchema, "usertype in ('Guest','Member')", false, "userType in ('Guest', 'Member')"},
		{testUserSchema, "accountEnabled eq true and userType eq null", false, "accountEnabled eq true and userType eq null"},
		{testUserSchema, "onPremisesSyncEnabled eq null or employeeId ge '100'", false,
			"onPremisesSyncEnabled eq null or employeeId ge '100'"},
		{testUserSchema, "signinactivity/LastSignInDateTime le 2025-01-01T00:00:00Z", false,
			"signInActivity/lastSignInDateTime le 2025-01-01T00:00:00Z"},
		{testUserSchema, "assignedlicenses/any(x:x/skuId eq 6ea91a8d-1234-5678-9abc-def012345678)", false,
			"assignedLicenses/any(x: x/skuId eq '6ea91a8d-1234-5678-9abc-def012345678')"},
		{testUserSchema, "proxyAddresses/any(p:startswith(p,'smtp:'))", false, "proxyAddresses/any(p: startswith(p, 'smtp:'))"},
		{testUserSchema, "proxyAddresses/any(p:p in ('a','b'))", false, "proxyAddresses/any(p: p in ('a', 'b'))"},
		{testUserSchema, "displayName ne 'x'", true, "displayName ne 'x'"},
		{testUserSchema, "endswith(mail,'@contoso.com')", true, "endswith(mail, '@contoso.com')"},
		{testUserSchema, "not(accountEnabled eq true)", true, "not (accountEnabled eq true)"},
		{testUserSchema, "not(assignedLicenses/any())", true, "not (assignedLicenses/any())"},
		{testUserSchema, "proxyAddresses/any(p:endswith(p,'.com'))", true, "proxyAddresses/any(p: endswith(p, '.com'))"},
		{testGroupSchema, "groupTypes/any(c:c eq 'Unified')", false, "groupTypes/any(c: c eq 'Unified')"},
		{testGroupSchema, "NOT groupTypes/any(c:c eq 'Unified') and securityEnabled eq true", true,
			"not (groupTypes/any(c: c eq 'Unified')) and securityEnabled eq true"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.schema.Validate(e, tt.advanced); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			bound, err := tt.schema.Bind(e, tt.advanced)
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if got := Format(bound); got != tt.want {
				t.Errorf("Bind = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	t.Parallel()
	const advancedHint = " is not supported because the required parameters might be missing. " +
		"Try adding $count=true query parameter and ConsistencyLevel:eventual header. " +
		"Refer to https://aka.ms/graph-docs/advanced-queries for more details"
	tests := []struct {
		schema   Schema
		in       string
		advanced bool
		code     string
		msg      string
	}{
		{testUserSchema, "displayName ne 'x'", false, CodeUnsupportedQuery, "Operator 'ne'" + advancedHint},
		{testUserSchema, "endswith(mail,'@contoso.com')", false, CodeUnsupportedQuery, "Operator 'endsWith'" + advancedHint},
		{testUserSchema, "not(accountEnabled eq true)", false, CodeUnsupportedQuery, "Operator 'not'" + advancedHint},
		{testGroupSchema, "not groupTypes/any(c:c eq 'Unified')", false, CodeUnsupportedQuery, "Operator 'not'" + advancedHint},
		{testUserSchema, "proxyAddresses/any(p:endswith(p,'x'))", false, CodeUnsupportedQuery, "Operator 'endsWith'" + advancedHint},
		{testGroupSchema, "createdDateTime ge 2024-01-01T00:00:00Z", true, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'createdDateTime' of resource 'Group'."},
		{testGroupSchema, "createddatetime ge 2024-01-01T00:00:00Z", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'createdDateTime' of resource 'Group'."},
		{testGroupSchema, "nosuch eq 1", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'nosuch' of resource 'Group'."},
		{testGroupSchema, "displayName ne 'x'", true, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."},
		{testGroupSchema, "endswith(displayName,'x')", true, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."},
		{testGroupSchema, "not(securityEnabled eq true)", true, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'securityEnabled' of resource 'Group'."},
		{testGroupSchema, "groupTypes eq 'Unified'", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'groupTypes' of resource 'Group'."},
		{testGroupSchema, "displayName/any(c:c eq 'x')", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."},
		{testGroupSchema, "groupTypes/any(c:startswith(c,'U'))", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'groupTypes' of resource 'Group'."},
		{testGroupSchema, "displayName eq securityEnabled", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."},
		{testGroupSchema, "'x' eq displayName", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."},
		{testGroupSchema, "securityEnabled eq true and nosuch eq 1", false, CodeUnsupportedQuery,
			"Unsupported or invalid query filter clause specified for property 'nosuch' of resource 'Group'."},
		{testGroupSchema, "contains(displayName,'x')", false, CodeUnsupportedQuery,
			"An unknown function with name 'contains' was found. This may also be a function import or a key lookup " +
				"on a navigation property, which is not allowed."},
		{testGroupSchema, "atScope()", false, CodeUnsupportedQuery,
			"An unknown function with name 'atscope' was found. This may also be a function import or a key lookup " +
				"on a navigation property, which is not allowed."},
		{testGroupSchema, "startswith(displayName)", false, CodeBadRequest,
			"No function signature for the function with name 'startswith' matches the specified arguments. " +
				"The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{testGroupSchema, "startswith(displayName, 1)", false, CodeBadRequest,
			"No function signature for the function with name 'startswith' matches the specified arguments. " +
				"The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{testGroupSchema, "1 eq 1", false, CodeBadRequest,
			"Invalid filter clause: a comparison needs a property on the left and a literal on the right."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.schema.Validate(e, tt.advanced)
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Validate(%q) = %v, want *Error", tt.in, err)
			}
			want := &Error{Status: 400, Code: tt.code, Message: tt.msg}
			if !reflect.DeepEqual(qe, want) {
				t.Errorf("Validate(%q) =\n  %+v\nwant\n  %+v", tt.in, qe, want)
			}
		})
	}
}

func TestBindDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	e, err := ParseFilter("displayname eq 'x' and proxyaddresses/any(p:p eq 'y')")
	if err != nil {
		t.Fatal(err)
	}
	before := Format(e)
	if _, err := testUserSchema.Bind(e, false); err != nil {
		t.Fatal(err)
	}
	if after := Format(e); after != before {
		t.Errorf("Bind modified its input: %q -> %q", before, after)
	}
}
