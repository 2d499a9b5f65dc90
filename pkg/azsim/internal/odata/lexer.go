package odata

import (
	"strconv"
	"strings"
	"time"
)

// tokenKind classifies a lexical token of a $filter expression.
type tokenKind int

const (
	tokEOF     tokenKind = iota
	tokIdent             // identifier or keyword (and, eq, not, ...)
	tokLiteral           // string, number, date-time, GUID, true, false, null
	tokLParen
	tokRParen
	tokComma
	tokSlash
	tokColon
)

// token is one lexical token. For tokLiteral, val holds the Literal value.
type token struct {
	kind tokenKind
	text string // source text
	pos  int    // byte offset in the source
	val  any
}

// lex splits src into tokens, ending with a tokEOF token.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case isSpace(c):
			i++
			continue
		case c == '(' || c == ')' || c == ',' || c == '/' || c == ':':
			toks = append(toks, token{kind: punctKind(c), text: src[i : i+1], pos: i})
			i++
			continue
		case c == '\'':
			t, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += len(t.text)
			continue
		case c == '-' || isDigit(c):
			t, err := lexLiteralRun(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += len(t.text)
			continue
		case isIdentStart(c):
			if run := scanRun(src, i); isGUID(run) {
				toks = append(toks, token{kind: tokLiteral, text: run, pos: i, val: run})
				i += len(run)
				continue
			}
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, identToken(src[i:j], i))
			i = j
			continue
		}
		return nil, syntaxError(src, i, "Unexpected character '%s'", quoteChar(src, i))
	}
	return append(toks, token{kind: tokEOF, pos: len(src)}), nil
}

// identToken makes a token for an identifier, turning the keywords true,
// false and null (in any case) into literals.
func identToken(text string, pos int) token {
	switch strings.ToLower(text) {
	case "true":
		return token{kind: tokLiteral, text: text, pos: pos, val: true}
	case "false":
		return token{kind: tokLiteral, text: text, pos: pos, val: false}
	case "null":
		return token{kind: tokLiteral, text: text, pos: pos, val: nil}
	}
	return token{kind: tokIdent, text: text, pos: pos}
}

// lexString scans a single-quoted string starting at src[i]; two
// consecutive quotes inside it stand for one quote.
func lexString(src string, i int) (token, error) {
	var b strings.Builder
	for j := i + 1; j < len(src); j++ {
		if src[j] != '\'' {
			b.WriteByte(src[j])
			continue
		}
		if j+1 < len(src) && src[j+1] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return token{kind: tokLiteral, text: src[i : j+1], pos: i, val: b.String()}, nil
	}
	return token{}, syntaxError(src, i, "Unterminated string literal")
}

// lexLiteralRun scans an unquoted literal starting with a digit or '-': a
// GUID, an ISO 8601 date-time or date, an integer or a floating-point
// number.
func lexLiteralRun(src string, i int) (token, error) {
	run := scanRun(src, i)
	t := token{kind: tokLiteral, text: run, pos: i}
	switch {
	case run == "-":
		return token{}, syntaxError(src, i, "Unexpected character '-'")
	case isGUID(run):
		t.val = run
	case looksLikeDate(run):
		v, ok := parseDateTime(run)
		if !ok {
			return token{}, syntaxError(src, i, "Invalid date-time literal '%s'", run)
		}
		t.val = v
	default:
		v, ok := parseNumber(run)
		if !ok {
			return token{}, syntaxError(src, i, "Invalid literal '%s'", run)
		}
		t.val = v
	}
	return t, nil
}

// scanRun returns the longest run of literal characters at src[i:]. A
// leading '-' is always included.
func scanRun(src string, i int) string {
	j := i
	if j < len(src) && src[j] == '-' {
		j++
	}
	for j < len(src) && isRunChar(src[j]) {
		j++
	}
	return src[i:j]
}

// isGUID reports whether s has the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// looksLikeDate reports whether s starts like yyyy-mm-dd.
func looksLikeDate(s string) bool {
	return len(s) >= 10 && s[4] == '-' && s[7] == '-' &&
		isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3])
}

// parseDateTime parses an RFC 3339 date-time or a yyyy-mm-dd date and
// returns it in UTC. Instants whose UTC year falls outside 0000-9999
// (possible through offsets) are rejected, since RFC 3339 cannot express
// them.
func parseDateTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// parseNumber parses -?digits(.digits)?([eE][+-]?digits)? as an int64 when
// it has neither fraction nor exponent, and as a finite float64 otherwise.
func parseNumber(s string) (any, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i > start
	}
	if !digits() {
		return nil, false
	}
	isFloat := false
	if i < len(s) && s[i] == '.' {
		i++
		isFloat = true
		if !digits() {
			return nil, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		isFloat = true
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	if i != len(s) {
		return nil, false
	}
	if isFloat {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func punctKind(c byte) tokenKind {
	switch c {
	case '(':
		return tokLParen
	case ')':
		return tokRParen
	case ',':
		return tokComma
	case '/':
		return tokSlash
	default:
		return tokColon
	}
}

// quoteChar returns the (possibly multi-byte) character at src[i] for use
// in an error message.
func quoteChar(src string, i int) string {
	for _, r := range src[i:] {
		return string(r)
	}
	return ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
func isIdentStart(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_'
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

// isRunChar reports whether c may appear in an unquoted literal.
func isRunChar(c byte) bool {
	return isIdentPart(c) || c == '.' || c == ':' || c == '+' || c == '-'
}
