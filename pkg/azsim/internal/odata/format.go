package odata

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Operator precedence levels used by Format to decide on parentheses.
const (
	precOr = iota + 1
	precAnd
	precPrimary
)

// Format renders e as $filter text in a canonical spelling: lower-case
// operators and function names, single spaces, quoted strings (GUIDs
// included), RFC 3339 UTC date-times and parentheses only where needed.
// For any tree produced by ParseFilter, ParseFilter(Format(e)) yields a
// tree equal to e.
func Format(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, precOr)
	return b.String()
}

// precedence returns the binding strength of e.
func precedence(e Expr) int {
	if b, ok := e.(Binary); ok {
		if b.Op == OpOr {
			return precOr
		}
		return precAnd
	}
	return precPrimary
}

// writeExpr writes e, parenthesized if it binds more loosely than min.
func writeExpr(b *strings.Builder, e Expr, min int) {
	if precedence(e) < min {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch n := e.(type) {
	case Binary:
		p := precedence(n)
		writeExpr(b, n.Left, p)
		b.WriteString(" " + n.Op + " ")
		writeExpr(b, n.Right, p+1)
	case Not:
		b.WriteString("not (")
		writeExpr(b, n.X, precOr)
		b.WriteByte(')')
	case Compare:
		writeOperand(b, n.Left)
		b.WriteString(" " + n.Op + " ")
		writeOperand(b, n.Right)
	case In:
		writeOperand(b, n.Left)
		b.WriteString(" in (")
		for i, l := range n.List {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatValue(l.Value))
		}
		b.WriteByte(')')
	case Call:
		b.WriteString(n.Name + "(")
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeOperand(b, a)
		}
		b.WriteByte(')')
	case Any:
		b.WriteString(n.Path + "/any(")
		if n.Body != nil {
			b.WriteString(n.Var + ": ")
			writeExpr(b, n.Body, precOr)
		}
		b.WriteByte(')')
	case PropertyRef:
		b.WriteString(n.Path)
	case Literal:
		b.WriteString(formatValue(n.Value))
	case nil:
		b.WriteString("<nil>")
	default:
		fmt.Fprintf(b, "<%T>", e)
	}
}

// writeOperand writes a comparison or call operand; anything other than a
// property or literal (never produced by the parser) is parenthesized.
func writeOperand(b *strings.Builder, e Expr) {
	switch e.(type) {
	case PropertyRef, Literal:
		writeExpr(b, e, precOr)
	default:
		b.WriteByte('(')
		writeExpr(b, e, precOr)
		b.WriteByte(')')
	}
}

// formatValue renders a literal value in $filter syntax.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0" // keep it a float when parsed again
		}
		return s
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprintf("%v", v)
	}
}
