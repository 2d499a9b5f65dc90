package odata

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFilterFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"displayName eq 'Adele'", "displayName eq 'Adele'"},
		{"  displayName   EQ\t'Adele'  ", "displayName eq 'Adele'"},
		{"displayName eq 'it''s'", "displayName eq 'it''s'"},
		{"displayName eq ''", "displayName eq ''"},
		{"accountEnabled eq true", "accountEnabled eq true"},
		{"accountEnabled eq FALSE", "accountEnabled eq false"},
		{"userType eq null", "userType eq null"},
		{"onPremisesSyncEnabled ne NULL", "onPremisesSyncEnabled ne null"},
		{"a gt 1 and b ge -2 and c lt 3.5 and d le 1e3", "a gt 1 and b ge -2 and c lt 3.5 and d le 1000.0"},
		{"a eq 1 or b eq 2 and c eq 3", "a eq 1 or b eq 2 and c eq 3"},
		{"(a eq 1 or b eq 2) and c eq 3", "(a eq 1 or b eq 2) and c eq 3"},
		{"a eq 1 and (b eq 2 and c eq 3)", "a eq 1 and (b eq 2 and c eq 3)"},
		{"a eq 1 or (b eq 2 or c eq 3)", "a eq 1 or (b eq 2 or c eq 3)"},
		{"((a eq 1))", "a eq 1"},
		{"a eq 1 AND b eq 2 Or c eq 3", "a eq 1 and b eq 2 or c eq 3"},
		{"userType in ('Guest','Member')", "userType in ('Guest', 'Member')"},
		{"userType IN ( 'Guest' , null )", "userType in ('Guest', null)"},
		{"startsWith(displayName,'Ad')", "startswith(displayName, 'Ad')"},
		{"ENDSWITH(mail, '@contoso.com')", "endswith(mail, '@contoso.com')"},
		{"not(accountEnabled eq true)", "not (accountEnabled eq true)"},
		{"NOT startswith(displayName,'a')", "not (startswith(displayName, 'a'))"},
		{"not not (a eq 1)", "not (not (a eq 1))"},
		{"not groupTypes/any(c:c eq 'Unified')", "not (groupTypes/any(c: c eq 'Unified'))"},
		{"groupTypes/any(c:c eq 'Unified')", "groupTypes/any(c: c eq 'Unified')"},
		{"groupTypes/ANY( c : c eq 'Unified' )", "groupTypes/any(c: c eq 'Unified')"},
		{"groupTypes/any()", "groupTypes/any()"},
		{
			"assignedLicenses/any(x:x/skuId eq 7ab1c2d3-0000-4000-8000-00000000000a)",
			"assignedLicenses/any(x: x/skuId eq '7ab1c2d3-0000-4000-8000-00000000000a')",
		},
		{
			"proxyAddresses/any(p:startswith(p,'smtp:') or p eq 'x')",
			"proxyAddresses/any(p: startswith(p, 'smtp:') or p eq 'x')",
		},
		{"a/b/any(x:x/c/any(y:y eq 1))", "a/b/any(x: x/c/any(y: y eq 1))"},
		{
			"signInActivity/lastSignInDateTime le 2025-01-01T00:00:00Z",
			"signInActivity/lastSignInDateTime le 2025-01-01T00:00:00Z",
		},
		{"createdDateTime ge 2024-06-30T12:00:00.5+02:00", "createdDateTime ge 2024-06-30T10:00:00.5Z"},
		{"createdDateTime ge 2024-06-30", "createdDateTime ge 2024-06-30T00:00:00Z"},
		{"'Adele' eq displayName", "'Adele' eq displayName"},
		{"id eq ABCDEF01-2345-6789-abcd-ef0123456789", "id eq 'ABCDEF01-2345-6789-abcd-ef0123456789'"},
		// ARM filters.
		{"atScope()", "atscope()"},
		{"atScopeAndBelow()", "atscopeandbelow()"},
		{"asTarget()", "astarget()"},
		{"assignedTo('abc')", "assignedto('abc')"},
		{"atScope() and assignedTo('x')", "atscope() and assignedto('x')"},
		{"principalId eq 'abc'", "principalId eq 'abc'"},
		{"principalId eq 6ea91a8d-1234-5678-9abc-def012345678", "principalId eq '6ea91a8d-1234-5678-9abc-def012345678'"},
		{"roleName eq 'Reader'", "roleName eq 'Reader'"},
		{"type eq 'BuiltInRole'", "type eq 'BuiltInRole'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter(%q) error: %v", tt.in, err)
			}
			if got := Format(e); got != tt.want {
				t.Errorf("Format(ParseFilter(%q)) = %q, want %q", tt.in, got, tt.want)
			}
			again, err := ParseFilter(Format(e))
			if err != nil {
				t.Fatalf("re-parse of %q: %v", Format(e), err)
			}
			if !reflect.DeepEqual(again, e) {
				t.Errorf("round trip changed the tree: %#v != %#v", again, e)
			}
		})
	}
}

func TestParseFilterTree(t *testing.T) {
	t.Parallel()
	guid := "6ea91a8d-1234-5678-9abc-def012345678"
	tests := []struct {
		in   string
		want Expr
	}{
		{"atScope()", Call{Name: FuncAtScope}},
		{"atScope() and assignedTo('x')", Binary{Op: OpAnd,
			Left:  Call{Name: FuncAtScope},
			Right: Call{Name: FuncAssignedTo, Args: []Expr{Literal{Value: "x"}}}}},
		{"principalId eq " + guid, Compare{Op: OpEq, Left: PropertyRef{Path: "principalId"}, Right: Literal{Value: guid}}},
		{"n eq 42", Compare{Op: OpEq, Left: PropertyRef{Path: "n"}, Right: Literal{Value: int64(42)}}},
		{"n eq 4.25", Compare{Op: OpEq, Left: PropertyRef{Path: "n"}, Right: Literal{Value: 4.25}}},
		{"t lt 2025-01-02T03:04:05Z", Compare{Op: OpLt, Left: PropertyRef{Path: "t"},
			Right: Literal{Value: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}}},
		{"b eq true", Compare{Op: OpEq, Left: PropertyRef{Path: "b"}, Right: Literal{Value: true}}},
		{"u eq null", Compare{Op: OpEq, Left: PropertyRef{Path: "u"}, Right: Literal{Value: nil}}},
		{"u in ('a','b')", In{Left: PropertyRef{Path: "u"}, List: []Literal{{Value: "a"}, {Value: "b"}}}},
		{"not (a eq 1)", Not{X: Compare{Op: OpEq, Left: PropertyRef{Path: "a"}, Right: Literal{Value: int64(1)}}}},
		{"g/any(c:c eq 'U')", Any{Path: "g", Var: "c",
			Body: Compare{Op: OpEq, Left: PropertyRef{Path: "c"}, Right: Literal{Value: "U"}}}},
		{"a eq 1 or b eq 2 and c eq 3", Binary{Op: OpOr,
			Left: Compare{Op: OpEq, Left: PropertyRef{Path: "a"}, Right: Literal{Value: int64(1)}},
			Right: Binary{Op: OpAnd,
				Left:  Compare{Op: OpEq, Left: PropertyRef{Path: "b"}, Right: Literal{Value: int64(2)}},
				Right: Compare{Op: OpEq, Left: PropertyRef{Path: "c"}, Right: Literal{Value: int64(3)}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter(%q) error: %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseFilter(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		detail string // substring of the message after "Invalid filter clause: "
	}{
		{"", "Expression expected at position 0 in ''."},
		{"   ", "Expression expected at position 3"},
		{"displayName eq", "Property or literal expected at position 14 in 'displayName eq'."},
		{"displayName", "Comparison operator expected at position 11"},
		{"displayName foo 'x'", "Comparison operator expected at position 12"},
		{"displayName eq 'x", "Unterminated string literal at position 15"},
		{"displayName eq 'x' and", "Expression expected at position 22"},
		{"displayName eq 'x' 'y'", "Unexpected literal 'y' at position 19"},
		{"a eq 1 b eq 2", "Unexpected 'b' at position 7"},
		{"a eq 0000-01-01T00:00:00+01:00", "Invalid date-time literal"},
		{"(a eq 1", "')' or operator expected at position 7"},
		{"a eq 1)", "Unexpected ')' at position 6"},
		{"not a eq 1", "'not' must be followed by '(', a function call or a lambda expression at position 4"},
		{"not 'x' eq 1", "'not' must be followed by"},
		{"a in ()", "Literal expected at position 6"},
		{"a in ('x' 'y')", "')' or ',' expected at position 10"},
		{"a in 'x'", "'(' expected at position 5"},
		{"a in (b)", "Literal expected at position 6"},
		{"startswith(a,'b'", "')' or ',' expected at position 16"},
		{"startswith(a eq 1)", "')' or ',' expected at position 13"},
		{"a eq startswith(b,'c')", "Property or literal expected at position 5"},
		{"g/any(c c eq 1)", "Lambda variable expected at position 6"},
		{"g/any(c:c eq 1", "')' or operator expected at position 14"},
		{"g/all(c:c eq 1)", "Unsupported lambda or bound function 'all' at position 2"},
		{"a/ eq 1", "Identifier expected at position 3"},
		{"a/eq eq 1", "Identifier expected at position 2"},
		{"eq eq 1", "Expression expected at position 0"},
		{"a eq 1.", "Invalid literal '1.' at position 5"},
		{"a eq 12abc", "Invalid literal '12abc' at position 5"},
		{"a eq 99999999999999999999", "Invalid literal"},
		{"a eq 1e999", "Invalid literal"},
		{"a eq 2025-13-01T00:00:00Z", "Invalid date-time literal '2025-13-01T00:00:00Z' at position 5"},
		{"a eq - 1", "Unexpected character '-' at position 5"},
		{"a eq \"x\"", "Unexpected character '\"' at position 5"},
		{"a eq 'x' & b eq 1", "Unexpected character '&'"},
		{"a eq 1 and", "Expression expected at position 10"},
		{strings.Repeat("(", maxDepth+1) + "a eq 1" + strings.Repeat(")", maxDepth+1), "Expression nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.in)
			if err == nil {
				t.Fatalf("ParseFilter(%q) = %v, want error", tt.in, Format(e))
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %T is not *Error", err)
			}
			if qe.Status != 400 || qe.Code != CodeBadRequest {
				t.Errorf("status/code = %d/%s, want 400/BadRequest", qe.Status, qe.Code)
			}
			const prefix = "Invalid filter clause: "
			if !strings.HasPrefix(qe.Message, prefix) || !strings.Contains(qe.Message, tt.detail) {
				t.Errorf("message = %q, want %q + ...%q...", qe.Message, prefix, tt.detail)
			}
		})
	}
}

func TestMaxDepthAccepted(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("(", maxDepth) + "a eq 1" + strings.Repeat(")", maxDepth)
	if _, err := ParseFilter(in); err != nil {
		t.Fatalf("ParseFilter with %d parentheses: %v", maxDepth, err)
	}
}

func TestConjuncts(t *testing.T) {
	t.Parallel()
	e, err := ParseFilter("atScope() and (assignedTo('x') and principalId eq 'p') or a eq 1")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(Conjuncts(e)); got != 1 {
		t.Errorf("Conjuncts of an 'or' = %d items, want 1", got)
	}
	e, err = ParseFilter("atScope() and (assignedTo('x') and principalId eq 'p')")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range Conjuncts(e) {
		names = append(names, Format(c))
	}
	want := []string{"atscope()", "assignedto('x')", "principalId eq 'p'"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Conjuncts = %q, want %q", names, want)
	}
	if Conjuncts(nil) != nil {
		t.Errorf("Conjuncts(nil) != nil")
	}
}

func TestStringUsesFormat(t *testing.T) {
	t.Parallel()
	e, err := ParseFilter("groupTypes/any(c:c eq 'Unified') and not(startswith(displayName,'a'))")
	if err != nil {
		t.Fatal(err)
	}
	b := e.(Binary)
	checks := map[string]fmt.Stringer{
		"groupTypes/any(c: c eq 'Unified') and not (startswith(displayName, 'a'))": b,
		"groupTypes/any(c: c eq 'Unified')":                                        b.Left.(Any),
		"c eq 'Unified'":                                                           b.Left.(Any).Body.(Compare),
		"not (startswith(displayName, 'a'))":                                       b.Right.(Not),
		"startswith(displayName, 'a')":                                             b.Right.(Not).X.(Call),
		"displayName":                                                              PropertyRef{Path: "displayName"},
		"3.0":                                                                      Literal{Value: 3.0},
		"u in (1, 'x')":                                                            In{Left: PropertyRef{Path: "u"}, List: []Literal{{Value: 1}, {Value: "x"}}},
	}
	for want, s := range checks {
		if got := s.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
