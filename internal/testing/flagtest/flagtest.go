// Package flagtest checks that a component's flags do something: each flag
// changes the options its command starts with, and each option is read by
// the code that runs (issue 26, item 8: two manager flags were parsed and
// never passed on, and a documented web service flag bound nothing).
package flagtest

import (
	"context"
	"go/ast"
	"go/types"
	"reflect"
	"slices"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/tools/go/packages"

	"github.com/wallet-operator/wallet-operator/internal/cli"
)

// candidates are values tried in turn for a flag that is not a bool, until
// its command accepts one: numbers, a duration, a CIDR, a log level, a URL,
// a name.
var candidates = []string{"17", "48", "17s", "17.5", "10.9.0.0/16", "panic", "console", "iso8601", "https://x.example/p", "x-test"}

// EveryFlagReaches runs the command once with base and once more per flag
// with that flag set as well, catching the options it would start with
// through *start, and fails for a flag no value of which changes them.
func EveryFlagReaches[O any](t *testing.T, command func() *cobra.Command, start *func(context.Context, O) error, base []string) {
	t.Helper()
	var got O
	saved := *start
	defer func() { *start = saved }()
	*start = func(_ context.Context, o O) error { got = o; return nil }
	run := func(args []string) (O, error) {
		var zero O
		got = zero
		err := cli.Execute(context.Background(), command(), args)
		return got, err
	}
	baseline, err := run(base)
	if err != nil {
		t.Fatalf("the command refuses %v: %v", base, err)
	}
	command().Flags().VisitAll(func(f *pflag.Flag) {
		values := candidates
		if f.Value.Type() == "bool" {
			values = []string{map[string]string{"false": "true", "true": "false"}[f.DefValue]}
		}
		for _, v := range values {
			if v == f.DefValue {
				continue
			}
			o, err := run(append(append([]string(nil), base...), "--"+f.Name+"="+v))
			if err != nil {
				continue
			}
			if reflect.DeepEqual(o, baseline) {
				t.Errorf("--%s=%s changes none of the options the command starts with", f.Name, v)
			}
			return
		}
		t.Errorf("--%s: the command accepts none of %v; give the test a value it takes", f.Name, values)
	})
}

// EveryFieldRead fails for a field of the struct typeName (declared in
// package typePkg) that the code of the packages matching patterns never
// reads, outside functions and methods named in except (the one binding
// flags to it, a Default that fills it). A field only written, or read only
// where flags bind to it, is an option that does nothing.
func EveryFieldRead(t *testing.T, typePkg, typeName string, patterns []string, except ...string) {
	t.Helper()
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	var strct *types.Struct
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			t.Fatalf("load %s: %v", pkg.PkgPath, e)
		}
		for _, file := range pkg.Syntax {
			for _, decl := range file.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || slices.Contains(except, fn.Name.Name) || fn.Body == nil {
					continue
				}
				written := map[ast.Expr]bool{}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.AssignStmt:
						for _, lhs := range n.Lhs {
							written[lhs] = true
						}
					case *ast.SelectorExpr:
						sel := pkg.TypesInfo.Selections[n]
						if sel == nil || sel.Kind() != types.FieldVal || written[n] {
							return true
						}
						if s := declaredIn(sel, typePkg, typeName); s != nil {
							strct = s
							read[n.Sel.Name] = true
						}
					}
					return true
				})
			}
		}
	}
	if strct == nil {
		t.Fatalf("no code in %v reads a field of %s.%s", patterns, typePkg, typeName)
	}
	for i := range strct.NumFields() {
		if f := strct.Field(i); !read[f.Name()] {
			t.Errorf("%s.%s is never read: the flag that sets it does nothing", typeName, f.Name())
		}
	}
}

// declaredIn is the struct wanted (package pkg, type name) when the field
// sel selects is one of its own, also where it is promoted through an
// embedded field (s.opts.Burst reading app.WebService's Burst).
func declaredIn(sel *types.Selection, pkg, name string) *types.Struct {
	t := sel.Recv()
	for i, index := range sel.Index() {
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		s, ok := t.Underlying().(*types.Struct)
		if !ok {
			return nil
		}
		if i == len(sel.Index())-1 {
			named, ok := t.(*types.Named)
			if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != pkg || named.Obj().Name() != name {
				return nil
			}
			return s
		}
		t = s.Field(index).Type()
	}
	return nil
}
