package render

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

var englishPrinter = message.NewPrinter(language.English)

// compileSchema compiles a template's dataSchema (JSON Schema, draft
// 2020-12 unless it says otherwise). Formats are asserted; references to
// outside documents are refused, so a schema cannot make the operator read
// files or the network.
func compileSchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, errorf(walletv1.ReasonInvalidDataSchema, "spec.dataSchema", "not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(jsonschema.SchemeURLLoader{})
	const url = "urn:wallet-operator:dataSchema"
	if err := c.AddResource(url, doc); err != nil {
		return nil, errorf(walletv1.ReasonInvalidDataSchema, "spec.dataSchema", "%v", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, errorf(walletv1.ReasonInvalidDataSchema, "spec.dataSchema", "not a valid JSON Schema: %v", err)
	}
	return sch, nil
}

// validateData checks data against the schema; the error lists each
// failing location, e.g. "data.flight: does not match pattern ...".
func validateData(sch *jsonschema.Schema, data any) error {
	err := sch.Validate(data)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return errorf(walletv1.ReasonInvalidData, "spec.data", "%v", err)
	}
	var problems []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := strings.Join(append([]string{"spec.data"}, e.InstanceLocation...), ".")
			problems = append(problems, fmt.Sprintf("%s: %s", loc, e.ErrorKind.LocalizedString(englishPrinter)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	slices.Sort(problems)
	problems = slices.Compact(problems)
	return errorf(walletv1.ReasonInvalidData, "", "the pass's data does not satisfy the template's dataSchema: %s", strings.Join(problems, "; "))
}
