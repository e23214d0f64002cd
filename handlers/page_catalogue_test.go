package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// refusalLiterals collects, from the Go source under the directories (tests left out), every
// refusal reason written as a literal — RuleError("x", …), ConflictError("x", …), an Error
// with Reason: "x" — and every field rule written as one: FieldError(f, "rule") or a
// Fields: map[string]string{f: "rule"} of an Error.
func refusalLiterals(t *testing.T, dirs ...string) (reasons, rules map[string]string) {
	t.Helper()
	reasons, rules = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	name := func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.Ident:
			return e.Name
		case *ast.SelectorExpr:
			return e.Sel.Name
		}
		return ""
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					switch name(n.Fun) {
					case "RuleError", "ConflictError":
						if s, ok := str(n.Args[0]); ok {
							reasons[s] = fset.Position(n.Pos()).String()
						}
					case "FieldError":
						if len(n.Args) == 2 {
							if s, ok := str(n.Args[1]); ok {
								rules[s] = fset.Position(n.Pos()).String()
							}
						}
					}
				case *ast.CompositeLit:
					if name(n.Type) != "Error" {
						return true
					}
					for _, el := range n.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						switch name(kv.Key) {
						case "Reason":
							if s, ok := str(kv.Value); ok {
								reasons[s] = fset.Position(kv.Pos()).String()
							}
						case "Fields":
							if m, ok := kv.Value.(*ast.CompositeLit); ok {
								for _, fe := range m.Elts {
									if fkv, ok := fe.(*ast.KeyValueExpr); ok {
										if s, ok := str(fkv.Value); ok {
											rules[s] = fset.Position(fkv.Pos()).String()
										}
									}
								}
							}
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return reasons, rules
}

func TestEveryRefusalCodeInTheSourceHasASentence(t *testing.T) {
	reasons, rules := refusalLiterals(t, "../models", "../search", ".")
	if len(reasons) < 40 || len(rules) < 10 {
		t.Fatalf("found only %d reasons and %d field rules: the scan no longer sees how refusals are written", len(reasons), len(rules))
	}
	keys := func(m map[string]string) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	for _, reason := range keys(reasons) {
		if _, ok := refusals[reason]; !ok {
			t.Errorf("%s: the refusal %q has no sentence in the catalogue", reasons[reason], reason)
		}
	}
	formats := strings.NewReplacer("xlsx", "", "csv", "", "PDF", "", "JPG", "", "PNG", "") // file formats keep their names
	for _, rule := range keys(rules) {
		if got := fieldSentence(rule); got == fieldFallback || latinWord.MatchString(formats.Replace(got)) {
			t.Errorf("%s: the field rule %q reads %q", rules[rule], rule, got)
		}
	}
}
