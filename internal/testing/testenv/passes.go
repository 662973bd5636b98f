package testenv

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Pass reads a pass from the API server, as a user would.
func (e *Env) Pass(t testing.TB, ns, name string) *walletv1.Pass {
	t.Helper()
	p := &walletv1.Pass{}
	if err := e.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// SetPassData changes a pass's data, retrying when a controller wrote
// first.
func (e *Env) SetPassData(t testing.TB, ns, name, data string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p := e.Pass(t, ns, name)
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(data)}
		return e.Client.Update(context.Background(), p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Coupon is a pass of the coffee-coupon sample template with data of its
// own (i picks the discount and a valid EAN-13): the pass load runs and
// tests make by the thousand.
func Coupon(ns, name, serial string, i int) *walletv1.Pass {
	return &walletv1.Pass{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: walletv1.PassSpec{
			TemplateRef: walletv1.LocalObjectReference{Name: "coffee-coupon"}, SerialNumber: serial,
			Data: &apiextensionsv1.JSON{Raw: fmt.Appendf(nil, `{"product":"Flat white","discount":0.%d,"ean":"%s"}`, i%9+1, EAN13(i))},
		},
	}
}

// EAN13 is a valid EAN-13 (its check digit computed) numbered i.
func EAN13(i int) string {
	digits := fmt.Sprintf("4006%08d", i)
	sum := 0
	for k, d := range digits {
		w := 1
		if k%2 == 1 {
			w = 3
		}
		sum += int(d-'0') * w
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}
