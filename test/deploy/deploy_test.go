// Package deploy checks the installation manifests of config/: that they
// render with kustomize and that a real API server accepts every object.
package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cmd/manager"
	wscmd "github.com/wallet-operator/wallet-operator/internal/cmd/webservice"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/weburl"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

func render(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), dir))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// `kubectl apply --server-side -k config/default` works: every rendered
// object passes the API server's validation (server-side apply, dry run).
func TestDefaultInstallAppliesServerSide(t *testing.T) {
	ctx := context.Background()
	objs := render(t, "config/default")
	var kinds []string
	for _, obj := range objs {
		kinds = append(kinds, obj.GetKind())
		if obj.GetKind() == "Namespace" {
			// A dry-run namespace would not exist for the objects inside it.
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: obj.GetName()}}
			if err := env.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
			continue
		}
		if ns := obj.GetNamespace(); !clusterScoped[obj.GetKind()] && ns != "wallet-operator-system" {
			t.Errorf("%s %s is in namespace %q, want wallet-operator-system", obj.GetKind(), obj.GetName(), ns)
		}
		if err := env.Client.Patch(ctx, obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership, client.DryRunAll); err != nil {
			t.Errorf("server-side apply of %s %s refused: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
	for _, want := range []string{"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "Ingress"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("config/default renders no %s (kinds: %v)", want, kinds)
		}
	}
	if slices.Contains(kinds, "ConfigMap") {
		t.Error("the host parameter (a local-config ConfigMap) is in the output")
	}
}

var clusterScoped = map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true}

// The S3 component (config/components/s3) on the default install applies:
// both Deployments switch to the S3 store, with the bucket's settings and
// the optional credentials Secret.
func TestS3ComponentApplies(t *testing.T) {
	objs := render(t, "test/deploy/testdata/s3")
	dryRunApply(t, objs)
	for _, name := range []string{"wallet-operator-manager", "wallet-operator-webservice"} {
		var d appsv1.Deployment
		fromUnstructured(t, find(t, objs, "Deployment", name), &d)
		c := d.Spec.Template.Spec.Containers[0]
		if !slices.Contains(c.Args, "--bundle-store=s3") || len(c.EnvFrom) != 2 || c.EnvFrom[1].SecretRef == nil || c.EnvFrom[1].SecretRef.Name != "wallet-operator-s3-credentials" {
			t.Errorf("%s: args %v, envFrom %+v; want the S3 store with its settings and credentials", name, c.Args, c.EnvFrom)
		}
	}
}

// The PostgreSQL component (config/components/postgres) on the default
// install applies: the web service keeps registrations in the database the
// CloudNativePG Secret names; the manager is unchanged.
func TestPostgresComponentApplies(t *testing.T) {
	objs := render(t, "test/deploy/testdata/postgres")
	dryRunApply(t, objs)
	var ws appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "wallet-operator-webservice"), &ws)
	c := ws.Spec.Template.Spec.Containers[0]
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "DATABASE_URL" })
	if !slices.Contains(c.Args, "--registration-store=postgres") || i < 0 || c.Env[i].ValueFrom == nil || c.Env[i].ValueFrom.SecretKeyRef == nil ||
		c.Env[i].ValueFrom.SecretKeyRef.Name != "wallet-operator-db-app" || c.Env[i].ValueFrom.SecretKeyRef.Key != "uri" {
		t.Errorf("web service: args %v, env %+v; want the PostgreSQL store with DATABASE_URL from Secret wallet-operator-db-app", c.Args, c.Env)
	}
	var m appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "wallet-operator-manager"), &m)
	if slices.ContainsFunc(m.Spec.Template.Spec.Containers[0].Args, func(a string) bool { return strings.HasPrefix(a, "--registration-store") }) {
		t.Error("the manager got --registration-store: only the web service keeps registrations")
	}
}

// The Google Wallet component points the web service at root keys from a
// ConfigMap, mounted read-only, and touches nothing else.
func TestGoogleWalletComponentApplies(t *testing.T) {
	objs := render(t, "test/deploy/testdata/google-wallet")
	dryRunApply(t, objs)
	var ws appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "wallet-operator-webservice"), &ws)
	spec := ws.Spec.Template.Spec
	c := spec.Containers[0]
	if !slices.Contains(c.Args, "--google-wallet-root-keys=/etc/wallet-operator/google/root-keys.json") || len(c.VolumeMounts) != 1 ||
		c.VolumeMounts[0].MountPath != "/etc/wallet-operator/google" || !c.VolumeMounts[0].ReadOnly ||
		len(spec.Volumes) != 1 || spec.Volumes[0].ConfigMap == nil || spec.Volumes[0].ConfigMap.Name != "wallet-operator-google-root-keys" {
		t.Errorf("web service: args %v, mounts %+v, volumes %+v", c.Args, c.VolumeMounts, spec.Volumes)
	}
}

// dryRunApply creates the rendered Namespaces and applies everything else
// server-side as a dry run: the API server checks each object.
func dryRunApply(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	for _, obj := range objs {
		if obj.GetKind() == "Namespace" {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: obj.GetName()}}
			if err := env.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
			continue
		}
		if err := env.Client.Patch(ctx, obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership, client.DryRunAll); err != nil {
			t.Errorf("server-side apply of %s %s refused: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
}

// find returns the rendered object of kind and name.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, obj := range objs {
		if obj.GetKind() == kind && obj.GetName() == name {
			return obj
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

// Both Deployments run their subcommand of the one image as a non-root
// user on a read-only root filesystem, with probes and resource requests;
// the web service runs two replicas kept up by a PodDisruptionBudget.
func TestDeploymentsAreHardened(t *testing.T) {
	objs := render(t, "config/default")
	for name, subcommand := range map[string]string{"wallet-operator-manager": "manager", "wallet-operator-webservice": "webservice"} {
		var d appsv1.Deployment
		fromUnstructured(t, find(t, objs, "Deployment", name), &d)
		pod := d.Spec.Template.Spec
		c := pod.Containers[0]
		if len(c.Args) == 0 || c.Args[0] != subcommand || !slices.Contains(c.Args, "--leader-elect") || !slices.Contains(c.Args, "--webservice-url=$(WEBSERVICE_URL)") {
			t.Errorf("%s args = %v, want the %s subcommand with --leader-elect and the web service URL", name, c.Args, subcommand)
		}
		// A released tag, pulled only when missing: a tag of ours never
		// moves, and a kind user's loaded image is used as it is.
		if c.Image != "ghcr.io/wallet-operator/wallet-operator:v0.1.0" || c.ImagePullPolicy != corev1.PullIfNotPresent {
			t.Errorf("%s image = %s (pull %s), want ghcr.io/wallet-operator/wallet-operator:v0.1.0 pulled if not present", name, c.Image, c.ImagePullPolicy)
		}
		sc := c.SecurityContext
		if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
			sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s is not locked down: pod %+v, container %+v", name, pod.SecurityContext, sc)
		}
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			t.Errorf("%s has no liveness or readiness probe", name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s resources = %+v, want CPU and memory requests and a memory limit", name, c.Resources)
		}
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" }) {
			t.Errorf("%s exposes no metrics port", name)
		}
	}

	var ws appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "wallet-operator-webservice"), &ws)
	if ws.Spec.Replicas == nil || *ws.Spec.Replicas != 2 {
		t.Errorf("web service replicas = %v, want 2", ws.Spec.Replicas)
	}
	var pdb policyv1.PodDisruptionBudget
	fromUnstructured(t, find(t, objs, "PodDisruptionBudget", "wallet-operator-webservice"), &pdb)
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 ||
		!labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels).Matches(labels.Set(ws.Spec.Template.Labels)) {
		t.Errorf("the PodDisruptionBudget does not keep a web service pod: %+v", pdb.Spec)
	}
	var svc corev1.Service
	fromUnstructured(t, find(t, objs, "Service", "wallet-operator-webservice"), &svc)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(ws.Spec.Template.Labels)) {
		t.Error("the web service Service does not select its pods")
	}
}

// The host parameter reaches the Ingress (rule and TLS) and the URL both
// components use; an overlay changes it, the image, and adds monitoring.
func TestHostParameterAndOverlay(t *testing.T) {
	for dir, host := range map[string]string{"config/default": "passes.example.com", "config/example-overlay": "wallet.acme.test"} {
		objs := render(t, dir)
		var ing networkingv1.Ingress
		fromUnstructured(t, find(t, objs, "Ingress", "wallet-operator-webservice"), &ing)
		if ing.Spec.Rules[0].Host != host || len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].Hosts[0] != host || ing.Spec.TLS[0].SecretName == "" {
			t.Errorf("%s: Ingress rules %+v tls %+v, want host %s with TLS", dir, ing.Spec.Rules, ing.Spec.TLS, host)
		}
		for _, name := range []string{"wallet-operator-manager", "wallet-operator-webservice"} {
			var d appsv1.Deployment
			fromUnstructured(t, find(t, objs, "Deployment", name), &d)
			env := d.Spec.Template.Spec.Containers[0].Env
			i := slices.IndexFunc(env, func(e corev1.EnvVar) bool { return e.Name == "WEBSERVICE_URL" })
			if want := "https://" + host + "/passes"; i < 0 || env[i].Value != want {
				t.Errorf("%s: %s WEBSERVICE_URL = %v, want %s", dir, name, env, want)
			}
		}
	}
	objs := render(t, "config/example-overlay")
	var d appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "wallet-operator-webservice"), &d)
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/platform/wallet-operator:v0.1.0" {
		t.Errorf("overlay image = %s", img)
	}
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule"} {
		for _, obj := range objs {
			if obj.GetKind() == kind && obj.GetNamespace() != "wallet-operator-system" {
				t.Errorf("%s %s in namespace %q", kind, obj.GetName(), obj.GetNamespace())
			}
		}
	}
	find(t, objs, "ServiceMonitor", "wallet-operator-manager")
	find(t, objs, "ServiceMonitor", "wallet-operator-webservice")
}

// Every alert parses as PromQL and uses only metrics the binaries export,
// so a renamed metric cannot silence an alert.
func TestAlertsUseExportedMetrics(t *testing.T) {
	rule := find(t, render(t, "config/example-overlay"), "PrometheusRule", "wallet-operator")
	groups, _, _ := unstructured.NestedSlice(rule.Object, "spec", "groups")
	exported := exportedMetrics(t)
	alerts := 0
	for _, g := range groups {
		rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
		for _, r := range rules {
			expr, _, _ := unstructured.NestedString(r.(map[string]any), "expr")
			alert, _, _ := unstructured.NestedString(r.(map[string]any), "alert")
			alerts++
			parsed, err := parser.ParseExpr(expr)
			if err != nil {
				t.Errorf("alert %s: the expression does not parse: %v", alert, err)
				continue
			}
			var names []string
			parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
				if v, ok := node.(*parser.VectorSelector); ok {
					names = append(names, v.Name)
				}
				return nil
			})
			if len(names) == 0 {
				t.Errorf("alert %s uses no metric: %s", alert, expr)
			}
			for _, n := range names {
				if !exported[n] && !libraryMetrics[n] {
					t.Errorf("alert %s uses %s, which no binary exports", alert, n)
				}
			}
		}
	}
	for _, want := range []string{"wallet_manager_certificate_expiration_timestamp_seconds", "wallet_webservice_pushes_total"} {
		if !strings.Contains(fmt.Sprint(groups), want) {
			t.Errorf("no alert on %s", want)
		}
	}
	if alerts < 4 {
		t.Errorf("%d alerts", alerts)
	}
}

// libraryMetrics are series the alerts may use that this module does not
// declare: Prometheus's own per target, and controller-runtime's leader
// election gauge (checked to exist in the controller-runtime source this
// module builds with, by TestLibraryMetricsExist).
var libraryMetrics = map[string]bool{"up": true, "leader_election_master_status": true}

func TestLibraryMetricsExist(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/controller-runtime").Output()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg", "metrics", "leaderelection.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `Name: "leader_election_master_status"`) {
		t.Error("controller-runtime no longer exports leader_election_master_status: WalletManagerNoLeader would never fire")
	}
}

// exportedMetrics are the metric names declared in the Go sources.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	declared := regexp.MustCompile(`(?:Name:\s*|NewDesc\(|ScrapeGauge\()"(wallet_[a-z_]+)"`)
	names := map[string]bool{}
	root := testenv.RepoRoot()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := os.ReadFile(path)
		for _, m := range declared.FindAllStringSubmatch(string(data), -1) {
			names[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func fromUnstructured(t *testing.T, obj *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, into); err != nil {
		t.Fatal(err)
	}
}

// Each component's service account may do what it needs and nothing
// more: the rendered RBAC is applied to the API server and asked, as
// `kubectl auth can-i --as system:serviceaccount:...` asks.
func TestRBACIsLeastPrivilege(t *testing.T) {
	ctx := context.Background()
	applyRBAC(t)
	const (
		ns    = "wallet-operator-system"
		team  = "team-a"
		group = "passes.wallet-operator.io"
	)
	type can struct {
		verb, group, resource, namespace string
		allowed                          bool
	}
	cases := map[string][]can{
		"wallet-operator-webservice": {
			{"get", "", "secrets", team, false}, // the teams' Secrets: never
			{"get", "", "secrets", ns, true},    // token key, push credentials
			{"list", "", "secrets", ns, false},
			{"list", "", "secrets", team, false},
			{"watch", "", "secrets", team, false},
			{"update", "", "secrets", team, false},
			{"create", "", "secrets", team, false},
			{"delete", "", "secrets", team, false},
			{"create", group, "passtemplates", team, false},
			{"update", group, "passtemplates", team, false},
			{"delete", group, "passtemplates", team, false},
			{"patch", group, "passtemplates/status", team, true}, // download counts
			{"update", group, "passtemplates/status", team, false},
			{"create", group, "passcertificates", team, false},
			{"update", group, "passcertificates", team, false},
			{"create", group, "passes", team, true}, // issue links
			{"patch", group, "passes", team, true},  // rewards sign-ups, check-in at the gate
			{"list", group, "passwebhooks", team, true},
			{"create", group, "passwebhooks", team, false},
			{"update", group, "passes", team, false},
			{"delete", group, "passes", team, false},
			{"patch", group, "passes/status", team, true},
			{"create", group, "deviceregistrations", team, true},
			{"delete", group, "deviceregistrations", team, true},
			{"deletecollection", group, "deviceregistrations", team, true}, // a deleted pass's: the backend forgets them
			{"create", group, "pendingwebhookevents", team, true},
			{"deletecollection", group, "pendingwebhookevents", team, true}, // a deleted pass's
			{"patch", group, "pendingwebhookevents/status", team, true},
			{"update", group, "pendingwebhookevents", team, false}, // an event does not change
			{"get", "", "configmaps", team, true},
			{"create", "", "configmaps", team, false},
			{"update", "", "configmaps", team, false},
			{"update", "coordination.k8s.io", "leases", ns, true},
			{"update", "coordination.k8s.io", "leases", team, false},
			{"create", "", "pods", team, false},
		},
		"wallet-operator-manager": {
			{"create", "", "configmaps", team, true},
			{"delete", "", "configmaps", team, true}, // its unused shared bundles
			{"create", "", "secrets", team, true},    // a generated development chain, the token key
			{"update", "", "secrets", team, false},   // never overwrites one
			{"delete", "", "secrets", team, false},
			{"update", "", "secrets", ns, true}, // the push credentials it keeps
			{"delete", "", "secrets", ns, true},
			{"create", group, "passes", team, false},
			{"update", group, "passes", team, false},
			{"patch", group, "passes", team, true}, // its void-on-delete finalizer
			{"delete", group, "passes", team, false},
			{"update", group, "passtemplates", team, false},
			{"watch", group, "passwebhooks", team, true},
			{"update", group, "passwebhooks", team, false},
			{"patch", group, "passes/status", team, true},
			{"update", group, "passes/finalizers", team, true},
			{"get", group, "deviceregistrations", team, false},
			{"delete", group, "deviceregistrations", team, false},
			{"deletecollection", group, "deviceregistrations", team, false}, // the web service's own objects
			{"create", group, "pendingwebhookevents", team, false},
			{"update", "coordination.k8s.io", "leases", ns, true},
			{"update", "coordination.k8s.io", "leases", team, false},
			{"create", "", "pods", team, false},
		},
		// Nobody: proves the API server authorizes with RBAC at all.
		"nobody": {
			{"get", "", "secrets", team, false},
		},
	}
	for sa, checks := range cases {
		for _, c := range checks {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               "system:serviceaccount:" + ns + ":" + sa,
				Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: c.verb, Group: c.group, Resource: strings.Split(c.resource, "/")[0], Subresource: subresource(c.resource), Namespace: c.namespace},
			}}
			if err := env.Client.Create(ctx, sar); err != nil {
				t.Fatal(err)
			}
			if sar.Status.Allowed != c.allowed {
				t.Errorf("%s can %s %s in %s: %v, want %v", sa, c.verb, c.resource, c.namespace, sar.Status.Allowed, c.allowed)
			}
		}
	}
}

func subresource(resource string) string {
	if _, sub, ok := strings.Cut(resource, "/"); ok {
		return sub
	}
	return ""
}

// config/argocd merges the health script into an Argo CD installation's
// argocd-cm under the keys Argo CD reads, keeping what was there.
func TestArgoCDComponentMergesHealthChecks(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	cm := find(t, render(t, "test/deploy/testdata/argocd"), "ConfigMap", "argocd-cm")
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	for _, kind := range []string{"PassCertificate", "PassTemplate", "Pass"} {
		if got := data["resource.customizations.health.passes.wallet-operator.io_"+kind]; got != string(script) {
			t.Errorf("argocd-cm has no health check for %s (or not health.lua)", kind)
		}
	}
	if data["url"] != "https://argocd.example.com" {
		t.Error("the merge lost argocd-cm's own settings")
	}
}

// Every flag the Deployments pass is one the binary knows: the rendered
// args (with $(VAR) expanded from the container's env) parse, and the URL
// they give is one the components accept outside development.
func TestDeploymentArgsAreAcceptedByTheBinary(t *testing.T) {
	commands := map[string]func() *cobra.Command{"manager": manager.Command, "webservice": wscmd.Command}
	var objs []*unstructured.Unstructured
	for _, dir := range []string{"config/default", "config/namespaced-example", "test/deploy/testdata/s3", "test/deploy/testdata/postgres", "test/deploy/testdata/google-wallet"} {
		objs = append(objs, render(t, dir)...)
	}
	for _, obj := range objs {
		if obj.GetKind() != "Deployment" {
			continue
		}
		var d appsv1.Deployment
		fromUnstructured(t, obj, &d)
		c := d.Spec.Template.Spec.Containers[0]
		vars := map[string]string{}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef != nil {
				var cm corev1.ConfigMap
				fromUnstructured(t, find(t, objs, "ConfigMap", from.ConfigMapRef.Name), &cm)
				maps.Copy(vars, cm.Data)
			}
		}
		for _, e := range c.Env {
			vars[e.Name] = e.Value
		}
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = varRef.ReplaceAllStringFunc(a, func(ref string) string { return vars[ref[2:len(ref)-1]] })
		}
		command, ok := commands[args[0]]
		if !ok {
			t.Errorf("%s runs an unknown subcommand %q", d.Name, args[0])
			continue
		}
		cmd := command()
		if err := cmd.ParseFlags(args[1:]); err != nil || len(cmd.Flags().Args()) != 0 {
			t.Errorf("%s: %s refuses its args %v: %v %v", d.Name, args[0], args[1:], err, cmd.Flags().Args())
		}
		for _, a := range args {
			if url, ok := strings.CutPrefix(a, "--webservice-url="); ok {
				if err := weburl.Check(url, false); err != nil {
					t.Errorf("%s: --webservice-url %s: %v", d.Name, url, err)
				}
			}
		}
	}
}

var varRef = regexp.MustCompile(`\$\([A-Z0-9_]+\)`)

// The namespaced install (config/namespaced-example) applies server-side,
// binds the manager's Secret rights in the watched namespaces only, and
// tells the manager which namespaces to watch.
func TestNamespacedInstall(t *testing.T) {
	ctx := context.Background()
	objs := render(t, "config/namespaced-example")
	for _, ns := range []string{"wallet-operator-system", "team-a", "team-b", "team-c"} {
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	for _, obj := range objs {
		if obj.GetKind() == "ClusterRoleBinding" && obj.GetName() == "wallet-operator-manager-secrets" {
			t.Error("the namespaced install still binds the manager's Secret rights cluster-wide")
		}
		if obj.GetKind() == "Namespace" {
			continue
		}
		if err := env.Client.Patch(ctx, obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership, client.DryRunAll); err != nil {
			t.Errorf("server-side apply of %s %s/%s refused: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
	}
	var d appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "wallet-operator-manager"), &d)
	if !slices.Contains(d.Spec.Template.Spec.Containers[0].Args, "--watch-namespaces=team-a,team-b") {
		t.Errorf("manager args %v do not name the watched namespaces", d.Spec.Template.Spec.Containers[0].Args)
	}

	// Its RBAC in a real API server: Secrets in team-a and team-b, not
	// team-c, nothing cluster-wide. The default install's binding goes for
	// this test and comes back after it.
	for _, obj := range render(t, "config/namespaced-example") {
		switch obj.GetKind() {
		case "ServiceAccount", "ClusterRole", "Role", "RoleBinding":
			if err := env.Client.Patch(ctx, obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership); err != nil {
				t.Fatalf("apply %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
		}
	}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wallet-operator-manager-secrets"}}
	if err := env.Client.Delete(ctx, crb); client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { applyRBAC(t) })
	for _, tc := range []struct {
		verb, namespace string
		allowed         bool
	}{
		{"get", "team-a", true}, {"list", "team-b", true}, {"create", "team-a", true},
		{"get", "team-c", false}, {"list", "", false}, {"update", "team-a", false}, {"delete", "team-b", false},
	} {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "system:serviceaccount:wallet-operator-system:wallet-operator-manager",
			Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:wallet-operator-system", "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: tc.verb, Resource: "secrets", Namespace: tc.namespace},
		}}
		if err := env.Client.Create(ctx, sar); err != nil {
			t.Fatal(err)
		}
		if sar.Status.Allowed != tc.allowed {
			t.Errorf("manager %s secrets in %q: allowed=%v, want %v", tc.verb, tc.namespace, sar.Status.Allowed, tc.allowed)
		}
	}
}

// Every alert's runbook_url points at a section of docs/operations.md that
// exists (its anchor, as GitHub makes it from the heading).
func TestAlertsHaveRunbooks(t *testing.T) {
	rule := find(t, render(t, "config/example-overlay"), "PrometheusRule", "wallet-operator")
	groups, _, _ := unstructured.NestedSlice(rule.Object, "spec", "groups")
	doc, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(doc), -1) {
		anchors[strings.ToLower(strings.ReplaceAll(m[1], " ", "-"))] = true
	}
	const prefix = "https://github.com/wallet-operator/wallet-operator/blob/main/docs/operations.md#"
	for _, g := range groups {
		rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
		for _, r := range rules {
			alert, _, _ := unstructured.NestedString(r.(map[string]any), "alert")
			url, _, _ := unstructured.NestedString(r.(map[string]any), "annotations", "runbook_url")
			if !strings.HasPrefix(url, prefix) || !anchors[strings.TrimPrefix(url, prefix)] {
				t.Errorf("alert %s: runbook_url %q is not a section of docs/operations.md", alert, url)
			}
		}
	}
}

// The Grafana dashboard is valid JSON whose every query parses as PromQL and
// names only metrics the binaries export (a histogram's _bucket, _sum and
// _count series included), so a renamed metric cannot blank a panel.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	cm := find(t, render(t, "config/example-overlay"), "ConfigMap", "wallet-operator-grafana-dashboard")
	if cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Errorf("the dashboard ConfigMap lacks the grafana_dashboard label the Grafana sidecar selects by: %v", cm.GetLabels())
	}
	text, _, _ := unstructured.NestedString(cm.Object, "data", "wallet-operator.json")
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(text), &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	exported := exportedMetrics(t)
	queries := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			queries++
			parsed, err := parser.ParseExpr(target.Expr)
			if err != nil {
				t.Errorf("panel %q: %v", p.Title, err)
				continue
			}
			parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
				if v, ok := node.(*parser.VectorSelector); ok {
					name := v.Name
					for _, suffix := range []string{"_bucket", "_sum", "_count"} {
						if base := strings.TrimSuffix(name, suffix); base != name && exported[base] {
							name = base
						}
					}
					if !exported[name] {
						t.Errorf("panel %q queries %s, which no binary exports", p.Title, v.Name)
					}
				}
				return nil
			})
		}
	}
	if queries < 10 {
		t.Errorf("the dashboard has %d queries", queries)
	}
}

// The NetworkPolicies (config/networkpolicy) select each component's pods
// and open only ports those pods name: the web service's device port, and
// metrics from the monitoring namespace.
func TestNetworkPoliciesSelectTheComponents(t *testing.T) {
	objs := render(t, "config/example-overlay")
	var policies []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "NetworkPolicy" || o.GetKind() == "Namespace" {
			policies = append(policies, o)
		}
	}
	dryRunApply(t, policies)
	for _, c := range []struct{ policy, deployment string }{
		{"wallet-operator-webservice", "wallet-operator-webservice"},
		{"wallet-operator-manager", "wallet-operator-manager"},
	} {
		var np networkingv1.NetworkPolicy
		fromUnstructured(t, find(t, objs, "NetworkPolicy", c.policy), &np)
		var d appsv1.Deployment
		fromUnstructured(t, find(t, objs, "Deployment", c.deployment), &d)
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("NetworkPolicy %s does not select the pods of %s", c.policy, c.deployment)
		}
		for _, rule := range np.Spec.Ingress {
			for _, p := range rule.Ports {
				if !slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.Port.String() }) {
					t.Errorf("NetworkPolicy %s opens port %s, which %s does not name", c.policy, p.Port.String(), c.deployment)
				}
			}
		}
	}
}

// The admission-policy component (Kubernetes 1.36 and later) gives every
// Pass its void-on-delete finalizer as the API server creates it, with no
// manager running: the request the manager's patch cost is saved. Without
// the policy the manager adds it (every controller test runs so).
func TestAdmissionPolicySetsThePassFinalizer(t *testing.T) {
	ctx := context.Background()
	objs := render(t, "test/deploy/testdata/admission-policy")
	if testenv.KubeOlderThan("1.36") {
		// As the README says: before 1.36 the API server has no
		// MutatingAdmissionPolicy to apply (and the manager adds the
		// finalizer, as every controller test shows).
		err := env.Client.Patch(ctx, find(t, objs, "MutatingAdmissionPolicy", "wallet-operator-pass-finalizer").DeepCopy(), client.Apply, client.FieldOwner("deploy-test"))
		if !meta.IsNoMatchError(err) {
			t.Fatalf("Kubernetes %s applied the admission policy: %v; the README says it needs 1.36", testenv.KubeVersion(), err)
		}
		return
	}
	for _, kind := range []string{"MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"} {
		obj := find(t, objs, kind, "wallet-operator-pass-finalizer").DeepCopy()
		if err := env.Client.Patch(ctx, obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership); err != nil {
			t.Fatalf("apply %s: %v", kind, err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
	}
	dryRunApply(t, objs)
	ns := env.Namespace(t)
	newPass := func(i int) *walletv1.Pass {
		return &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("admitted-%d", i)},
			Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "none"}, SerialNumber: fmt.Sprintf("admitted-%d", i)}}
	}
	var created []*walletv1.Pass
	t.Cleanup(func() {
		for _, p := range created { // no manager runs to remove it
			_ = env.Client.Patch(ctx, p, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))
			_ = env.Client.Delete(ctx, p)
		}
	})
	// The API server takes up a new policy within a second or so.
	testenv.Eventually(t, 20*time.Second, "a pass created with the policy in place has the finalizer", func() (bool, string) {
		p := newPass(len(created))
		if err := env.Client.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		created = append(created, p)
		return slices.Equal(p.Finalizers, []string{walletv1.FinalizerVoidOnDelete}), fmt.Sprintf("finalizers %v", p.Finalizers)
	})
	// A pass's own finalizers stay; the operator's is there once.
	for _, own := range [][]string{{"example.com/other"}, {walletv1.FinalizerVoidOnDelete, "example.com/other"}} {
		p := newPass(len(created))
		p.Finalizers = own
		if err := env.Client.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		created = append(created, p)
		if len(p.Finalizers) != 2 || !slices.Contains(p.Finalizers, walletv1.FinalizerVoidOnDelete) || !slices.Contains(p.Finalizers, "example.com/other") {
			t.Errorf("created with finalizers %v: %v; want its own and the operator's once", own, p.Finalizers)
		}
	}
	// Cluster-scoped, whatever namespace kustomize wrote on it.
	var policy unstructured.Unstructured
	policy.SetGroupVersionKind(find(t, objs, "MutatingAdmissionPolicy", "wallet-operator-pass-finalizer").GroupVersionKind())
	if err := env.Client.Get(ctx, client.ObjectKey{Name: "wallet-operator-pass-finalizer"}, &policy); err != nil || policy.GetNamespace() != "" {
		t.Errorf("the policy as stored: namespace %q, %v", policy.GetNamespace(), err)
	}
}
