package connector

import (
	"strconv"
	"strings"
	"testing"
)

// Fuzz targets for the id and page-token codecs of the sync side (the RBAC entitlement id codec has its
// own in rbac_ids_test.go). `go test` runs each on its seed
// corpus (a unit test); `go test -fuzz FuzzX ./pkg/connector/` explores further. Each checks that parsing
// never panics and that whatever parses round-trips through its encoder unchanged.

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"/", "", "/providers/Microsoft.Management/managementGroups/MG-Root",
		"/subscriptions/1F0E5C2A-0000-4000-8000-000000000001", "/subscriptions/x/resourceGroups/RG/",
		"/subscriptions/x/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/st",
		"/subscriptions/x/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/c",
		"/subscriptions/x/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm", "//subscriptions//x", "subscriptions"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc := parseScope(s)
		if !strings.HasPrefix(sc.key, "/") || sc.key != strings.ToLower(sc.key) || strings.Contains(sc.key, "//") ||
			(sc.key != "/" && strings.HasSuffix(sc.key, "/")) {
			t.Fatalf("%q: key %q is not canonical", s, sc.key)
		}
		if again := parseScope(sc.key); again != sc {
			t.Fatalf("%q → %+v, but its key parses to %+v", s, sc, again)
		}
		if sc.kind == scopeUnknown && sc.key == "/" {
			t.Fatalf("%q: the root is not unknown", s)
		}
		if (sc.kind == scopeResourceGroup || sc.kind == scopeStorageAccount || sc.kind == scopeContainer) && (sc.sub == "" || sc.rg == "") {
			t.Fatalf("%q: %+v lacks its subscription or resource group", s, sc)
		}
		if sc.kind == scopeResourceGroup || sc.kind == scopeStorageAccount || sc.kind == scopeContainer || sc.kind == scopeSubscription {
			if p := sc.parentInSubscription(); p.kind != scopeUnknown && !strings.HasPrefix(sc.key, p.key) {
				t.Fatalf("%q: parent %q is not a prefix", s, p.key)
			}
		}
	})
}

func FuzzRBACCursor(f *testing.F) {
	for _, s := range []string{"", `{"f":{}}`, `{"f":{"l":"https://management.azure.com/x?$skipToken=1","o":3}}`,
		`{"s":"1f0e5c2a-0000-4000-8000-000000000001","p":"assignments","k":"abc"}`, `{}`, `null`, `[]`, `{"f":null,"s":""}`, "not json"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := parseCursor(tok)
		if err != nil {
			if !strings.Contains(err.Error(), "page token") && !strings.Contains(err.Error(), "token") {
				t.Fatalf("error %q does not say the page token is malformed", err)
			}
			return
		}
		if c.Fan == nil && c.Scope == "" {
			t.Fatalf("%q parsed into a cursor with neither fan-out nor scope", tok)
		}
		again, err := parseCursor(c.encode())
		if err != nil || again.encode() != c.encode() {
			t.Fatalf("%q → %q → %+v, %v", tok, c.encode(), again, err)
		}
	})
}

func FuzzOffsetToken(f *testing.F) {
	for _, s := range []string{"", "0", "17", "-1", "1e3", " 5", "99999999999999999999", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		n, err := offsetToken(tok)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("%q → negative offset %d", tok, n)
		}
		if tok != "" {
			if again, err := offsetToken(strconv.Itoa(n)); err != nil || again != n {
				t.Fatalf("%q → %d does not round-trip: %d, %v", tok, n, again, err)
			}
		}
	})
}

func FuzzGraphCursor(f *testing.F) {
	c, _ := newCursor("", "members", "owners")
	tok, _ := c.advance("https://graph.microsoft.com/v1.0/groups/x/members?$skiptoken=abc")
	for _, s := range []string{"", tok, "{", `{"states":[{"resource_type_id":"members"}]}`, "null", "garbage=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := newCursor(tok, "members", "owners")
		if err != nil {
			if !strings.Contains(err.Error(), "malformed page token") {
				t.Fatalf("error %q does not say the page token is malformed", err)
			}
			return
		}
		// Walk to the end: every step's token restores, and the walk terminates.
		for i := 0; c.phase() != ""; i++ {
			if i > 100 {
				t.Fatalf("%q: the walk does not end", tok)
			}
			next, err := c.advance("")
			if err != nil {
				t.Fatalf("%q: advance: %v", tok, err)
			}
			if next == "" {
				break
			}
			if c, err = newCursor(next, "members", "owners"); err != nil {
				t.Fatalf("%q: the cursor's own token %q does not restore: %v", tok, next, err)
			}
		}
	})
}
