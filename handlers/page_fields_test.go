package handlers

import (
	"fmt"
	"html/template"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"text/template/parse"

	"portal/frontend"
)

// fieldChecker walks a page's parse tree from "base" with the Go type its view gives dot, and
// checks every field chain (.A.B, $x.A, (pipe).A) against that type by reflection, methods
// too: a mistyped name fails even inside an {{if}} or {{eq}} branch no filled view reaches.
// Dot follows {{with}}, {{range}} (the element type) and {{template "x" pipe}} (the
// argument's type); a value of unknown type (an interface) is not checked further.
type fieldChecker struct {
	page     string
	tmpl     *template.Template
	funcs    map[string]reflect.Type // each template function's type
	walked   map[string]bool         // template name + dot type already checked
	problems []string
}

// scope is the variables visible at a point of a template, by name ($ included).
type scope map[string]reflect.Type

func (s scope) with() scope {
	c := scope{}
	for k, v := range s {
		c[k] = v
	}
	return c
}

var (
	boolType   = reflect.TypeOf(true)
	intType    = reflect.TypeOf(0)
	stringType = reflect.TypeOf("")
	floatType  = reflect.TypeOf(0.0)
	errorType  = reflect.TypeOf((*error)(nil)).Elem()
)

func (fc *fieldChecker) fail(where string, n parse.Node, format string, args ...any) {
	fc.problems = append(fc.problems, fmt.Sprintf("page %s, template %q, %s: %s", fc.page, where, n, fmt.Sprintf(format, args...)))
}

// walkTemplate checks the named template with dot of type dot.
func (fc *fieldChecker) walkTemplate(name string, dot reflect.Type) {
	key := name + "\x00" + fmt.Sprint(dot)
	if fc.walked[key] {
		return
	}
	fc.walked[key] = true
	t := fc.tmpl.Lookup(name)
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		fc.problems = append(fc.problems, fmt.Sprintf("page %s: no template %q", fc.page, name))
		return
	}
	fc.walkList(name, t.Tree.Root, dot, scope{"$": dot})
}

func (fc *fieldChecker) walkList(where string, l *parse.ListNode, dot reflect.Type, vars scope) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		fc.walkNode(where, n, dot, vars)
	}
}

func (fc *fieldChecker) walkNode(where string, n parse.Node, dot reflect.Type, vars scope) {
	switch n := n.(type) {
	case *parse.ActionNode:
		fc.pipe(where, n.Pipe, dot, vars)
	case *parse.IfNode:
		inner := vars.with()
		fc.pipe(where, n.Pipe, dot, inner)
		fc.walkList(where, n.List, dot, inner)
		fc.walkList(where, n.ElseList, dot, vars.with())
	case *parse.WithNode:
		inner := vars.with()
		t := fc.pipe(where, n.Pipe, dot, inner)
		fc.walkList(where, n.List, t, inner)
		fc.walkList(where, n.ElseList, dot, vars.with())
	case *parse.RangeNode:
		inner := vars.with()
		key, elem := rangeTypes(fc.pipeType(where, n.Pipe, dot, inner))
		switch len(n.Pipe.Decl) {
		case 1:
			inner[n.Pipe.Decl[0].Ident[0]] = elem
		case 2:
			inner[n.Pipe.Decl[0].Ident[0]], inner[n.Pipe.Decl[1].Ident[0]] = key, elem
		}
		fc.walkList(where, n.List, elem, inner)
		fc.walkList(where, n.ElseList, dot, vars.with())
	case *parse.TemplateNode:
		arg := reflect.Type(nil)
		if n.Pipe != nil {
			arg = fc.pipe(where, n.Pipe, dot, vars)
		}
		if n.Pipe == nil || arg != nil {
			fc.walkTemplate(n.Name, arg)
		}
	case *parse.ListNode:
		fc.walkList(where, n, dot, vars)
	}
}

// pipe checks a pipeline, declares its variables and returns its type.
func (fc *fieldChecker) pipe(where string, p *parse.PipeNode, dot reflect.Type, vars scope) reflect.Type {
	t := fc.pipeType(where, p, dot, vars)
	for _, v := range p.Decl {
		vars[v.Ident[0]] = t
	}
	return t
}

func (fc *fieldChecker) pipeType(where string, p *parse.PipeNode, dot reflect.Type, vars scope) reflect.Type {
	var t reflect.Type
	for _, cmd := range p.Cmds {
		t = fc.command(where, cmd, dot, vars)
	}
	return t
}

// command checks one command of a pipeline and returns its result's type (nil: unknown).
func (fc *fieldChecker) command(where string, cmd *parse.CommandNode, dot reflect.Type, vars scope) reflect.Type {
	if len(cmd.Args) == 0 {
		return nil
	}
	if fn, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		return fc.call(where, fn, cmd, dot, vars)
	}
	for _, a := range cmd.Args[1:] { // a method's arguments
		fc.arg(where, a, dot, vars)
	}
	return fc.arg(where, cmd.Args[0], dot, vars)
}

// arg is the type of one operand.
func (fc *fieldChecker) arg(where string, n parse.Node, dot reflect.Type, vars scope) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return fc.chain(where, n, dot, n.Ident)
	case *parse.VariableNode:
		t, ok := vars[n.Ident[0]]
		if !ok {
			fc.fail(where, n, "undefined variable %s", n.Ident[0])
			return nil
		}
		return fc.chain(where, n, t, n.Ident[1:])
	case *parse.ChainNode:
		return fc.chain(where, n, fc.arg(where, n.Node, dot, vars), n.Field)
	case *parse.PipeNode:
		return fc.pipeType(where, n, dot, vars.with())
	case *parse.StringNode:
		return stringType
	case *parse.BoolNode:
		return boolType
	case *parse.NumberNode:
		switch {
		case n.IsInt:
			return intType
		case n.IsFloat:
			return floatType
		}
	case *parse.IdentifierNode:
		return fc.funcResult(n.Ident, nil)
	}
	return nil
}

// chain follows the field names from a value of type t.
func (fc *fieldChecker) chain(where string, n parse.Node, t reflect.Type, names []string) reflect.Type {
	for _, name := range names {
		if t == nil {
			return nil
		}
		next, ok := fieldOrMethod(t, name)
		if !ok {
			fc.fail(where, n, "%s has no field or method %s", t, name)
			return nil
		}
		t = next
	}
	return t
}

// fieldOrMethod is the type of .name on a value of type t, as text/template looks it up: a
// method (of the pointer too), then an exported struct field through pointers, then a map's
// element.
func fieldOrMethod(t reflect.Type, name string) (reflect.Type, bool) {
	if t.Kind() == reflect.Interface {
		return nil, true // known only when the page runs
	}
	if m, ok := reflect.PointerTo(t).MethodByName(name); ok && t.Kind() != reflect.Pointer {
		return result(m.Type), true
	}
	if m, ok := t.MethodByName(name); ok {
		return result(m.Type), true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() {
			return nil, false
		}
		return f.Type, true
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return t.Elem(), true
		}
	case reflect.Interface:
		return nil, true
	}
	return nil, false
}

// result is the type of a function's first result (nil: unknown).
func result(f reflect.Type) reflect.Type {
	if f.NumOut() == 0 {
		return nil
	}
	if r := f.Out(0); r.Kind() != reflect.Interface || r == errorType {
		return r
	}
	return nil
}

// call is the result type of a function call, the built-ins included.
func (fc *fieldChecker) call(where string, fn *parse.IdentifierNode, cmd *parse.CommandNode, dot reflect.Type, vars scope) reflect.Type {
	var args []reflect.Type
	for _, a := range cmd.Args[1:] {
		args = append(args, fc.arg(where, a, dot, vars))
	}
	return fc.funcResult(fn.Ident, args)
}

func (fc *fieldChecker) funcResult(name string, args []reflect.Type) reflect.Type {
	switch name {
	case "eq", "ne", "lt", "le", "gt", "ge", "not":
		return boolType
	case "len":
		return intType
	case "print", "printf", "println", "html", "js", "urlquery":
		return stringType
	case "and", "or":
		if len(args) > 0 {
			return args[len(args)-1]
		}
		return nil
	case "index":
		if len(args) == 0 || args[0] == nil {
			return nil
		}
		t := args[0]
		for range args[1:] {
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			switch t.Kind() {
			case reflect.Slice, reflect.Array, reflect.Map:
				t = t.Elem()
			default:
				return nil
			}
		}
		return t
	case "slice":
		if len(args) > 0 {
			return args[0]
		}
		return nil
	case "call":
		if len(args) > 0 && args[0] != nil && args[0].Kind() == reflect.Func {
			return result(args[0])
		}
		return nil
	}
	if f, ok := fc.funcs[name]; ok {
		return result(f)
	}
	return nil
}

// rangeTypes are the key and element types of ranging over a value of type t.
func rangeTypes(t reflect.Type) (key, elem reflect.Type) {
	if t == nil {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return intType, t.Elem()
	case reflect.Map:
		return t.Key(), t.Elem()
	case reflect.Chan:
		return t.Elem(), nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		return t, nil
	}
	return nil, nil
}

// checkFields checks every field chain of a page's templates against its view's type.
func checkFields(page string, t *template.Template, v view) []string {
	fc := &fieldChecker{page: page, tmpl: t, funcs: map[string]reflect.Type{}, walked: map[string]bool{}}
	for name, f := range templateFuncs() {
		fc.funcs[name] = reflect.TypeOf(f)
	}
	fc.walkTemplate("base", reflect.TypeOf(v))
	return fc.problems
}

func TestEveryTemplateFieldExistsOnItsView(t *testing.T) {
	set, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range pageViews() {
		for _, p := range checkFields(name, set.templates[name], v) {
			t.Error(p)
		}
	}
	t.Run("a mistyped field in a branch no filled view runs fails, naming the template and the field", func(t *testing.T) {
		raw, err := fs.ReadFile(frontend.Templates(), "pages/provider_program.html")
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		if !strings.Contains(text, ".LastDay") {
			t.Fatal("provider_program.html no longer names .LastDay")
		}
		base, err := template.New("").Option("missingkey=error").Funcs(templateFuncs()).ParseFS(frontend.Templates(), "layouts/*.html", "partials/*.html")
		if err != nil {
			t.Fatal(err)
		}
		for _, mistyped := range []string{strings.Replace(text, ".LastDay", ".LastDayz", 1),
			strings.Replace(text, `{{if eq .Status "enrolled"}}`, `{{if eq .Statuz "enrolled"}}`, 1),
			strings.Replace(text, "{{$.CSRF}}", "{{$.CSRFz}}", 1)} {
			tp := template.Must(template.Must(base.Clone()).Parse(mistyped))
			problems := checkFields("provider_program", tp, &providerProgramView{})
			if len(problems) != 1 || !strings.Contains(problems[0], `template "content"`) || !strings.Contains(problems[0], "z") {
				t.Errorf("the mistyped field was reported as %q", problems)
			}
		}
	})
}
