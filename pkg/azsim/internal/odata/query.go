package odata

import (
	"strconv"
	"strings"
)

// Top parses a $top value. An empty raw value yields def. Anything but a
// plain decimal number is a 400 BadRequest, as in OData; a number outside
// [1, max] is a 400 Request_UnsupportedQuery with Graph's text, e.g.
// "Invalid page size specified: '1000'. Must be between 1 and 999
// inclusive."
func Top(raw string, def, max int) (int, error) {
	if raw == "" {
		return def, nil
	}
	if strings.Trim(raw, "0123456789") != "" {
		return 0, newError(CodeBadRequest,
			"Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", raw)
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		return 0, newError(CodeUnsupportedQuery,
			"Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", raw, max)
	}
	return n, nil
}

// Select parses a $select value: comma-separated property names, trimmed
// and matched case-insensitively against known. It returns the canonical
// spellings from known, without duplicates, in request order; an empty raw
// value yields nil. An unknown name is a 400 Request_BadRequest "Could not
// find a property named 'x' on type 'typeName'."; an empty item (as in
// "id,,mail") is a 400 BadRequest syntax error.
func Select(raw string, known []string, typeName string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var out []string
	seen := make(map[string]bool)
	pos := 0
	for item := range strings.SplitSeq(raw, ",") {
		name := strings.TrimSpace(item)
		if name == "" {
			return nil, newError(CodeBadRequest,
				"Syntax error: empty property name at position %d in '%s'.", pos, raw)
		}
		pos += len(item) + 1
		canon, ok := findFold(known, name)
		if !ok {
			return nil, newError(CodeRequestBadRequest,
				"Could not find a property named '%s' on type '%s'.", name, typeName)
		}
		if !seen[canon] {
			seen[canon] = true
			out = append(out, canon)
		}
	}
	return out, nil
}

// findFold returns the element of list equal to s under case folding.
func findFold(list []string, s string) (string, bool) {
	for _, k := range list {
		if strings.EqualFold(k, s) {
			return k, true
		}
	}
	return "", false
}
