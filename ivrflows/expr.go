package ivrflows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Limits on expressions. Flows come from tenants, so an expression must not be
// able to take the controller's CPU or memory: the size of the syntax tree is
// capped at compile time, the VM's memory budget at run time (it counts
// ranges, maps and arrays), and string results are capped after each run.
// Builtins that could allocate without bound or read files are disabled.
const (
	MaxExprSource   = 1000 // characters of source
	MaxExprNodes    = 200  // syntax tree nodes
	MaxExprMemory   = 5000 // expr VM memory budget units
	MaxStringResult = 4096 // bytes of a string result
)

// ErrExprLimit: an expression went over a limit while running.
var ErrExprLimit = errors.New("expression over its limit")

var disabledBuiltins = []string{"repeat", "now", "date", "timezone", "duration", "fromBase64", "toBase64"}

// Expr is a compiled expression of the flow language (expr-lang/expr with
// limits). Its environment is the flow's variables.
type Expr struct {
	Source string
	prog   *vm.Program
}

func (e *Expr) MarshalText() ([]byte, error) { return []byte(e.Source), nil }

// CompileExpr compiles src against env (names and sample values of the
// variables it may read); unknown names and type errors are reported here.
func CompileExpr(src string, env map[string]any) (*Expr, error) { return compileExpr(src, env) }

func compileExpr(src string, env map[string]any, extra ...expr.Option) (*Expr, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("expression is empty")
	}
	if len(src) > MaxExprSource {
		return nil, fmt.Errorf("expression is longer than %d characters", MaxExprSource)
	}
	opts := []expr.Option{expr.Env(env), expr.MaxNodes(MaxExprNodes),
		expr.Function("length", lengthFn, new(func(string) int))}
	for _, b := range disabledBuiltins {
		opts = append(opts, expr.DisableBuiltin(b))
	}
	opts = append(opts, extra...)
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		msg := firstLine(err.Error())
		if m := unknownNameRe.FindStringSubmatch(msg); m != nil {
			msg += DidYouMean(m[1], env)
		}
		return nil, fmt.Errorf("expression %q: %s", src, msg)
	}
	return &Expr{Source: src, prog: prog}, nil
}

func lengthFn(params ...any) (any, error) {
	s, _ := params[0].(string)
	return utf8.RuneCountInString(s), nil
}

// Eval runs the expression with env under the memory budget.
func (e *Expr) Eval(env map[string]any) (out any, err error) {
	machine := vm.VM{MemoryBudget: MaxExprMemory}
	out, err = machine.Run(e.prog, env)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %s", e.Source, firstLine(err.Error()))
	}
	if s, ok := out.(string); ok && len(s) > MaxStringResult {
		return nil, fmt.Errorf("expression %q: %w: result longer than %d bytes", e.Source, ErrExprLimit, MaxStringResult)
	}
	return out, nil
}

// reads reports whether the expression reads a variable for which match
// is true (a field of a value, body.pin, is not a variable).
func (e *Expr) reads(match func(name string) bool) bool {
	if e == nil {
		return false
	}
	return ast.Find(e.prog.Node(), func(n ast.Node) bool {
		id, ok := n.(*ast.IdentifierNode)
		return ok && match(id.Value)
	}) != nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// formatValue renders a value for speech, URLs and call data.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

// coerce converts v to the declared type t so expressions always see the
// types they were checked against.
func coerce(v any, t VarType) (any, error) {
	switch t {
	case TypeString:
		return formatValue(v), nil
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		if s, ok := v.(string); ok {
			if b, err := strconv.ParseBool(s); err == nil {
				return b, nil
			}
		}
	case TypeNumber:
		if f, ok := toFloat(v); ok {
			return f, nil
		}
	}
	return nil, fmt.Errorf("value %q is not a %s", formatValue(v), t)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func zeroOf(t VarType) any {
	switch t {
	case TypeNumber:
		return float64(0)
	case TypeBool:
		return false
	}
	return ""
}
