// Package render turns a PassTemplate and a Pass into the files of a
// .pkpass (pass.json, images, localizations): the one renderer the
// controllers, the web service and the CLI share.
package render

import "fmt"

// Error says why a template or pass cannot be rendered: the condition
// reason (walletv1.Reason*), the field at fault, and what to do.
type Error struct {
	Reason  string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func errorf(reason, field, format string, args ...any) *Error {
	return &Error{Reason: reason, Field: field, Message: fmt.Sprintf(format, args...)}
}
