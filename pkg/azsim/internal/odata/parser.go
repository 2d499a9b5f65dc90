package odata

import "strings"

// maxDepth bounds the nesting of parentheses, "not" and lambdas so that
// hostile input cannot drive the recursive-descent parser arbitrarily deep.
const maxDepth = 100

// ParseFilter parses an OData $filter expression. Keywords, operators and
// function names are case-insensitive; operators and function names are
// stored lower-cased in the tree.
//
// The grammar, from lowest to highest precedence:
//
//	or         = and { "or" and }
//	and        = unary { "and" unary }
//	unary      = "not" notOperand | comparison
//	notOperand = "not" notOperand | "(" or ")" | call | lambda
//	comparison = "(" or ")" | call | lambda
//	           | operand ( ("eq"|"ne"|"gt"|"ge"|"lt"|"le") operand
//	                     | "in" "(" literal { "," literal } ")" )
//	call       = name "(" [ operand { "," operand } ] ")"
//	lambda     = path "/any(" [ var ":" or ] ")"
//	operand    = path | literal
//
// Because "not" binds tighter than comparisons, "not a eq b" is rejected;
// write "not (a eq b)". Syntax errors are *Error values with Code
// "BadRequest" and a message starting "Invalid filter clause: ".
func ParseFilter(s string) (Expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "Unexpected %s", describe(t))
	}
	return e, nil
}

// parser is a recursive-descent parser over the tokens of one filter.
type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

// peek returns the current token without consuming it.
func (p *parser) peek() token { return p.toks[p.i] }

// peekAt returns the token n positions ahead (tokEOF past the end).
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

// next consumes and returns the current token; it never moves past EOF.
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isKeyword reports whether the current token is the keyword kw.
func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

// expect consumes a token of the given kind or fails with what.
func (p *parser) expect(kind tokenKind, what string) error {
	if t := p.peek(); t.kind != kind {
		return p.errorf(t, "%s expected", what)
	}
	p.next()
	return nil
}

// enter records one more level of nesting, failing past maxDepth.
func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(t, "Expression nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// errorf returns a syntax error located at t.
func (p *parser) errorf(t token, format string, args ...any) error {
	return syntaxError(p.src, t.pos, format, args...)
}

func (p *parser) parseOr() (Expr, error) {
	left, err := p.parseAnd()
	for err == nil && p.isKeyword(OpOr) {
		p.next()
		var right Expr
		if right, err = p.parseAnd(); err == nil {
			left = Binary{Op: OpOr, Left: left, Right: right}
		}
	}
	return left, err
}

func (p *parser) parseAnd() (Expr, error) {
	left, err := p.parseUnary()
	for err == nil && p.isKeyword(OpAnd) {
		p.next()
		var right Expr
		if right, err = p.parseUnary(); err == nil {
			left = Binary{Op: OpAnd, Left: left, Right: right}
		}
	}
	return left, err
}

func (p *parser) parseUnary() (Expr, error) {
	if p.isKeyword(OpNot) {
		return p.parseNot()
	}
	return p.parseComparison()
}

// parseNot parses "not" followed by a boolean primary.
func (p *parser) parseNot() (Expr, error) {
	t := p.next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	next := p.peek()
	var x Expr
	var err error
	switch {
	case p.isKeyword(OpNot):
		x, err = p.parseNot()
	case next.kind == tokLParen:
		x, err = p.parseParen()
	case next.kind == tokIdent && !isReserved(next.text):
		x, err = p.parsePathExpr()
		if _, isProp := x.(PropertyRef); err == nil && isProp {
			return nil, p.errorf(next, "'not' must be followed by '(', a function call or a lambda expression")
		}
	default:
		return nil, p.errorf(next, "'not' must be followed by '(', a function call or a lambda expression")
	}
	if err != nil {
		return nil, err
	}
	return Not{X: x}, nil
}

// parseParen parses a parenthesized boolean expression.
func (p *parser) parseParen() (Expr, error) {
	t := p.next() // '('
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(tokRParen, "')' or operator"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *parser) parseComparison() (Expr, error) {
	t := p.peek()
	var left Expr
	switch {
	case t.kind == tokLParen:
		return p.parseParen()
	case t.kind == tokIdent && !isReserved(t.text):
		e, err := p.parsePathExpr()
		if err != nil {
			return nil, err
		}
		prop, ok := e.(PropertyRef)
		if !ok {
			return e, nil // a call or a lambda
		}
		left = prop
	case t.kind == tokLiteral:
		p.next()
		left = Literal{Value: t.val}
	default:
		return nil, p.errorf(t, "Expression expected")
	}

	opTok := p.peek()
	if opTok.kind != tokIdent {
		return nil, p.errorf(opTok, "Comparison operator expected")
	}
	switch op := strings.ToLower(opTok.text); op {
	case OpEq, OpNe, OpGt, OpGe, OpLt, OpLe:
		p.next()
		right, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return Compare{Op: op, Left: left, Right: right}, nil
	case OpIn:
		p.next()
		list, err := p.parseList()
		if err != nil {
			return nil, err
		}
		return In{Left: left, List: list}, nil
	}
	return nil, p.errorf(opTok, "Comparison operator expected")
}

// parseOperand parses a property path or a literal.
func (p *parser) parseOperand() (Expr, error) {
	t := p.peek()
	switch {
	case t.kind == tokLiteral:
		p.next()
		return Literal{Value: t.val}, nil
	case t.kind == tokIdent && !isReserved(t.text):
		e, err := p.parsePathExpr()
		if err != nil {
			return nil, err
		}
		if _, ok := e.(PropertyRef); !ok {
			return nil, p.errorf(t, "Property or literal expected")
		}
		return e, nil
	}
	return nil, p.errorf(t, "Property or literal expected")
}

// parseList parses the parenthesized literal list of an "in" expression.
func (p *parser) parseList() ([]Literal, error) {
	if err := p.expect(tokLParen, "'('"); err != nil {
		return nil, err
	}
	var list []Literal
	for {
		t := p.peek()
		if t.kind != tokLiteral {
			return nil, p.errorf(t, "Literal expected")
		}
		p.next()
		list = append(list, Literal{Value: t.val})
		switch sep := p.next(); sep.kind {
		case tokComma:
			continue
		case tokRParen:
			return list, nil
		default:
			return nil, p.errorf(sep, "')' or ',' expected")
		}
	}
}

// parsePathExpr parses what can start with an identifier: a function call
// name(...), a lambda path/any(...) or a property path.
func (p *parser) parsePathExpr() (Expr, error) {
	first := p.next()
	if p.peek().kind == tokLParen {
		return p.parseCall(first)
	}
	segs := []string{first.text}
	for p.peek().kind == tokSlash {
		p.next()
		seg := p.peek()
		if seg.kind != tokIdent || isReserved(seg.text) {
			return nil, p.errorf(seg, "Identifier expected")
		}
		p.next()
		if p.peek().kind == tokLParen {
			if !strings.EqualFold(seg.text, OpAny) {
				return nil, p.errorf(seg, "Unsupported lambda or bound function '%s'", seg.text)
			}
			return p.parseLambda(strings.Join(segs, "/"))
		}
		segs = append(segs, seg.text)
	}
	return PropertyRef{Path: strings.Join(segs, "/")}, nil
}

// parseCall parses the argument list of a call to the function name.
func (p *parser) parseCall(name token) (Expr, error) {
	p.next() // '('
	call := Call{Name: strings.ToLower(name.text)}
	if p.peek().kind == tokRParen {
		p.next()
		return call, nil
	}
	for {
		arg, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, arg)
		switch sep := p.next(); sep.kind {
		case tokComma:
			continue
		case tokRParen:
			return call, nil
		default:
			return nil, p.errorf(sep, "')' or ',' expected")
		}
	}
}

// parseLambda parses "(" [ var ":" body ] ")" after path/any.
func (p *parser) parseLambda(path string) (Expr, error) {
	open := p.next() // '('
	if p.peek().kind == tokRParen {
		p.next()
		return Any{Path: path}, nil
	}
	v := p.peek()
	if v.kind != tokIdent || isReserved(v.text) || p.peekAt(1).kind != tokColon {
		return nil, p.errorf(v, "Lambda variable expected")
	}
	p.next()
	p.next() // ':'
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	body, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(tokRParen, "')' or operator"); err != nil {
		return nil, err
	}
	return Any{Path: path, Var: v.text, Body: body}, nil
}

// describe names a token for an error message.
func describe(t token) string {
	if t.kind == tokLiteral {
		return "literal " + t.text
	}
	return "'" + t.text + "'"
}

// isReserved reports whether s is an operator keyword, which cannot be
// used as a property name, function name or lambda variable.
func isReserved(s string) bool {
	switch strings.ToLower(s) {
	case OpAnd, OpOr, OpNot, OpEq, OpNe, OpGt, OpGe, OpLt, OpLe, OpIn:
		return true
	}
	return false
}
