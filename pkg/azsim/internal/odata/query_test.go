package odata

import (
	"errors"
	"reflect"
	"testing"
)

func TestTop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		max     int
		want    int
		code    string
		message string
	}{
		{raw: "", max: 999, want: 100},
		{raw: "1", max: 999, want: 1},
		{raw: "999", max: 999, want: 999},
		{raw: "050", max: 999, want: 50},
		{raw: "500", max: 500, want: 500},
		{raw: "1000", max: 999, code: CodeUnsupportedQuery,
			message: "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{raw: "501", max: 500, code: CodeUnsupportedQuery,
			message: "Invalid page size specified: '501'. Must be between 1 and 500 inclusive."},
		{raw: "0", max: 999, code: CodeUnsupportedQuery,
			message: "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."},
		{raw: "99999999999999999999999", max: 999, code: CodeUnsupportedQuery,
			message: "Invalid page size specified: '99999999999999999999999'. Must be between 1 and 999 inclusive."},
		{raw: "-1", max: 999, code: CodeBadRequest, message: "Invalid value '-1' for $top query option found. " +
			"The $top query option requires a non-negative integer value."},
		{raw: "abc", max: 999, code: CodeBadRequest, message: "Invalid value 'abc' for $top query option found. " +
			"The $top query option requires a non-negative integer value."},
		{raw: "+5", max: 999, code: CodeBadRequest, message: "Invalid value '+5' for $top query option found. " +
			"The $top query option requires a non-negative integer value."},
		{raw: " 5", max: 999, code: CodeBadRequest, message: "Invalid value ' 5' for $top query option found. " +
			"The $top query option requires a non-negative integer value."},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := Top(tt.raw, 100, tt.max)
			if tt.code == "" {
				if err != nil || got != tt.want {
					t.Errorf("Top(%q) = %d, %v; want %d", tt.raw, got, err, tt.want)
				}
				return
			}
			want := &Error{Status: 400, Code: tt.code, Message: tt.message}
			var qe *Error
			if !errors.As(err, &qe) || !reflect.DeepEqual(qe, want) {
				t.Errorf("Top(%q) error = %#v, want %#v", tt.raw, err, want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	known := []string{"id", "displayName", "userPrincipalName", "accountEnabled", "signInActivity"}
	tests := []struct {
		raw     string
		want    []string
		code    string
		message string
	}{
		{raw: "", want: nil},
		{raw: "  ", want: nil},
		{raw: "id", want: []string{"id"}},
		{raw: "displayname, ID ,userPrincipalName", want: []string{"displayName", "id", "userPrincipalName"}},
		{raw: "id,displayName,ID,DisplayName", want: []string{"id", "displayName"}},
		{raw: "signinactivity", want: []string{"signInActivity"}},
		{raw: "id,nosuch", code: CodeRequestBadRequest,
			message: "Could not find a property named 'nosuch' on type 'microsoft.graph.user'."},
		{raw: " Nope ", code: CodeRequestBadRequest,
			message: "Could not find a property named 'Nope' on type 'microsoft.graph.user'."},
		{raw: "id,,displayName", code: CodeBadRequest,
			message: "Syntax error: empty property name at position 3 in 'id,,displayName'."},
		{raw: "id,", code: CodeBadRequest, message: "Syntax error: empty property name at position 3 in 'id,'."},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := Select(tt.raw, known, "microsoft.graph.user")
			if tt.code == "" {
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Select(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
				}
				return
			}
			want := &Error{Status: 400, Code: tt.code, Message: tt.message}
			var qe *Error
			if !errors.As(err, &qe) || !reflect.DeepEqual(qe, want) {
				t.Errorf("Select(%q) error = %#v, want %#v", tt.raw, err, want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Status: 400, Code: CodeBadRequest, Message: "boom"}
	if got := e.Error(); got != "BadRequest: boom" {
		t.Errorf("Error() = %q", got)
	}
}
