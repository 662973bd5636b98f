package plugin

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/fields"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// condition is one --where: a path into the Pass, an operator and its
// values. Yourpass's where-operators map one to one: $eq =, $ne !=, $gt >,
// $gte >=, $lt <, $lte <=, $in in (…), $notIn notin (…), $like like,
// $notLike notlike (% any run of characters, _ one).
type condition struct {
	path   []string // data.tier: spec.data.tier
	op     string
	values []string
	like   *regexp.Regexp
}

var conditionPattern = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(==|=|!=|>=|<=|>|<|\s(?i:notin|in|notlike|like)\s)\s*(.*?)\s*$`)

// parseCondition reads "data.tier in (gold,silver)", "status.registeredDevices>0",
// "spec.serialNumber like 'PD%'".
func parseCondition(s string) (condition, error) {
	m := conditionPattern.FindStringSubmatch(s)
	if m == nil || m[3] == "" {
		return condition{}, fmt.Errorf("--where %q: want PATH OP VALUE, OP one of = != > >= < <= in notin like notlike (e.g. 'data.tier in (gold,silver)')", s)
	}
	c := condition{path: strings.Split(m[1], "."), op: strings.ToLower(strings.TrimSpace(m[2]))}
	if c.op == "==" {
		c.op = "="
	}
	switch c.path[0] {
	case "data":
		c.path = append([]string{"spec"}, c.path...)
	case "spec", "status", "metadata":
	default:
		return condition{}, fmt.Errorf("--where %q: a path starts with data, spec, status or metadata", s)
	}
	value := m[3]
	if c.op == "in" || c.op == "notin" {
		inner, ok := strings.CutPrefix(value, "(")
		if inner, ok = strings.CutSuffix(inner, ")"); !ok {
			return condition{}, fmt.Errorf("--where %q: %s takes a list in parentheses: (a,b)", s, c.op)
		}
		for _, v := range strings.Split(inner, ",") {
			c.values = append(c.values, unquote(strings.TrimSpace(v)))
		}
	} else {
		c.values = []string{unquote(value)}
	}
	if c.op == "like" || c.op == "notlike" {
		var b strings.Builder
		for _, r := range c.values[0] {
			switch r {
			case '%':
				b.WriteString(".*")
			case '_':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		c.like = regexp.MustCompile("(?s)^" + b.String() + "$")
	}
	return c, nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// fieldSelector is the condition as a field selector the API server
// evaluates, when its path is a Pass's selectable field and its operator
// equality; "" otherwise (evaluated here).
func (c condition) fieldSelector() string {
	path := strings.Join(c.path, ".")
	if !slices.Contains(walletv1.PassSelectableFields, path) || (c.op != "=" && c.op != "!=") {
		return ""
	}
	if c.op == "=" {
		return fields.OneTermEqualSelector(path, c.values[0]).String()
	}
	return fields.OneTermNotEqualSelector(path, c.values[0]).String()
}

// matches evaluates the condition on the pass as its JSON has it. Numbers
// compare as numbers, times (RFC 3339, or a date) as times, anything else
// as text. A field the pass lacks matches only !=, notin and notlike.
func (c condition) matches(doc map[string]any) bool {
	v, ok := lookup(doc, c.path)
	if !ok {
		return c.op == "!=" || c.op == "notin" || c.op == "notlike"
	}
	switch c.op {
	case "like":
		return c.like.MatchString(v)
	case "notlike":
		return !c.like.MatchString(v)
	case "in":
		return slices.ContainsFunc(c.values, func(w string) bool { return compare(v, w) == 0 })
	case "notin":
		return !slices.ContainsFunc(c.values, func(w string) bool { return compare(v, w) == 0 })
	}
	d := compare(v, c.values[0])
	switch c.op {
	case "=":
		return d == 0
	case "!=":
		return d != 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	case "<":
		return d < 0
	default: // <=
		return d <= 0
	}
}

// lookup is the value at path as text; null, a map or a list is not a
// value.
func lookup(doc map[string]any, path []string) (string, bool) {
	var cur any = doc
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[p]; !ok {
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	default: // null, a map or a list
		return "", false
	}
}

// compare orders a and b as numbers, else as times, else as text.
func compare(a, b string) int {
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			return cmpOrdered(x, y)
		}
	}
	if x, ok := parseTime(a); ok {
		if y, ok := parseTime(b); ok {
			return x.Compare(y)
		}
	}
	return strings.Compare(a, b)
}

func cmpOrdered(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// passDocument is the pass as JSON sees it, for conditions to read.
func passDocument(p *walletv1.Pass) (map[string]any, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	return doc, json.Unmarshal(data, &doc)
}
