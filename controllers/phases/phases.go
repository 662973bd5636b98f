// Package phases runs a reconciler's phases in order, as Cluster API's
// reconcilers do: each phase reads and fills the reconcile's scope, and the
// first error (a verdict, a wait, a failure) ends the run. Stop ends it
// early with nothing wrong: what follows is not needed.
package phases

import (
	"context"
	"errors"
)

// Phase is one step of a reconcile.
type Phase[S any] func(context.Context, S) error

// Stop, returned by a phase, ends the run without an error.
var Stop = errors.New("phases: nothing left to do")

// Run runs phases in order on s and returns the first error; nil when every
// phase ran, or one stopped the run.
func Run[S any](ctx context.Context, s S, phases ...Phase[S]) error {
	for _, phase := range phases {
		if err := phase(ctx, s); err != nil {
			if errors.Is(err, Stop) {
				return nil
			}
			return err
		}
	}
	return nil
}
