package phases

import (
	"context"
	"errors"
	"testing"
)

func TestRun(t *testing.T) {
	failed := errors.New("failed")
	record := func(name string, err error) Phase[*[]string] {
		return func(_ context.Context, ran *[]string) error {
			*ran = append(*ran, name)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		phases []Phase[*[]string]
		want   []string
		err    error
	}{
		{"all run, in order", []Phase[*[]string]{record("a", nil), record("b", nil), record("c", nil)}, []string{"a", "b", "c"}, nil},
		{"an error ends the run", []Phase[*[]string]{record("a", nil), record("b", failed), record("c", nil)}, []string{"a", "b"}, failed},
		{"stop ends it with nothing wrong", []Phase[*[]string]{record("a", Stop), record("b", nil)}, []string{"a"}, nil},
	} {
		var ran []string
		err := Run(context.Background(), &ran, tc.phases...)
		if !errors.Is(err, tc.err) || len(ran) != len(tc.want) {
			t.Errorf("%s: ran %v (%v), want %v (%v)", tc.name, ran, err, tc.want, tc.err)
			continue
		}
		for i := range ran {
			if ran[i] != tc.want[i] {
				t.Errorf("%s: ran %v, want %v", tc.name, ran, tc.want)
			}
		}
	}
}
