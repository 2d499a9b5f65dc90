package azsim

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// TestAppendJSONString_SameBytesAsTheReferenceEncoder checks the 8-bytes-at-a-time encoder against the
// straightforward byte-by-byte one it replaced, on random strings dense in characters that need escaping.
func TestAppendJSONString_SameBytesAsTheReferenceEncoder(t *testing.T) {
	t.Parallel()
	alphabet := []string{"a", "Z", "0", " ", "~", "\x7f", "\"", "\\", "\n", "\r", "\t", "\x00", "\x01", "\x1f", "\b", "\f",
		"é", "日本", "\u2028", "\u2029", "\xff", "\xe2\x80", "😀", "<", ">", "&", "abcdefgh", "ABCDEFGHIJKLMNOP"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50000; i++ {
		var s string
		for n := rng.IntN(24); n > 0; n-- {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := string(appendJSONString(nil, s)), string(referenceAppendJSONString(nil, s)); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 17; pos++ {
			b := []byte("abcdefghijklmnopq")
			b[pos] = byte(c)
			if got, want := string(appendJSONString(nil, string(b))), string(referenceAppendJSONString(nil, string(b))); got != want {
				t.Fatalf("byte %#x at %d: got %s, want %s", c, pos, got, want)
			}
		}
	}
}

// referenceAppendJSONString is the original encoder.
func referenceAppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
