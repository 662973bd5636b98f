package render

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// A text of a template (a field value, a label, a barcode message) may hold
// Go text/template placeholders over:
//
//	.data          the pass's data
//	.serialNumber  the pass's serial number
//	.name          the Pass object's name
//	.namespace     its namespace
//
// A placeholder whose key is missing is an error naming the key, unless it
// ends in `| default "text"`, which says what an absent value shows (an
// anonymized pass still renders).

var placeholderFuncs = template.FuncMap{
	"default": func(fallback, v any) any {
		if v == nil || v == "" {
			return fallback
		}
		return v
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"trim":  strings.TrimSpace,
}

// noValue is what text/template prints for a missing key.
const noValue = "<no value>"

// text is one parsed template text.
type text struct {
	raw      string
	tmpl     *template.Template
	required [][]string // key paths used outside `| default`
}

func parseText(raw, field string) (*text, error) {
	if !strings.Contains(raw, "{{") {
		return &text{raw: raw}, nil
	}
	tmpl, err := template.New(field).Option("missingkey=zero").Funcs(placeholderFuncs).Parse(raw)
	if err != nil {
		return nil, errorf(walletv1.ReasonInvalidTemplate, field, "bad placeholder: %v", err)
	}
	t := &text{raw: raw, tmpl: tmpl}
	for _, node := range tmpl.Tree.Root.Nodes {
		if action, ok := node.(*parse.ActionNode); ok && !endsInDefault(action.Pipe) {
			t.required = append(t.required, fieldPaths(action.Pipe)...)
		}
	}
	return t, nil
}

func endsInDefault(pipe *parse.PipeNode) bool {
	if len(pipe.Cmds) == 0 {
		return false
	}
	last := pipe.Cmds[len(pipe.Cmds)-1]
	id, ok := last.Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == "default"
}

func fieldPaths(pipe *parse.PipeNode) [][]string {
	var paths [][]string
	for _, cmd := range pipe.Cmds {
		for _, arg := range cmd.Args {
			switch n := arg.(type) {
			case *parse.FieldNode:
				paths = append(paths, n.Ident)
			case *parse.VariableNode:
				if len(n.Ident) > 1 && n.Ident[0] == "$" {
					paths = append(paths, n.Ident[1:])
				}
			case *parse.PipeNode:
				if !endsInDefault(n) {
					paths = append(paths, fieldPaths(n)...)
				}
			}
		}
	}
	return paths
}

// fillValues are what placeholders are filled from. Lenient filling (an
// anonymized pass) never fails for a missing value: it shows the default,
// or nothing.
type fillValues struct {
	m       map[string]any
	lenient bool
}

// execute fills the placeholders from values.
func (t *text) execute(values *fillValues, field string) (string, error) {
	if t.tmpl == nil {
		return t.raw, nil
	}
	if !values.lenient {
		for _, path := range t.required {
			if missing := missingKey(values.m, path); missing != "" {
				return "", errorf(walletv1.ReasonInvalidData, field,
					"the placeholder .%s needs %s, which the pass does not have: add it to the pass's data or write {{ .%s | default \"...\" }} in the template",
					strings.Join(path, "."), missing, strings.Join(path, "."))
			}
		}
	}
	w := &limitedWriter{left: MaxTextBytes}
	if err := t.tmpl.Execute(w, values.m); err != nil {
		if errors.Is(err, errTextTooLong) {
			return "", errorf(walletv1.ReasonBundleTooLarge, field, "the text renders to more than %d bytes", MaxTextBytes)
		}
		if values.lenient {
			return "", nil
		}
		return "", errorf(walletv1.ReasonRenderFailed, field, "%v", err)
	}
	out := w.b.String()
	if strings.Contains(out, noValue) && !strings.Contains(t.raw, noValue) {
		if values.lenient {
			return strings.ReplaceAll(out, noValue, ""), nil
		}
		return "", errorf(walletv1.ReasonInvalidData, field, "a placeholder in %q has no value for this pass: add the key to the pass's data or use | default", t.raw)
	}
	return out, nil
}

// missingKey returns the first key of path that values lack, as
// data.gate, or "" when the whole path exists.
func missingKey(values map[string]any, path []string) string {
	var cur any = values
	for i, key := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s (%s is not an object)", strings.Join(path[:i+1], "."), strings.Join(path[:i], "."))
		}
		if cur, ok = m[key]; !ok {
			return "key " + strings.Join(path[:i+1], ".")
		}
	}
	return ""
}

// MaxTextBytes bounds one rendered text (a field value, a label, a barcode
// message): a few placeholders can otherwise print without end
// ({{range 300}}...), and a pass must never hold the manager's memory.
const MaxTextBytes = 64 << 10

var errTextTooLong = errors.New("text too long")

// limitedWriter stops a template's execution at MaxTextBytes.
type limitedWriter struct {
	b    strings.Builder
	left int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, errTextTooLong
	}
	w.left -= len(p)
	return w.b.Write(p)
}

// parseOverride parses a pass's field override. A Pass is written by
// whoever holds a pass (an issue link's visitor's data, a CRM sync), so its
// texts are not templates: only plain placeholders such as {{ .data.gate }},
// optionally piped to default, upper, lower or trim.
func parseOverride(raw, field string) (*text, error) {
	t, err := parseText(raw, field)
	if err != nil || t.tmpl == nil {
		return t, err
	}
	refuse := func() (*text, error) {
		return nil, errorf(walletv1.ReasonInvalidData, field,
			"a field override may hold plain placeholders only, such as {{ .data.gate }} or {{ .data.gate | default \"TBA\" }}; conditions, loops and function calls belong in the template")
	}
	for _, node := range t.tmpl.Tree.Root.Nodes {
		switch n := node.(type) {
		case *parse.TextNode:
		case *parse.ActionNode:
			if !plainPipe(n.Pipe) {
				return refuse()
			}
		default:
			return refuse()
		}
	}
	return t, nil
}

// plainPipe: a field lookup, then at most one default "text" or one of
// upper, lower, trim.
func plainPipe(p *parse.PipeNode) bool {
	if len(p.Decl) > 0 || len(p.Cmds) == 0 || len(p.Cmds) > 2 {
		return false
	}
	if first := p.Cmds[0]; len(first.Args) != 1 || first.Args[0].Type() != parse.NodeField {
		return false
	}
	if len(p.Cmds) == 1 {
		return true
	}
	fn, ok := p.Cmds[1].Args[0].(*parse.IdentifierNode)
	switch {
	case !ok:
		return false
	case fn.Ident == "default":
		return len(p.Cmds[1].Args) == 2 && p.Cmds[1].Args[1].Type() == parse.NodeString
	case fn.Ident == "upper" || fn.Ident == "lower" || fn.Ident == "trim":
		return len(p.Cmds[1].Args) == 1
	}
	return false
}
