package v1alpha1_test

import (
	"os"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// env is the control plane every test of this package talks to.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }
