package passjson

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaJSON is a JSON Schema (draft 2020-12) of Apple's pass.json, written
// from Apple's Wallet Passes reference and kept here: the tests check every
// pass.json the renderer writes against it, an oracle apart from the
// renderer's own types.
//
//go:embed pass.schema.json
var SchemaJSON []byte

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://wallet-operator.io/schemas/pass.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// Validate checks a pass.json against the schema; the error says where and
// what is wrong.
func Validate(passJSON []byte) error {
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("the pass.json schema does not compile: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(passJSON))
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}
