package controllers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// A template change with a thousand passes signs each of them again
// exactly once: counted by the API server's own watch on the bundle
// ConfigMaps (each signing replaces its pass's ConfigMap once), not by the
// operator's metrics.
func TestTemplateChangeResignsEachPassOnce(t *testing.T) {
	const n = 1000
	ctx := context.Background()
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				p := testenv.Coupon(ns, fmt.Sprintf("many-%04d", i), fmt.Sprintf("many-%04d", i), i)
				if err := c.Create(ctx, p); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	tpl := &walletv1.PassTemplate{}
	of := client.MatchingLabels{walletv1.LabelTemplate: "coffee-coupon", walletv1.LabelPart: walletv1.PartPass}
	testenv.Eventually(t, 2*time.Minute, "every coupon signed", func() (bool, string) {
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, tpl); err != nil {
			return false, err.Error()
		}
		return tpl.Status.Passes >= n && tpl.Status.ReadyPasses == tpl.Status.Passes, fmt.Sprintf("%d of %d Ready", tpl.Status.ReadyPasses, tpl.Status.Passes)
	})
	var bundles corev1.ConfigMapList
	if err := c.List(ctx, &bundles, client.InNamespace(ns), of); err != nil {
		t.Fatal(err)
	}
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	w, err := wc.Watch(ctx, &corev1.ConfigMapList{}, client.InNamespace(ns), of, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: bundles.ResourceVersion}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.OrganizationName = "Corner Coffee & Co" })
	signed := map[string]int{}
	quiet := time.NewTimer(2 * time.Minute)
	for done := false; !done; {
		select {
		case ev := <-w.ResultChan():
			if ev.Type == watch.Error {
				t.Fatalf("watch: %+v", ev.Object)
			}
			if ev.Type == watch.Modified {
				signed[ev.Object.(*corev1.ConfigMap).Name]++
			}
			if len(signed) == len(bundles.Items) {
				quiet.Reset(5 * time.Second) // any second signing shows by then
			}
		case <-quiet.C:
			done = true
		}
	}
	twice := 0
	for _, count := range signed {
		if count > 1 {
			twice++
		}
	}
	if len(signed) != len(bundles.Items) || twice > 0 {
		t.Errorf("after the template change, %d of %d passes were signed again, %d of them more than once", len(signed), len(bundles.Items), twice)
	}
}
