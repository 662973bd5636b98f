package deploy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/cmd/manager"
	wscmd "github.com/wallet-operator/wallet-operator/internal/cmd/webservice"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/webhooks"
)

const operatorNS = "wallet-operator-system"

// applyRBAC applies the rendered namespace, service accounts and roles.
func applyRBAC(t *testing.T) {
	t.Helper()
	for _, obj := range render(t, "config/default") {
		switch obj.GetKind() {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			if err := env.Client.Patch(context.Background(), obj, client.Apply, client.FieldOwner("deploy-test"), client.ForceOwnership); err != nil {
				t.Fatalf("apply %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
		}
	}
}

// kubeconfigAs writes a kubeconfig that acts as a component's service
// account, as its pod would.
func kubeconfigAs(t *testing.T, serviceAccount string) string {
	t.Helper()
	dir := t.TempDir()
	path := env.Kubeconfig(t, dir)
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range cfg.AuthInfos {
		auth.Impersonate = "system:serviceaccount:" + operatorNS + ":" + serviceAccount
		auth.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + operatorNS, "system:authenticated"}
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// The manager and the web service do their work with nothing but the
// permissions config/default grants them: the web service waits for the
// token key the manager creates, the samples become Ready, a download is
// served, a device registers, and a change is pushed with the certificate
// the web service may only read from the manager's copy.
func TestComponentsRunWithTheirOwnRBAC(t *testing.T) {
	applyRBAC(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "http://" + addr + "/passes"

	apns := apnstest.Start()
	defer apns.Close()
	caFile := filepath.Join(t.TempDir(), "apns-ca.pem")
	if err := os.WriteFile(caFile, apns.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	// Both components' logs, to show that a sign-up's personal data never
	// reaches them.
	var logs testenv.SyncBuffer
	hook := newWebhookReceiver(t)
	allowLoopback := webhooks.DefaultOptions
	allowLoopback.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

	ctx, cancel := context.WithCancel(context.Background())
	webDone, mgrDone := make(chan error, 1), make(chan error, 1)
	defer func() { cancel(); <-webDone; <-mgrDone }()

	// The web service first: it may not create the token key, so it waits.
	go func() {
		webDone <- wscmd.Run(ctx, wscmd.Options{
			Listen: addr, Kubeconfig: kubeconfigAs(t, "wallet-operator-webservice"),
			WebService:         app.WebService{WebServiceURL: url, Development: true, RequestsPerSecond: 100, Burst: 100, Webhooks: allowLoopback, OutboxPoll: 100 * time.Millisecond},
			MetricsBindAddress: "0", HealthProbeBindAddress: "0", LeaderElect: true, LeaderElectionNS: operatorNS,
			OperatorNamespace: operatorNS, TokenKeySecret: "wallet-operator-token-key", APNsURL: apns.URL(), APNsCA: caFile,
			Zap: zap.Options{DestWriter: &logs},
		})
	}()
	time.Sleep(3 * time.Second)
	select {
	case err := <-webDone:
		t.Fatalf("the web service gave up before the manager created the token key: %v", err)
	default:
	}
	go func() {
		mgrDone <- manager.Run(ctx, manager.Options{
			Kubeconfig: kubeconfigAs(t, "wallet-operator-manager"), MetricsBindAddress: "0", HealthProbeBindAddress: "0",
			LeaderElect: true, LeaderElectionNamespace: operatorNS, WebServiceURL: url, Development: true,
			OperatorNamespace: operatorNS, TokenKeySecret: "wallet-operator-token-key", QPS: 100, Burst: 200, PassWorkers: 2, TemplateWorkers: 1,
			Zap: zap.Options{DestWriter: &logs},
		})
	}()

	ns, _, _ := env.ApplySamples(t)
	var passes walletv1.PassList
	testenv.Eventually(t, 2*time.Minute, "every sample pass Ready under the manager's RBAC", func() (bool, string) {
		select {
		case err := <-mgrDone:
			t.Fatalf("the manager stopped: %v", err)
		case err := <-webDone:
			t.Fatalf("the web service stopped: %v", err)
		default:
		}
		if err := env.Client.List(ctx, &passes, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for _, p := range passes.Items {
			if !status.IsReady(p.Status.Conditions, p.Generation) {
				return false, p.Name + " not Ready"
			}
		}
		return len(passes.Items) == 10, fmt.Sprintf("%d passes", len(passes.Items))
	})

	var p walletv1.Pass
	for _, item := range passes.Items {
		if item.Name == "member-tom" {
			p = item
		}
	}
	testenv.Eventually(t, time.Minute, "a download served under the web service's RBAC", func() (bool, string) {
		resp, err := http.Get(p.Status.DownloadURL + "?format=pkpass")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && resp.Header.Get("Content-Type") == "application/vnd.apple.pkpass", fmt.Sprint(resp.StatusCode, " ", string(body))
	})

	var s corev1.Secret
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: "wallet-operator-token-key"}, &s); err != nil {
		t.Fatal(err)
	}
	key := tokens.Key(s.Data[tokens.SecretKey])
	pt := p.Status.PassTypeIdentifier
	req, _ := http.NewRequest("POST", url+"/v1/devices/"+apnstest.DeviceID("rbac-phone")+"/registrations/"+pt+"/"+p.Spec.SerialNumber, strings.NewReader(`{"pushToken":"`+apnstest.Token("rbac")+`"}`))
	req.Header.Set("Authorization", "ApplePass "+key.Authentication(p.Namespace, pt, p.Spec.SerialNumber))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("device registration under the web service's RBAC: %d", resp.StatusCode)
	}
	testenv.Eventually(t, time.Minute, "registeredDevices counted by the elected web service", func() (bool, string) {
		var got walletv1.Pass
		_ = env.Client.Get(ctx, client.ObjectKeyFromObject(&p), &got)
		return got.Status.RegisteredDevices == 1, fmt.Sprint(got.Status.RegisteredDevices)
	})

	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var got walletv1.Pass
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(&p), &got); err != nil {
			return err
		}
		got.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"name": "Tom Berg", "since": "2025-09-15T00:00:00Z", "plan": "yearly"}`)}
		return env.Client.Update(ctx, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the device pushed with the pass's certificate", func() (bool, string) {
		for _, push := range apns.Pushes() {
			if push.Token == apnstest.Token("rbac") && push.Topic == pt {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d pushes, none to the device", len(apns.Pushes()))
	})

	// Deleting the token key changes nothing for devices: the manager
	// restores it with the same key (under its own RBAC), and the device's
	// token keeps working.
	if err := env.Client.Delete(ctx, &s); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the token key restored with the same key", func() (bool, string) {
		var got corev1.Secret
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(&s), &got)
		return err == nil && string(got.Data[tokens.SecretKey]) == string(key), fmt.Sprint(err)
	})
	req, _ = http.NewRequest("POST", url+"/v1/devices/"+apnstest.DeviceID("rbac-phone-2")+"/registrations/"+pt+"/"+p.Spec.SerialNumber, strings.NewReader(`{"pushToken":"`+apnstest.Token("rbac-2")+`"}`))
	req.Header.Set("Authorization", "ApplePass "+key.Authentication(p.Namespace, pt, p.Spec.SerialNumber))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("a device registration after the token key was deleted: %d", resp.StatusCode)
	}

	t.Run("rewards sign-up", func(t *testing.T) { rewardsSignUp(t, ctx, url, key, hook, &logs) })
}

// The teams' roles: wallet-operator-view and -edit carry the labels the API
// server's own view, edit and admin roles aggregate (read from those roles
// here: this API server has no aggregation controller to merge them), and
// grant what they say, as does the example Role of an application backend
// (config/rbac/examples). DeviceRegistrations, which hold device
// identifiers and push tokens, are in none.
func TestTeamRolesGrantWhatTheySay(t *testing.T) {
	ctx := context.Background()
	applyRBAC(t)
	aggregatedInto := func(role string) []string {
		var cr rbacv1.ClusterRole
		if err := env.Client.Get(ctx, client.ObjectKey{Name: role}, &cr); err != nil {
			t.Fatal(err)
		}
		var into []string
		for _, builtin := range []string{"view", "edit", "admin"} {
			var b rbacv1.ClusterRole
			if err := env.Client.Get(ctx, client.ObjectKey{Name: builtin}, &b); err != nil {
				t.Fatal(err)
			}
			for _, sel := range b.AggregationRule.ClusterRoleSelectors {
				s, err := metav1.LabelSelectorAsSelector(&sel)
				if err != nil {
					t.Fatal(err)
				}
				if s.Matches(labels.Set(cr.Labels)) {
					into = append(into, builtin)
					break
				}
			}
		}
		return into
	}
	if got := aggregatedInto("wallet-operator-view"); !slices.Equal(got, []string{"view", "edit", "admin"}) {
		t.Errorf("wallet-operator-view aggregates into %v, want view, edit and admin", got)
	}
	if got := aggregatedInto("wallet-operator-edit"); !slices.Equal(got, []string{"edit", "admin"}) {
		t.Errorf("wallet-operator-edit aggregates into %v, want edit and admin", got)
	}

	team := env.Namespace(t)
	bind := func(name, kind, role, user string) {
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: team, Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: kind, Name: role},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
		if err := env.Client.Create(ctx, rb); err != nil {
			t.Fatal(err)
		}
	}
	bind("viewer", "ClusterRole", "wallet-operator-view", "viewer")
	// A user with edit has both, as Kubernetes' edit aggregates both.
	bind("editor-view", "ClusterRole", "wallet-operator-view", "editor")
	bind("editor-edit", "ClusterRole", "wallet-operator-edit", "editor")
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "examples", "app-backend.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var issuer rbacv1.Role
	if err := yaml.UnmarshalStrict(data, &issuer); err != nil {
		t.Fatal(err)
	}
	issuer.Namespace = team
	if err := env.Client.Create(ctx, &issuer); err != nil {
		t.Fatal(err)
	}
	bind("backend", "Role", issuer.Name, "backend")

	const group = "passes.wallet-operator.io"
	// The API server's authorizer reads Roles and bindings from its own
	// informers: each user's bindings are in force once one thing every
	// user may do is allowed (then every check below asks once).
	for _, user := range []string{"viewer", "editor", "backend"} {
		testenv.Eventually(t, 10*time.Second, user+"'s bindings in force", func() (bool, string) {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "get", Group: group, Resource: "passes", Namespace: team}}}
			if err := env.Client.Create(ctx, sar); err != nil {
				return false, err.Error()
			}
			return sar.Status.Allowed, sar.Status.Reason
		})
	}
	for user, checks := range map[string][]struct {
		verb, group, resource string
		allowed               bool
	}{
		"viewer": {{"get", group, "passes", true}, {"list", group, "passtemplates", true}, {"watch", group, "passcertificates", true},
			{"create", group, "passes", false}, {"update", group, "passtemplates", false}, {"delete", group, "passes", false},
			{"get", group, "deviceregistrations", false}, {"get", "", "secrets", false}},
		"editor": {{"create", group, "passes", true}, {"update", group, "passtemplates", true}, {"delete", group, "passcertificates", true},
			{"deletecollection", group, "passes", true}, {"get", group, "passes", true},
			{"get", group, "deviceregistrations", false}, {"update", group, "passes/status", false}, {"get", "", "secrets", false}},
		"backend": {{"create", group, "passes", true}, {"patch", group, "passes", true}, {"get", group, "passes/status", true}, {"get", group, "passtemplates", true},
			{"delete", group, "passes", false}, {"update", group, "passes/status", false}, {"create", group, "passtemplates", false},
			{"get", group, "passcertificates", false}, {"get", group, "deviceregistrations", false}, {"get", "", "secrets", false}},
	} {
		for _, c := range checks {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: c.verb, Group: c.group, Resource: strings.Split(c.resource, "/")[0], Subresource: subresource(c.resource), Namespace: team}}}
			if err := env.Client.Create(ctx, sar); err != nil {
				t.Fatal(err)
			}
			if sar.Status.Allowed != c.allowed {
				t.Errorf("%s can %s %s: %v, want %v", user, c.verb, c.resource, sar.Status.Allowed, c.allowed)
			}
		}
	}
}
