package world

import (
	"strings"
	"unicode/utf8"
)

// lowerKey is strings.ToLower for index keys, several times cheaper for what lookups mostly get: ids
// that are lower-case already (8 bytes are checked at a time).
func lowerKey(s string) string {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if upperOrNonASCII8(uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56) {
			return strings.ToLower(s)
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
	}
	return s
}

// upperOrNonASCII8 reports whether one of the 8 bytes in x is in 'A'..'Z' or at least 0x80 (SWAR
// "has byte between" on the low 7 bits, plus the high bits).
func upperOrNonASCII8(x uint64) bool {
	const l, h = 0x0101010101010101, 0x8080808080808080
	t := x & (l * 127)
	return ((l*(127+'Z'+1)-t)&^x&(t+l*(127-('A'-1)))&h)|x&h != 0
}
