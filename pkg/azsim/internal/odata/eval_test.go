package odata

import (
	"errors"
	"testing"
	"time"
)

// getter returns a Getter over a flat map keyed by property path.
func getter(m map[string]any) Getter {
	return func(path string) (any, bool) {
		v, ok := m[path]
		return v, ok
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	adele := map[string]any{
		"id":                                "6EA91A8D-1234-5678-9ABC-DEF012345678",
		"displayName":                       "Adele Vance",
		"mail":                              "AdeleV@contoso.com",
		"accountEnabled":                    true,
		"userType":                          "Member",
		"onPremisesSyncEnabled":             nil,
		"employeeId":                        "0042",
		"age":                               41,
		"score":                             float32(2.5),
		"signInActivity/lastSignInDateTime": time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		"createdDateTime":                   "2020-05-01T08:00:00Z",
		"groupTypes":                        []string{"Unified", "DynamicMembership"},
		"emptyList":                         []string{},
		"assignedLicenses": []map[string]any{
			{"skuId": "84a661c4-0000-4000-8000-000000000001", "disabledPlans": []string{}},
			{"skuId": "c7df2760-0000-4000-8000-000000000002", "disabledPlans": []string{"p1"}},
		},
		"ptr": func() *string { s := "pointed"; return &s }(),
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{"displayName eq 'Adele Vance'", true},
		{"displayName eq 'adele vance'", true},
		{"displayName eq 'Adele'", false},
		{"displayName ne 'Adele'", true},
		{"displayName ne 'ADELE VANCE'", false},
		{"id eq 6ea91a8d-1234-5678-9abc-def012345678", true},
		{"id eq '6ea91a8d-1234-5678-9abc-def012345678'", true},
		{"userType in ('Guest','Member')", true},
		{"userType in ('guest','member')", true},
		{"userType in ('Guest')", false},
		{"onPremisesSyncEnabled in (true, null)", true},
		{"startswith(displayName,'ad')", true},
		{"startsWith(displayName,'Vance')", false},
		{"endswith(mail,'@CONTOSO.COM')", true},
		{"endswith(mail,'@fabrikam.com')", false},
		{"startswith(onPremisesSyncEnabled,'x')", false},
		{"groupTypes/any(c:c eq 'unified')", true},
		{"groupTypes/any(c:c eq 'Security')", false},
		{"groupTypes/any(c:startswith(c,'dyn'))", true},
		{"groupTypes/any()", true},
		{"emptyList/any()", false},
		{"emptyList/any(c:c eq 'x')", false},
		{"missingList/any(c:c eq 'x')", false},
		{"assignedLicenses/any(x:x/skuId eq 84A661C4-0000-4000-8000-000000000001)", true},
		{"assignedLicenses/any(x:x/SKUID eq 84a661c4-0000-4000-8000-000000000001)", true},
		{"assignedLicenses/any(x:x/skuId eq 00000000-0000-4000-8000-000000000001)", false},
		{"assignedLicenses/any(x:x/disabledPlans/any(p:p eq 'P1'))", true},
		{"assignedLicenses/any(x:x/nosuch eq null)", true},
		{"assignedLicenses/any(x:x/skuId eq 'c7df2760-0000-4000-8000-000000000002' and userType eq 'Member')", true},
		{"onPremisesSyncEnabled eq null", true},
		{"onPremisesSyncEnabled ne null", false},
		{"userType eq null", false},
		{"missing eq null", true},
		{"missing ne 'x'", true},
		{"missing gt 'x'", false},
		{"accountEnabled eq true", true},
		{"accountEnabled eq false", false},
		{"accountEnabled ne false", true},
		{"accountEnabled eq true and userType eq 'Member'", true},
		{"accountEnabled eq false and userType eq 'Member'", false},
		{"accountEnabled eq false or userType eq 'Member'", true},
		{"accountEnabled eq false or userType eq 'Guest'", false},
		{"not(accountEnabled eq false)", true},
		{"not (groupTypes/any(c:c eq 'Unified'))", false},
		{"not not (accountEnabled eq true)", true},
		{"signInActivity/lastSignInDateTime le 2025-03-01T12:00:00Z", true},
		{"signInActivity/lastSignInDateTime lt 2025-03-01T12:00:00Z", false},
		{"signInActivity/lastSignInDateTime ge 2025-01-01", true},
		{"signInActivity/lastSignInDateTime gt 2025-03-01T13:00:00+02:00", true},
		{"signInActivity/lastSignInDateTime eq 2025-03-01T14:00:00+02:00", true},
		{"createdDateTime lt 2021-01-01T00:00:00Z", true},
		{"createdDateTime ge 2021-01-01T00:00:00Z", false},
		{"employeeId ge '0040' and employeeId le '0050'", true},
		{"displayName ge 'adele' and displayName lt 'B'", true},
		{"age eq 41", true},
		{"age gt 40.5", true},
		{"age le 40", false},
		{"score eq 2.5", true},
		{"score lt 3", true},
		{"ptr eq 'POINTED'", true},
		{"'Adele Vance' eq displayName", true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Eval(e, getter(adele))
			if err != nil {
				t.Fatalf("Eval(%q): %v", tt.filter, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%q) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	entity := map[string]any{
		"accountEnabled": true,
		"displayName":    "Adele",
		"groupTypes":     []string{"Unified"},
		"createdAt":      "not a date",
	}
	tests := []struct {
		filter string
		code   string
		msg    string
	}{
		{"accountEnabled eq 'true'", CodeBadRequest, "A binary operator with incompatible types was detected. " +
			"Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'."},
		{"accountEnabled gt false", CodeBadRequest, "A binary operator with incompatible types was detected. " +
			"Found operand types 'Edm.Boolean' and 'Edm.Boolean' for operator kind 'GreaterThan'."},
		{"displayName eq 1", CodeBadRequest, "A binary operator with incompatible types was detected. " +
			"Found operand types 'Edm.String' and 'Edm.Int64' for operator kind 'Equal'."},
		{"groupTypes eq 'Unified'", CodeBadRequest, "A binary operator with incompatible types was detected. " +
			"Found operand types 'Collection(Edm.String)' and 'Edm.String' for operator kind 'Equal'."},
		{"createdAt ge 2020-01-01T00:00:00Z", CodeBadRequest, "A binary operator with incompatible types was detected. " +
			"Found operand types 'Edm.String' and 'Edm.DateTimeOffset' for operator kind 'GreaterThanOrEqual'."},
		{"displayName/any(c:c eq 'x')", CodeBadRequest, "Invalid filter clause: property 'displayName' is not a collection."},
		{"startswith(accountEnabled,'t')", CodeBadRequest,
			"No function signature for the function with name 'startswith' matches the specified arguments. " +
				"The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{"atScope()", CodeUnsupportedQuery, "An unknown function with name 'atscope' was found. " +
			"This may also be a function import or a key lookup on a navigation property, which is not allowed."},
		{"displayName eq 'Adele' and atScope()", CodeUnsupportedQuery, "An unknown function with name 'atscope' was found. " +
			"This may also be a function import or a key lookup on a navigation property, which is not allowed."},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Eval(e, getter(entity))
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Eval(%q) error = %v, want *Error", tt.filter, err)
			}
			if qe.Status != 400 || qe.Code != tt.code || qe.Message != tt.msg {
				t.Errorf("Eval(%q) = %d %s %q, want 400 %s %q", tt.filter, qe.Status, qe.Code, qe.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestEvalShortCircuit(t *testing.T) {
	t.Parallel()
	// The right operand would fail (unknown function) but is never reached.
	for _, f := range []string{"a eq 1 and atScope()", "a eq 2 or atScope()"} {
		e, err := ParseFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Eval(e, getter(map[string]any{"a": 2})); err != nil {
			t.Errorf("Eval(%q): %v", f, err)
		}
	}
}

func TestEvalHandBuiltTrees(t *testing.T) {
	t.Parallel()
	get := getter(map[string]any{"flag": true, "name": "x"})
	tests := []struct {
		e       Expr
		want    bool
		wantErr bool
	}{
		{PropertyRef{Path: "flag"}, true, false},
		{PropertyRef{Path: "missing"}, false, false},
		{PropertyRef{Path: "name"}, false, true},
		{Literal{Value: true}, true, false},
		{nil, false, true},
		{Binary{Op: "xor", Left: Literal{Value: true}, Right: Literal{Value: true}}, false, true},
		{Compare{Op: "like", Left: PropertyRef{Path: "name"}, Right: Literal{Value: "x"}}, false, true},
		{Compare{Op: OpEq, Left: Not{X: Literal{Value: true}}, Right: Literal{Value: true}}, false, true},
	}
	for _, tt := range tests {
		got, err := Eval(tt.e, get)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Eval(%s) = %v, %v; want %v, error %v", Format(tt.e), got, err, tt.want, tt.wantErr)
		}
	}
	if ok, err := Eval(Compare{Op: OpEq, Left: PropertyRef{Path: "a"}, Right: Literal{}}, nil); !ok || err != nil {
		t.Errorf("Eval with nil getter = %v, %v; want true, nil", ok, err)
	}
}
