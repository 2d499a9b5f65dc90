package odata

import (
	"fmt"
	"net/http"
)

// Graph error codes produced by this package.
const (
	// CodeBadRequest is used by Graph for $filter syntax and type errors.
	CodeBadRequest = "BadRequest"
	// CodeRequestBadRequest is used for unknown $select properties.
	CodeRequestBadRequest = "Request_BadRequest"
	// CodeUnsupportedQuery is used for query options Graph understands but
	// refuses: unsupported properties, operators, functions and page sizes.
	CodeUnsupportedQuery = "Request_UnsupportedQuery"
)

// Error is a Graph-style query error. The server renders it as
// {"error":{"code":Code,"message":Message,...}} with HTTP status Status.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return e.Code + ": " + e.Message
}

// newError returns a 400 Bad Request *Error with the given code.
func newError(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// syntaxError reports a $filter syntax error at byte offset pos of src.
func syntaxError(src string, pos int, format string, args ...any) *Error {
	detail := fmt.Sprintf(format, args...)
	return newError(CodeBadRequest, "Invalid filter clause: %s at position %d in '%s'.", detail, pos, src)
}

// invalidFilter reports a well-formed $filter whose shape Graph rejects.
func invalidFilter(format string, args ...any) *Error {
	return newError(CodeBadRequest, "Invalid filter clause: "+format, args...)
}

// unsupportedClause reports a property that is unknown or does not support
// the operator used on it.
func unsupportedClause(property, resource string) *Error {
	return newError(CodeUnsupportedQuery,
		"Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", property, resource)
}

// advancedOnly reports an operator that needs an advanced query
// (ConsistencyLevel: eventual and $count=true).
func advancedOnly(op string) *Error {
	return newError(CodeUnsupportedQuery,
		"Operator '%s' is not supported because the required parameters might be missing. "+
			"Try adding $count=true query parameter and ConsistencyLevel:eventual header. "+
			"Refer to https://aka.ms/graph-docs/advanced-queries for more details", opDisplayName(op))
}

// unknownFunction reports a function call Graph does not support.
func unknownFunction(name string) *Error {
	return newError(CodeUnsupportedQuery,
		"An unknown function with name '%s' was found. This may also be a function import or a key lookup "+
			"on a navigation property, which is not allowed.", name)
}

// badSignature reports a known function called with unsuitable arguments.
func badSignature(name string) *Error {
	return newError(CodeBadRequest,
		"No function signature for the function with name '%s' matches the specified arguments. "+
			"The function signatures considered are: %s(Edm.String Nullable=true, Edm.String Nullable=true).",
		name, name)
}

// opDisplayName returns the spelling Graph uses for op in error messages.
func opDisplayName(op string) string {
	switch op {
	case FuncStartsWith:
		return "startsWith"
	case FuncEndsWith:
		return "endsWith"
	default:
		return op
	}
}
