package policy

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"
	"go.yaml.in/yaml/v3"
)

// A rule sees its subject as qualified variables ("person.age",
// "owner.count") rather than as one object: the checker then knows the type
// of every field, so a misspelt field or a comparison of a number with
// text fails when the policy loads, and evaluation reads each field from a
// plain Go struct without reflection.

// variable is one name a rule may use, with its CEL type and what it holds;
// FORMAT.md documents the same table.
type variable struct {
	name string
	typ  *cel.Type
}

var (
	personVars = []variable{
		{"person.age", cel.IntType},
		{"person.sex", cel.StringType},
		{"person.status", cel.StringType},
		{"person.rank", cel.StringType},
		{"person.skills", cel.ListType(cel.StringType)},
		{"person.area", cel.StringType},
		{"retirement_age", cel.IntType},
	}
	orgVars = []variable{
		{"org.id", cel.StringType},
		{"org.name", cel.StringType},
		{"org.kind", cel.StringType},
		{"org.area", cel.StringType},
	}
	limitVars = []variable{
		{"resource.type", cel.StringType},
		{"resource.class", cel.StringType},
		{"resource.quantity", cel.DoubleType},
		{"resource.unit", cel.StringType},
		{"resource.countable", cel.BoolType},
		{"resource.area", cel.StringType},
		{"owner.kind", cel.StringType},
		{"owner.count", cel.MapType(cel.StringType, cel.IntType)},
		{"owner.quantity", cel.MapType(cel.StringType, cel.DoubleType)},
		{"owner.given_count", cel.MapType(cel.StringType, cel.IntType)},
		{"owner.given", cel.MapType(cel.StringType, cel.DoubleType)},
	}
)

// ruleEnv is a CEL environment for one kind of rule and the list of the
// names it offers, for hints in error messages.
type ruleEnv struct {
	env   *cel.Env
	names string
}

func newRuleEnv(vars []variable) ruleEnv {
	opts := []cel.EnvOption{
		ext.Strings(), ext.Math(),
		// Policy authors write "person.age > 17.5" or compare a count with
		// a quantity; CEL's strict int/double split would reject that for
		// no benefit.
		cel.CrossTypeNumericComparisons(true),
		cel.ParserExpressionSizeLimit(4096),
	}
	names := make([]string, len(vars))
	for i, v := range vars {
		opts = append(opts, cel.Variable(v.name, v.typ))
		names[i] = v.name
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		// The declarations are constants of this package; a failure here
		// is a programming error that every test run would show.
		panic(fmt.Sprintf("policy: CEL environment: %v", err))
	}
	return ruleEnv{env, strings.Join(names, ", ")}
}

var (
	personEnv = newRuleEnv(personVars)
	orgEnv    = newRuleEnv(orgVars)
	limitEnv  = newRuleEnv(limitVars)
)

// Result types a rule may be required to return.
var (
	wantBool   = []*cel.Type{cel.BoolType}
	wantNumber = []*cel.Type{cel.IntType, cel.UintType, cel.DoubleType}
)

// compile checks the CEL expression held by node n and returns its program.
// Errors point at the file line of the expression, not the line within it.
func compile(d *decoder, re ruleEnv, n *yaml.Node, path string, want []*cel.Type) cel.Program {
	src, ok := d.text(n, path)
	if !ok {
		return nil
	}
	prg, problems := compileSource(re, src, want)
	for _, p := range problems {
		d.errorAt(exprLine(n, p.line), path, "%s", p.message)
	}
	return prg
}

// problem is a compile error with its line inside the expression (1-based).
type problem struct {
	line    int
	message string
}

func compileSource(re ruleEnv, src string, want []*cel.Type) (cel.Program, []problem) {
	ast, iss := re.env.Compile(src)
	if iss.Err() != nil {
		var out []problem
		for _, e := range iss.Errors() {
			msg := e.Message
			if strings.HasPrefix(msg, "undeclared reference") {
				msg = undeclared(src, e.Location.Line(), e.Location.Column()) + "; a rule here may use " + re.names
			}
			out = append(out, problem{e.Location.Line(), fmt.Sprintf("CEL: %s (column %d)", msg, e.Location.Column()+1)})
		}
		return nil, out
	}
	if got := ast.OutputType(); !anyType(got, want) {
		return nil, []problem{{1, fmt.Sprintf("CEL: the expression returns %s, but it must return %s", got, typeNames(want))}}
	}
	prg, err := re.env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, []problem{{1, "CEL: " + err.Error()}}
	}
	return prg, nil
}

var qualifiedName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*`)

// undeclared says which name is unknown. CEL reports only the first part
// of a qualified name ("person" for "person.agee"), which would send the
// author looking for the wrong mistake.
func undeclared(src string, line, column int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return "undeclared reference"
	}
	runes := []rune(lines[line-1])
	if column < 0 || column >= len(runes) {
		return "undeclared reference"
	}
	name := qualifiedName.FindString(string(runes[column:]))
	if name == "" {
		return "undeclared reference"
	}
	return fmt.Sprintf("%q is not defined", name)
}

func anyType(got *cel.Type, want []*cel.Type) bool {
	for _, w := range want {
		if got.IsExactType(w) {
			return true
		}
	}
	return false
}

func typeNames(ts []*cel.Type) string {
	if len(ts) == 1 {
		return ts[0].String()
	}
	return "a number (int, uint or double)"
}

// exprLine maps a line inside an expression to a line of the file: a
// literal block (|) starts on the line after its indicator and keeps its
// lines; a folded block (>) or a plain scalar joins them, so the best we
// know is where it starts.
func exprLine(n *yaml.Node, exprLine int) int {
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		return n.Line + exprLine
	case n.Style&yaml.FoldedStyle != 0:
		return n.Line + 1
	default:
		return n.Line + exprLine - 1
	}
}

// amounts is a map of the owner's items or quantities by resource class
// and type as CEL sees it: a class or type the owner lacks reads as zero,
// so that a rule need not guard every lookup, while a name that is neither
// a class nor a type is an error, so that a misspelling does not read as
// "owns nothing".
type amounts[T int64 | float64] struct {
	name string // "owner.count", for errors
	m    map[string]T
}

func (a *amounts[T]) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		return types.NewErr("%s is indexed by a resource class or type, not %s", a.name, key.Type().TypeName()), false
	}
	if v, ok := a.m[string(k)]; ok {
		return num(v), true
	}
	if knownName(string(k)) {
		return num(T(0)), true
	}
	return types.NewErr("%s[%q]: %q is not a resource class or type", a.name, string(k), string(k)), false
}

func (a *amounts[T]) Get(key ref.Val) ref.Val {
	v, _ := a.Find(key)
	return v
}

func (a *amounts[T]) Contains(key ref.Val) ref.Val {
	k, ok := key.(types.String)
	if !ok {
		return types.False
	}
	_, found := a.m[string(k)]
	return types.Bool(found)
}

func num[T int64 | float64](v T) ref.Val {
	switch x := any(v).(type) {
	case int64:
		return types.Int(x)
	case float64:
		return types.Double(x)
	}
	return types.NewErr("unreachable")
}

// standard is the same map as CEL's own map value, for the operations a
// policy hardly uses (iteration, equality, size): they need not be fast.
func (a *amounts[T]) standard() ref.Val { return types.DefaultTypeAdapter.NativeToValue(a.m) }

func (a *amounts[T]) ConvertToType(t ref.Type) ref.Val { return a.standard().ConvertToType(t) }
func (a *amounts[T]) Equal(other ref.Val) ref.Val      { return a.standard().Equal(other) }
func (a *amounts[T]) Type() ref.Type                   { return types.MapType }
func (a *amounts[T]) Value() any                       { return a.m }
func (a *amounts[T]) Size() ref.Val                    { return types.Int(len(a.m)) }

func (a *amounts[T]) ConvertToNative(t reflect.Type) (any, error) {
	return a.standard().ConvertToNative(t)
}

func (a *amounts[T]) Iterator() traits.Iterator {
	return a.standard().(traits.Mapper).Iterator()
}

var _ traits.Mapper = &amounts[int64]{}
