package odata

import (
	"cmp"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Getter returns the value of the property at path and whether the entity
// has it. Values are strings, bools, nil, Go integers or floats, time.Time,
// or slices (e.g. []string, []map[string]any) for collections.
type Getter = func(path string) (any, bool)

// Eval evaluates the boolean expression e against one entity whose
// properties get returns. A property get does not have counts as null.
// Use a tree returned by Schema.Bind so that paths carry the schema's
// canonical spelling.
//
// String comparisons are case-insensitive, like Graph's directory. eq and
// ne treat null as an ordinary value; gt, ge, lt and le are false when
// either side is null. A string property is compared with a date-time
// literal by parsing it as RFC 3339. Values of incompatible types, and
// functions other than startswith and endswith, yield an *Error.
//
// In the lambda path/any(v:body), get(path) must return a slice; body is
// evaluated with v bound to each element in turn, and "v/a/b" reads keys
// of map elements (exact key first, then case-insensitively).
func Eval(e Expr, get Getter) (bool, error) {
	if get == nil {
		get = func(string) (any, bool) { return nil, false }
	}
	return evalBool(e, get)
}

func evalBool(e Expr, get Getter) (bool, error) {
	switch n := e.(type) {
	case Binary:
		return evalBinary(n, get)
	case Not:
		v, err := evalBool(n.X, get)
		if err != nil {
			return false, err
		}
		return !v, nil
	case Compare:
		l, err := evalOperand(n.Left, get)
		if err != nil {
			return false, err
		}
		r, err := evalOperand(n.Right, get)
		if err != nil {
			return false, err
		}
		return compare(n.Op, l, r)
	case In:
		return evalIn(n, get)
	case Call:
		return evalCall(n, get)
	case Any:
		return evalAny(n, get)
	case PropertyRef, Literal:
		v, err := evalOperand(n, get)
		if err != nil {
			return false, err
		}
		if b, ok := normalize(v).(bool); ok || v == nil {
			return b, nil
		}
		return false, invalidFilter("expression '%s' of type '%s' is not boolean.", Format(n), edmType(v))
	}
	return false, invalidFilter("unsupported expression %s.", Format(e))
}

func evalBinary(n Binary, get Getter) (bool, error) {
	l, err := evalBool(n.Left, get)
	if err != nil {
		return false, err
	}
	switch n.Op {
	case OpAnd:
		if !l {
			return false, nil
		}
	case OpOr:
		if l {
			return true, nil
		}
	default:
		return false, invalidFilter("unknown logical operator '%s'.", n.Op)
	}
	return evalBool(n.Right, get)
}

func evalIn(n In, get Getter) (bool, error) {
	l, err := evalOperand(n.Left, get)
	if err != nil {
		return false, err
	}
	for _, lit := range n.List {
		eq, err := compare(OpEq, l, lit.Value)
		if err != nil || eq {
			return eq, err
		}
	}
	return false, nil
}

func evalCall(n Call, get Getter) (bool, error) {
	var match func(s, affix string) bool
	switch n.Name {
	case FuncStartsWith:
		match = strings.HasPrefix
	case FuncEndsWith:
		match = strings.HasSuffix
	default:
		return false, unknownFunction(n.Name)
	}
	if len(n.Args) != 2 {
		return false, badSignature(n.Name)
	}
	var args [2]string
	for i, a := range n.Args {
		v, err := evalOperand(a, get)
		if err != nil {
			return false, err
		}
		switch s := v.(type) {
		case nil:
			return false, nil
		case string:
			args[i] = strings.ToLower(s)
		default:
			return false, badSignature(n.Name)
		}
	}
	return match(args[0], args[1]), nil
}

func evalAny(n Any, get Getter) (bool, error) {
	v, _ := get(n.Path)
	if v == nil {
		return false, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return false, invalidFilter("property '%s' is not a collection.", n.Path)
	}
	if n.Body == nil {
		return rv.Len() > 0, nil
	}
	for i := range rv.Len() {
		item := rv.Index(i).Interface()
		inner := func(path string) (any, bool) {
			if path == n.Var {
				return item, true
			}
			if rest, ok := strings.CutPrefix(path, n.Var+"/"); ok {
				return lookup(item, rest)
			}
			return get(path)
		}
		ok, err := evalBool(n.Body, inner)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// lookup follows the "/"-separated path through nested maps with string
// keys, matching each key exactly or else case-insensitively.
func lookup(v any, path string) (any, bool) {
	for seg := range strings.SplitSeq(path, "/") {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		val := rv.MapIndex(reflect.ValueOf(seg).Convert(rv.Type().Key()))
		if !val.IsValid() {
			keys := rv.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				if strings.EqualFold(k.String(), seg) {
					val = rv.MapIndex(k)
					break
				}
			}
		}
		if !val.IsValid() {
			return nil, false
		}
		v = val.Interface()
	}
	return v, true
}

// evalOperand returns the value of a property reference or literal.
func evalOperand(e Expr, get Getter) (any, error) {
	switch n := e.(type) {
	case PropertyRef:
		v, _ := get(n.Path)
		return v, nil
	case Literal:
		return n.Value, nil
	}
	return nil, invalidFilter("'%s' is not a property or literal.", Format(e))
}

// compare applies the comparison operator op to l and r.
func compare(op string, l, r any) (bool, error) {
	l, r = normalize(l), normalize(r)
	if l == nil || r == nil {
		switch op {
		case OpEq:
			return l == nil && r == nil, nil
		case OpNe:
			return l != nil || r != nil, nil
		}
		return false, nil
	}
	c, ordered, ok := order(l, r)
	if !ok || (!ordered && op != OpEq && op != OpNe) {
		return false, incompatible(op, l, r)
	}
	switch op {
	case OpEq:
		return c == 0, nil
	case OpNe:
		return c != 0, nil
	case OpGt:
		return c > 0, nil
	case OpGe:
		return c >= 0, nil
	case OpLt:
		return c < 0, nil
	case OpLe:
		return c <= 0, nil
	}
	return false, invalidFilter("unknown comparison operator '%s'.", op)
}

// order compares two normalized non-nil values. ok is false when they
// cannot be compared; ordered is false when only equality is defined.
func order(l, r any) (c int, ordered, ok bool) {
	switch a := l.(type) {
	case string:
		switch b := r.(type) {
		case string:
			return strings.Compare(strings.ToLower(a), strings.ToLower(b)), true, true
		case time.Time:
			if t, ok := parseDateTime(a); ok {
				return t.Compare(b), true, true
			}
		}
	case bool:
		if b, ok := r.(bool); ok {
			if a == b {
				return 0, false, true
			}
			return 1, false, true
		}
	case int64:
		switch b := r.(type) {
		case int64:
			return cmp.Compare(a, b), true, true
		case float64:
			return cmp.Compare(float64(a), b), true, true
		}
	case float64:
		switch b := r.(type) {
		case int64:
			return cmp.Compare(a, float64(b)), true, true
		case float64:
			return cmp.Compare(a, b), true, true
		}
	case time.Time:
		switch b := r.(type) {
		case time.Time:
			return a.Compare(b), true, true
		case string:
			if t, ok := parseDateTime(b); ok {
				return a.Compare(t), true, true
			}
		}
	}
	return 0, false, false
}

// normalize maps Go numeric types to int64 or float64 and pointers to
// their targets, so that order sees few types.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, float64, time.Time:
		return v
	case int:
		return int64(x)
	case float32:
		return float64(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= 1<<63-1 {
			return int64(u)
		}
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return normalize(rv.Elem().Interface())
	}
	return v
}

// incompatible reports operands whose types op cannot compare, with the
// wording of OData's URI parser.
func incompatible(op string, l, r any) *Error {
	return newError(CodeBadRequest,
		"A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.",
		edmType(l), edmType(r), opKind(op))
}

// edmType names the EDM type of a Go value for error messages.
func edmType(v any) string {
	switch normalize(v).(type) {
	case nil:
		return "null"
	case string:
		return "Edm.String"
	case bool:
		return "Edm.Boolean"
	case int64:
		return "Edm.Int64"
	case float64:
		return "Edm.Double"
	case time.Time:
		return "Edm.DateTimeOffset"
	}
	rt := reflect.TypeOf(v)
	switch rt.Kind() {
	case reflect.Slice, reflect.Array:
		if rt.Elem().Kind() == reflect.Interface {
			return "Collection(Edm.Untyped)"
		}
		return "Collection(" + edmType(reflect.Zero(rt.Elem()).Interface()) + ")"
	case reflect.Map, reflect.Struct:
		return "Edm.ComplexType"
	}
	return "Edm.Untyped"
}

// opKind names a comparison operator the way OData's error messages do.
func opKind(op string) string {
	switch op {
	case OpEq:
		return "Equal"
	case OpNe:
		return "NotEqual"
	case OpGt:
		return "GreaterThan"
	case OpGe:
		return "GreaterThanOrEqual"
	case OpLt:
		return "LessThan"
	case OpLe:
		return "LessThanOrEqual"
	}
	return op
}
