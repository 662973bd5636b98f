// Package walletschema is the Google Wallet REST API's resource schema as
// the official Go client library documents it (walletobjects-gen.go, read
// from the module cache): which fields each type has, which are
// "Required.", which list their possible values. Tests check what the
// operator sends against it, and the Google Wallet stand-in (gwtest)
// refuses what it does not satisfy, as Google answers 400.
package walletschema

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Field is what the client library documents about one JSON field.
type Field struct {
	Required bool
	Values   []string // "Possible values", when it lists them
	Type     string   // the walletobjects type it holds (pointer, slice element), if any
}

// Types are the walletobjects types' fields by JSON name.
type Types map[string]map[string]Field

var (
	once    sync.Once
	loaded  Types
	errLoad error
)

// Load reads the schema once per process.
func Load() (Types, error) {
	once.Do(func() { loaded, errLoad = read() })
	return loaded, errLoad
}

func read() (Types, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "google.golang.org/api/walletobjects/v1").Output()
	if err != nil {
		return nil, fmt.Errorf("find the walletobjects client library: %w", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "walletobjects-gen.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	quoted := regexp.MustCompile(`^\s*"([A-Z0-9_]+)"`)
	types := Types{}
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, spec := range gen.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := map[string]Field{}
			for _, fl := range st.Fields.List {
				if fl.Tag == nil || len(fl.Names) == 0 {
					continue
				}
				name := strings.Split(reflect.StructTag(strings.Trim(fl.Tag.Value, "`")).Get("json"), ",")[0]
				doc := fl.Doc.Text()
				fd := Field{Required: strings.HasPrefix(doc, fl.Names[0].Name+": Required.")}
				if i := strings.Index(doc, "Possible values:"); i >= 0 {
					for _, line := range strings.Split(doc[i:], "\n")[1:] {
						if m := quoted.FindStringSubmatch(line); m != nil {
							fd.Values = append(fd.Values, m[1])
						}
					}
				}
				expr := fl.Type
			unwrap:
				for {
					switch e := expr.(type) {
					case *ast.StarExpr:
						expr = e.X
					case *ast.ArrayType:
						expr = e.Elt
					case *ast.Ident:
						fd.Type = e.Name
						break unwrap
					default:
						break unwrap
					}
				}
				fields[name] = fd
			}
			types[ts.Name.Name] = fields
		}
	}
	// What Google's walletobjects reference documents, found by the parse:
	// a parser that read nothing would let every check pass.
	for _, want := range []struct {
		typ, field string
		values     []string
	}{
		{"OfferClass", "id", nil},
		{"OfferClass", "issuerName", nil},
		{"OfferClass", "provider", nil},
		{"OfferClass", "redemptionChannel", []string{"INSTORE", "ONLINE", "BOTH"}},
		{"OfferObject", "classId", nil},
		{"OfferObject", "state", []string{"ACTIVE", "COMPLETED", "EXPIRED", "INACTIVE"}},
	} {
		f, ok := types[want.typ][want.field]
		if !ok || !f.Required || !isSubset(want.values, f.Values) {
			return nil, fmt.Errorf("the client library's schema, as read: %s.%s is %+v (found %v); want it required with values %v", want.typ, want.field, f, ok, want.values)
		}
	}
	return types, nil
}

func isSubset(want, have []string) bool {
	for _, v := range want {
		if !slices.Contains(have, v) {
			return false
		}
	}
	return true
}

// Check says how v, a value of type typ as JSON (maps, slices, strings),
// breaks the schema: required fields missing or empty, a value not among
// a field's possible values, a field the type does not have; nested types
// alike. Nothing when it conforms.
func (ts Types) Check(typ, path string, v any) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{path + ": not an object"}
	}
	fields := ts[typ]
	if fields == nil {
		return []string{fmt.Sprintf("%s: the client library has no type %s", path, typ)}
	}
	var out []string
	for name, fd := range fields {
		val, present := obj[name]
		if fd.Required && (!present || val == "" || val == nil) {
			// TicketLeg-style "Required if ..." are not marked Required.
			out = append(out, fmt.Sprintf("%s.%s is required by the client library's %s and missing", path, name, typ))
		}
		if !present {
			continue
		}
		if s, ok := val.(string); ok && len(fd.Values) > 0 && !slices.Contains(fd.Values, s) {
			out = append(out, fmt.Sprintf("%s.%s = %q is not one of %v", path, name, s, fd.Values))
		}
		if ts[fd.Type] != nil {
			if list, ok := val.([]any); ok {
				for i, item := range list {
					out = append(out, ts.Check(fd.Type, path+"."+name+"["+strconv.Itoa(i)+"]", item)...)
				}
			} else {
				out = append(out, ts.Check(fd.Type, path+"."+name, val)...)
			}
		}
	}
	for name := range obj {
		if _, ok := fields[name]; !ok {
			out = append(out, fmt.Sprintf("%s.%s is not a field of %s", path, name, typ))
		}
	}
	slices.Sort(out)
	return out
}
