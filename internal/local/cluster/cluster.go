// Package cluster runs a Kubernetes control plane on this machine: the
// kube-apiserver and etcd that hack/setup-envtest.sh builds, with the wallet
// CRDs installed. Tests and `wallet-operator demo` use it.
package cluster

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Cluster is a running control plane.
type Cluster struct {
	Config *rest.Config
	env    *envtest.Environment
}

// Assets finds the directory holding kube-apiserver and etcd:
// $KUBEBUILDER_ASSETS, or what repoRoot's hack/setup-envtest.sh prints (it
// builds them the first time, in minutes; then answers at once).
func Assets(repoRoot string) (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	script := filepath.Join(repoRoot, "hack", "setup-envtest.sh")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("no kube-apiserver and etcd: set KUBEBUILDER_ASSETS to their directory, or run from the repository (it builds them with hack/setup-envtest.sh)")
	}
	cmd := exec.Command(script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/setup-envtest.sh failed (it builds kube-apiserver and etcd): %w", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}

// Start starts kube-apiserver and etcd from assets and installs the CRDs
// found in crdDir (none when it is empty). With emulatedVersion (a minor
// version such as "1.33") kube-apiserver behaves as that older release
// does: its APIs, feature gates and CEL environment (its
// --emulated-version, within the three minor versions before its own):
// how the tests check the oldest Kubernetes the project supports without
// building a second API server.
func Start(assets, crdDir, emulatedVersion string) (*Cluster, error) {
	env := &envtest.Environment{
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		// envtest's 20 s is short on a busy 2-core machine (a cold CI run,
		// every test package compiling and starting its own API server):
		// kube-apiserver once failed to become ready within it 5 times.
		ControlPlaneStartTimeout: time.Minute,
	}
	if crdDir != "" {
		env.CRDDirectoryPaths = []string{crdDir}
	}
	if emulatedVersion != "" {
		env.ControlPlane.GetAPIServer().Configure().Set("emulated-version", "kube="+emulatedVersion)
	}
	cfg, err := env.Start()
	if err != nil && emulatedVersion != "" {
		return nil, fmt.Errorf("start kube-apiserver (emulating Kubernetes %s) and etcd from %s: %w", emulatedVersion, assets, err)
	} else if err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd from %s: %w", assets, err)
	}
	return &Cluster{Config: cfg, env: env}, nil
}

// Kubeconfig returns a kubeconfig of a cluster administrator named user,
// for kubectl and for code that takes --kubeconfig.
func (c *Cluster) Kubeconfig(user string) ([]byte, error) {
	u, err := c.env.ControlPlane.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("add kubeconfig user %s: %w", user, err)
	}
	return u.KubeConfig()
}

// Stop stops the processes and removes their data.
func (c *Cluster) Stop() error { return c.env.Stop() }
