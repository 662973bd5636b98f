package shared

import (
	"errors"
	"fmt"

	"github.com/wallet-operator/wallet-operator/internal/render"
)

// NotReadyError is a verdict, not a failure: the object cannot be Ready
// until a user fixes what it names. A reconciler sets Ready=False with its
// reason and message and does not retry; a change to the object or to what
// it depends on brings it back.
type NotReadyError struct {
	// Reason is the condition reason (walletv1.Reason*).
	Reason string
	// Field is the field at fault, when there is one.
	Field string
	// Message says what is wrong and what to do.
	Message string
	// Retry: the cause may pass without a change (a store that is down);
	// the reconciler reports the verdict and also retries with backoff.
	Retry bool
}

func (e *NotReadyError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// NotReady makes a NotReadyError.
func NotReady(reason, field, format string, args ...any) *NotReadyError {
	return &NotReadyError{Reason: reason, Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsNotReady returns the verdict err carries: a NotReadyError, or the
// renderer's *render.Error (the same verdict about a template or a pass's
// data).
func AsNotReady(err error) (*NotReadyError, bool) {
	var nr *NotReadyError
	if errors.As(err, &nr) {
		return nr, true
	}
	var re *render.Error
	if errors.As(err, &re) {
		return &NotReadyError{Reason: re.Reason, Field: re.Field, Message: re.Message}, true
	}
	return nil, false
}
