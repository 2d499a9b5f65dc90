package odata

// Operator names as stored in [Binary.Op] and [Compare.Op]; the parser
// lower-cases whatever spelling the client used.
const (
	OpAnd = "and"
	OpOr  = "or"
	OpEq  = "eq"
	OpNe  = "ne"
	OpGt  = "gt"
	OpGe  = "ge"
	OpLt  = "lt"
	OpLe  = "le"
	// OpIn, OpNot and OpAny name the [In], [Not] and [Any] nodes in
	// [Property.Ops] and [Property.AdvancedOps].
	OpIn  = "in"
	OpNot = "not"
	OpAny = "any"
)

// Function names as stored in [Call.Name]; the parser lower-cases them.
const (
	FuncStartsWith      = "startswith"
	FuncEndsWith        = "endswith"
	FuncAtScope         = "atscope"         // ARM: atScope()
	FuncAtScopeAndBelow = "atscopeandbelow" // ARM: atScopeAndBelow()
	FuncAssignedTo      = "assignedto"      // ARM: assignedTo('{objectId}')
	FuncAsTarget        = "astarget"        // ARM PIM: asTarget()
)

// Expr is a node of a parsed $filter expression. The concrete types are
// the value types Binary, Compare, In, Not, Call, Any, PropertyRef and
// Literal.
type Expr interface {
	isExpr()
}

// Binary is a logical "and" or "or" of two boolean expressions.
type Binary struct {
	Op          string // OpAnd or OpOr
	Left, Right Expr
}

// Compare is a comparison "Left Op Right". The parser only produces
// PropertyRef and Literal operands.
type Compare struct {
	Op          string // OpEq, OpNe, OpGt, OpGe, OpLt or OpLe
	Left, Right Expr
}

// In is "Left in (List...)", e.g. userType in ('Guest','Member').
type In struct {
	Left Expr // a PropertyRef or Literal
	List []Literal
}

// Not is the logical negation "not X".
type Not struct {
	X Expr
}

// Call is a function call such as startswith(displayName,'Ad'),
// atScope() or assignedTo('id'). Name is lower-cased; Args holds
// PropertyRef and Literal operands and is nil for zero-argument calls.
type Call struct {
	Name string
	Args []Expr
}

// Any is the lambda "Path/any(Var:Body)", e.g. groupTypes/any(c:c eq
// 'Unified'). Inside Body, the range variable appears as a PropertyRef
// whose path is Var or starts with Var+"/". Var is empty and Body nil for
// the argument-less form "Path/any()", which tests for a non-empty
// collection.
type Any struct {
	Path string
	Var  string
	Body Expr
}

// PropertyRef refers to a property by its path, with segments joined by
// "/" (e.g. "signInActivity/lastSignInDateTime"), or to a lambda range
// variable. (It is not called Property because that name belongs to the
// schema type.)
type PropertyRef struct {
	Path string
}

// Literal is a constant. Value is a string (also for unquoted GUIDs), bool,
// nil (null), int64, float64 or time.Time (UTC, for unquoted ISO 8601
// date-times and dates).
type Literal struct {
	Value any
}

func (Binary) isExpr()      {}
func (Compare) isExpr()     {}
func (In) isExpr()          {}
func (Not) isExpr()         {}
func (Call) isExpr()        {}
func (Any) isExpr()         {}
func (PropertyRef) isExpr() {}
func (Literal) isExpr()     {}

func (e Binary) String() string      { return Format(e) }
func (e Compare) String() string     { return Format(e) }
func (e In) String() string          { return Format(e) }
func (e Not) String() string         { return Format(e) }
func (e Call) String() string        { return Format(e) }
func (e Any) String() string         { return Format(e) }
func (e PropertyRef) String() string { return Format(e) }
func (e Literal) String() string     { return Format(e) }

// Conjuncts flattens a tree of "and" nodes into its operands, left to
// right; any other expression is returned as a one-element slice. It is
// meant for ARM filters such as "atScope() and assignedTo('id')".
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(Binary); ok && b.Op == OpAnd {
		return append(Conjuncts(b.Left), Conjuncts(b.Right)...)
	}
	return []Expr{e}
}
