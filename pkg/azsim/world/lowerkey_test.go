package world

import (
	"strings"
	"testing"
)

func TestLowerKey_EqualsToLower(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 19; pos++ {
			b := []byte("abcdefghijklmnopqrs")
			b[pos] = byte(c)
			if s := string(b); lowerKey(s) != strings.ToLower(s) {
				t.Fatalf("%q: %q", s, lowerKey(s))
			}
		}
	}
	for _, s := range []string{"", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "Émile@contoso.com", "a@b"} {
		if lowerKey(s) != strings.ToLower(s) {
			t.Errorf("%q: %q", s, lowerKey(s))
		}
	}
}
