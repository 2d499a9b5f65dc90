// Package odata implements the small, strict subset of OData query options
// that azsim needs to simulate Microsoft Graph and Azure Resource Manager:
// $filter parsing, validation and evaluation, $top and $select.
//
// A $filter string is parsed by [ParseFilter] into an [Expr] tree made of
// the node types [Binary], [Compare], [In], [Not], [Call], [Any],
// [PropertyRef] and [Literal]. Graph handlers bind the tree to a [Schema]
// with [Schema.Bind], which checks every property and operator the way
// Graph does (including the advanced-query rules) and returns a copy whose
// property paths use the schema's canonical spelling; the bound tree is
// then evaluated per entity with [Eval]. ARM handlers call [ParseFilter]
// and inspect the tree themselves (see [Conjuncts]).
//
// All failures are reported as *[Error] values carrying the HTTP status,
// the Graph error code and the Graph error message.
package odata
