// Package deploy checks the installation manifests of config/: that they
// render with kustomize and that a real API server accepts every object.
package deploy

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/wallet-operator/wallet-operator/internal/testenv"
)

func render(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(testenv.RepoRoot(), dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, res := range resMap.Resources() {
		// Through JSON, so numbers have the types unstructured expects.
		data, err := res.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
	}
	return objs
}

// `kubectl apply -k config/default` works: every rendered object passes the
// API server's validation (server-side apply, dry run).
func TestDefaultInstallAppliesServerSide(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	ctx := context.Background()

	objs := render(t, "config/default")
	var kinds []string
	for _, obj := range objs {
		kinds = append(kinds, obj.GetKind())
		if obj.GetKind() == "Namespace" {
			// A dry-run namespace would not exist for the objects inside it.
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: obj.GetName()}}
			if err := env.Client.Create(ctx, ns); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if ns := obj.GetNamespace(); obj.GetKind() != "CustomResourceDefinition" && obj.GetKind() != "ClusterRole" && obj.GetKind() != "ClusterRoleBinding" && ns != "wallet-operator-system" {
			t.Errorf("%s %s is in namespace %q, want wallet-operator-system", obj.GetKind(), obj.GetName(), ns)
		}
		if err := env.Client.Patch(ctx, obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership, client.DryRunAll); err != nil {
			t.Errorf("server-side apply of %s %s refused: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
	for _, want := range []string{"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount", "Deployment", "Service"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("config/default renders no %s (kinds: %v)", want, kinds)
		}
	}
}

// The manager Deployment runs the manager subcommand with leader election,
// as a non-root user on a read-only root filesystem.
func TestManagerDeploymentIsHardened(t *testing.T) {
	for _, obj := range render(t, "config/default") {
		if obj.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
		c := containers[0].(map[string]any)
		args, _, _ := unstructured.NestedStringSlice(c, "args")
		if len(args) == 0 || args[0] != "manager" || !slices.Contains(args, "--leader-elect") {
			t.Errorf("manager args = %v, want the manager subcommand with --leader-elect", args)
		}
		nonRoot, _, _ := unstructured.NestedBool(obj.Object, "spec", "template", "spec", "securityContext", "runAsNonRoot")
		readOnly, _, _ := unstructured.NestedBool(c, "securityContext", "readOnlyRootFilesystem")
		escalation, found, _ := unstructured.NestedBool(c, "securityContext", "allowPrivilegeEscalation")
		if !nonRoot || !readOnly || !found || escalation {
			t.Errorf("manager pod: runAsNonRoot=%v readOnlyRootFilesystem=%v allowPrivilegeEscalation=%v", nonRoot, readOnly, escalation)
		}
	}
}
