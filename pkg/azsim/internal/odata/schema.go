package odata

import "strings"

// Property describes one filterable property of an entity set.
//
// Ops lists the operators allowed in every request and AdvancedOps those
// allowed only in advanced queries (ConsistencyLevel: eventual and
// $count=true). Operator names are OpEq, OpNe, OpGt, OpGe, OpLt, OpLe,
// OpIn, OpNot, OpAny, FuncStartsWith and FuncEndsWith (matched
// case-insensitively). Following Graph, "in" is allowed wherever "eq" is,
// and "not" must be allowed on every property inside a not(...). Graph
// makes ne, not and endswith advanced-only, so they normally belong in
// AdvancedOps.
//
// For a Collection property, the lambda Name/any(v:...) needs OpAny, and
// the operators applied to v (or v/sub) inside the lambda body are checked
// against the same lists: groupTypes/any(c:c eq 'Unified') needs both
// "any" and "eq".
type Property struct {
	Name        string // canonical spelling; may be a path like "signInActivity/lastSignInDateTime"
	Ops         []string
	AdvancedOps []string
	Collection  bool
}

// Schema describes one entity set for $filter validation.
type Schema struct {
	Resource   string // resource name used in messages, e.g. "User" or "Group"
	Properties []Property
}

// Validate checks every property and operator in e against the schema;
// advanced reports whether the request is an advanced query. It is
// Bind without the result.
func (s Schema) Validate(e Expr, advanced bool) error {
	_, err := s.Bind(e, advanced)
	return err
}

// Bind validates e like Validate and returns a copy of e in which every
// property path is spelled as in the schema, ready for Eval. Range
// variable paths inside lambdas are left as written. Errors are *Error
// values:
//   - a property not in the schema, or an operator it does not support:
//     Request_UnsupportedQuery "Unsupported or invalid query filter clause
//     specified for property '...' of resource '...'.";
//   - an operator in AdvancedOps outside an advanced query:
//     Request_UnsupportedQuery "Operator '...' is not supported because
//     the required parameters might be missing. ...";
//   - a function other than startswith and endswith:
//     Request_UnsupportedQuery "An unknown function with name '...' ...";
//   - a comparison without a property on the left and a literal on the
//     right, or a function with unsuitable arguments: BadRequest.
func (s Schema) Bind(e Expr, advanced bool) (Expr, error) {
	b := binder{schema: s, advanced: advanced}
	return b.bind(e, nil, false)
}

// binder carries the state of one Bind call.
type binder struct {
	schema   Schema
	advanced bool
}

// rangeVar is a lambda variable in scope and the collection it ranges over.
type rangeVar struct {
	name string
	prop Property
}

// target is a resolved property path.
type target struct {
	prop  Property
	path  string // canonical path
	isVar bool   // the path starts with a range variable
}

// bind validates e; vars are the lambda variables in scope (innermost
// last) and negated tells whether e is inside a not(...).
func (b binder) bind(e Expr, vars []rangeVar, negated bool) (Expr, error) {
	switch n := e.(type) {
	case Binary:
		if n.Op != OpAnd && n.Op != OpOr {
			return nil, invalidFilter("unknown logical operator '%s'.", n.Op)
		}
		l, err := b.bind(n.Left, vars, negated)
		if err != nil {
			return nil, err
		}
		r, err := b.bind(n.Right, vars, negated)
		if err != nil {
			return nil, err
		}
		return Binary{Op: n.Op, Left: l, Right: r}, nil
	case Not:
		x, err := b.bind(n.X, vars, true)
		if err != nil {
			return nil, err
		}
		return Not{X: x}, nil
	case Compare:
		t, err := b.bindScalar(n.Op, n.Left, n.Right, vars, negated)
		if err != nil {
			return nil, err
		}
		return Compare{Op: n.Op, Left: PropertyRef{Path: t.path}, Right: n.Right}, nil
	case In:
		var right Expr
		if len(n.List) > 0 {
			right = n.List[0]
		}
		t, err := b.bindScalar(OpIn, n.Left, right, vars, negated)
		if err != nil {
			return nil, err
		}
		return In{Left: PropertyRef{Path: t.path}, List: n.List}, nil
	case Call:
		return b.bindCall(n, vars, negated)
	case Any:
		return b.bindAny(n, vars, negated)
	case PropertyRef:
		return nil, invalidFilter("property '%s' must be compared with a value.", n.Path)
	}
	return nil, invalidFilter("unsupported expression %s.", Format(e))
}

// bindScalar checks "left op right" where left must be a property and
// right a literal.
func (b binder) bindScalar(op string, left, right Expr, vars []rangeVar, negated bool) (target, error) {
	prop, ok := left.(PropertyRef)
	if !ok {
		if p, ok := right.(PropertyRef); ok {
			return target{}, unsupportedClause(p.Path, b.schema.Resource)
		}
		return target{}, invalidFilter("a comparison needs a property on the left and a literal on the right.")
	}
	if _, ok := right.(Literal); !ok {
		return target{}, unsupportedClause(prop.Path, b.schema.Resource)
	}
	t, err := b.resolve(prop.Path, vars)
	if err != nil {
		return target{}, err
	}
	if !t.isVar && t.prop.Collection {
		return target{}, unsupportedClause(t.path, b.schema.Resource)
	}
	return t, b.allow(t.prop, op, negated)
}

// bindCall checks startswith and endswith, the only functions Graph
// supports in directory filters.
func (b binder) bindCall(n Call, vars []rangeVar, negated bool) (Expr, error) {
	if n.Name != FuncStartsWith && n.Name != FuncEndsWith {
		return nil, unknownFunction(n.Name)
	}
	if len(n.Args) != 2 {
		return nil, badSignature(n.Name)
	}
	prop, ok := n.Args[0].(PropertyRef)
	if !ok {
		return nil, badSignature(n.Name)
	}
	if lit, ok := n.Args[1].(Literal); !ok {
		return nil, badSignature(n.Name)
	} else if _, ok := lit.Value.(string); !ok {
		return nil, badSignature(n.Name)
	}
	t, err := b.resolve(prop.Path, vars)
	if err != nil {
		return nil, err
	}
	if !t.isVar && t.prop.Collection {
		return nil, unsupportedClause(t.path, b.schema.Resource)
	}
	if err := b.allow(t.prop, n.Name, negated); err != nil {
		return nil, err
	}
	return Call{Name: n.Name, Args: []Expr{PropertyRef{Path: t.path}, n.Args[1]}}, nil
}

// bindAny checks a lambda over a collection property and its body.
func (b binder) bindAny(n Any, vars []rangeVar, negated bool) (Expr, error) {
	t, err := b.resolve(n.Path, vars)
	if err != nil {
		return nil, err
	}
	if !t.isVar && !t.prop.Collection {
		return nil, unsupportedClause(t.path, b.schema.Resource)
	}
	if err := b.allow(t.prop, OpAny, negated); err != nil {
		return nil, err
	}
	out := Any{Path: t.path, Var: n.Var}
	if n.Body == nil {
		return out, nil
	}
	inner := append(vars[:len(vars):len(vars)], rangeVar{name: n.Var, prop: t.prop})
	if out.Body, err = b.bind(n.Body, inner, negated); err != nil {
		return nil, err
	}
	return out, nil
}

// resolve finds the property a path refers to: a lambda variable in scope
// (innermost first) or a schema property matched case-insensitively.
func (b binder) resolve(path string, vars []rangeVar) (target, error) {
	first, _, _ := strings.Cut(path, "/")
	for i := len(vars) - 1; i >= 0; i-- {
		if vars[i].name == first {
			return target{prop: vars[i].prop, path: path, isVar: true}, nil
		}
	}
	for _, p := range b.schema.Properties {
		if strings.EqualFold(p.Name, path) {
			return target{prop: p, path: p.Name}, nil
		}
	}
	return target{}, unsupportedClause(path, b.schema.Resource)
}

// allow checks that op, and "not" when negated, may be used on prop.
func (b binder) allow(prop Property, op string, negated bool) error {
	if err := b.allowOp(prop, op); err != nil {
		return err
	}
	if negated {
		return b.allowOp(prop, OpNot)
	}
	return nil
}

func (b binder) allowOp(prop Property, op string) error {
	switch {
	case allows(prop.Ops, op):
		return nil
	case allows(prop.AdvancedOps, op):
		if b.advanced {
			return nil
		}
		return advancedOnly(op)
	}
	return unsupportedClause(prop.Name, b.schema.Resource)
}

// allows reports whether ops contains op, treating "eq" as allowing "in".
func allows(ops []string, op string) bool {
	for _, o := range ops {
		if strings.EqualFold(o, op) || (op == OpIn && strings.EqualFold(o, OpEq)) {
			return true
		}
	}
	return false
}
