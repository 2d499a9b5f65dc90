package odata

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParseFilter checks that ParseFilter never panics, fails only with
// *Error, and that Format of a parsed tree parses back to the same tree.
func FuzzParseFilter(f *testing.F) {
	seeds := []string{
		"displayName eq 'Adele'",
		"startsWith(displayName,'Ad') and userType in ('Guest','Member')",
		"not(accountEnabled eq true) or onPremisesSyncEnabled eq null",
		"groupTypes/any(c:c eq 'Unified')",
		"assignedLicenses/any(x:x/skuId eq 6ea91a8d-1234-5678-9abc-def012345678)",
		"signInActivity/lastSignInDateTime le 2025-01-01T00:00:00.123+01:00",
		"atScope() and assignedTo('x')",
		"atScopeAndBelow()",
		"a eq -1.5e-3 or b ne 12 and (c gt 2024-01-01 or d le 'it''s')",
		"endswith(mail,'@contoso.com')",
		"g/any()",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFilter(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) || qe.Status != 400 || qe.Code != CodeBadRequest {
				t.Fatalf("ParseFilter(%q) error %#v is not a 400 BadRequest *Error", s, err)
			}
			return
		}
		text := Format(e)
		again, err := ParseFilter(text)
		if err != nil {
			t.Fatalf("ParseFilter(%q) ok, but Format %q does not parse: %v", s, text, err)
		}
		if got := Format(again); got != text {
			t.Fatalf("Format not stable for %q: %q then %q", s, text, got)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("round trip of %q changed the tree: %#v != %#v", s, again, e)
		}
		// Evaluation and binding must not panic either.
		_, _ = Eval(e, func(string) (any, bool) { return "x", true })
		_, _ = testUserSchema.Bind(e, true)
	})
}
