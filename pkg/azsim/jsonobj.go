package azsim

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonObject is an ordered JSON object. Graph pages are rendered through it rather than through maps so
// that a 999-item page costs a few allocations per item, not a reflective encode of a sorted map.
type jsonObject struct {
	kv []kvPair
}

type kvPair struct {
	k string
	v any
}

func newJSONObject(n int) *jsonObject { return &jsonObject{kv: make([]kvPair, 0, n)} }

// set adds or replaces a key.
func (o *jsonObject) set(k string, v any) {
	for i := range o.kv {
		if o.kv[i].k == k {
			o.kv[i].v = v
			return
		}
	}
	o.kv = append(o.kv, kvPair{k, v})
}

// MarshalJSON implements json.Marshaler.
func (o *jsonObject) MarshalJSON() ([]byte, error) { return o.appendJSON(nil) }

func (o *jsonObject) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, p := range o.kv {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.k)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, p.v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// rawJSON is a response body that is already encoded.
type rawJSON []byte

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case time.Time:
		b = append(b, '"')
		b = x.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"'), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case *jsonObject:
		return x.appendJSON(b)
	case []*jsonObject:
		b = append(b, '[')
		for i, o := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = o.appendJSON(b); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the bytes a JSON string holds unescaped: ASCII from 0x20, except '"' and '\\'.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string (HTML characters are not escaped, as Graph does not).
func appendJSONString(b []byte, s string) []byte {
	i := plainPrefix(s, 0)
	if i == len(s) { // the common case: nothing to escape
		n := len(b)
		if cap(b)-n < len(s)+2 {
			b = append(b, make([]byte, len(s)+2)...)[:n]
		}
		b = b[:n+len(s)+2]
		b[n] = '"'
		copy(b[n+1:], s)
		b[n+1+len(s)] = '"'
		return b
	}
	b = append(b, '"')
	start := 0
	for i < len(s) {
		if i = plainPrefix(s, i); i >= len(s) {
			break
		}
		c := s[i]
		if jsonPlain[c] {
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

// plainPrefix returns the index of the first byte at or after i that needs escaping (len(s) if none),
// checking 8 bytes at a time.
func plainPrefix(s string, i int) int {
	for i+8 <= len(s) {
		if !plainJSON8(load8(s[i : i+8])) {
			break
		}
		i += 8
	}
	// A tail shorter than 8 bytes of a longer string: check the last 8 bytes at once.
	if i < len(s) && len(s) >= 8 && i+8 > len(s) && plainJSON8(load8(s[len(s)-8:])) {
		return len(s)
	}
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	return i
}

// load8 reads 8 bytes little-endian.
func load8(w string) uint64 {
	_ = w[7]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// plainJSON8 reports whether the 8 bytes in x need no escaping in a JSON string: each is ASCII, at least
// 0x20, and neither '"' nor '\\' (SWAR: a byte of (v - 0x01..) & ^v has its high bit set iff v's byte is 0,
// barring borrows, which only occur after a true zero).
func plainJSON8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := x^'"'*lo, x^'\\'*lo
	return (x|(x-0x20*lo)&^x|(q-lo)&^q|(bs-lo)&^bs)&hi == 0
}
