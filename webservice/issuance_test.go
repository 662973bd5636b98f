package webservice_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// creatingManager is the test manager whose client counts the creates
// the web service makes.
type creatingManager struct {
	manager.Manager
	creates *atomic.Int64
}

func (m creatingManager) GetClient() client.Client {
	return creatingClient{m.Manager.GetClient(), m.creates}
}

type creatingClient struct {
	client.Client
	creates *atomic.Int64
}

func (c creatingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.creates.Add(1)
	return c.Client.Create(ctx, obj, opts...)
}

// issueServer is a web service without client limits whose creates are
// counted.
func issueServer(t *testing.T) (http.Handler, *atomic.Int64) {
	t.Helper()
	creates := &atomic.Int64{}
	o := webservice.Options{}
	o.WebServiceURL, o.Development, o.Tokens = baseURL, true, key
	o.RequestsPerSecond, o.Burst, o.IssueRatePerMinute = 1e6, 1e6, 1e6
	srv, err := webservice.New(creatingManager{mgr, creates}, testStore(), o)
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler(), creates
}

// fillSlots creates the passes of slots from..to of a template's issue
// link directly (data the schema refuses, so the controllers sign none).
func fillSlots(t *testing.T, ns, template string, from, to int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for slot := range next {
				p := &walletv1.Pass{
					ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-issued-%d", template, slot), Labels: map[string]string{walletv1.LabelIssuedBy: template}},
					Spec:       walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: template}, SerialNumber: fmt.Sprintf("%s-slot-%d", template, slot), Data: &apiextensionsv1.JSON{Raw: []byte(`{}`)}},
				}
				if err := c.Create(context.Background(), p); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for slot := from; slot <= to; slot++ {
		next <- slot
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// issuedInCache waits until the manager's cache (the informer the web
// service counts from) holds n passes issued by the template.
func issuedInCache(t *testing.T, ns, template string, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d issued passes of %s seen", n, template), func() (bool, string) {
		var list walletv1.PassList
		if err := mgr.GetCache().List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{walletv1.LabelIssuedBy: template}); err != nil {
			return false, err.Error()
		}
		return len(list.Items) == n, fmt.Sprint(len(list.Items))
	})
}

// issuePath is the path of the template's issue link once it is Ready
// with the given limit.
func issuePath(t *testing.T, ns, template string, limit int32) string {
	t.Helper()
	tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: template}}
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Distribution.Limit = &limit })
	eventually(t, "issue URL published", func() (bool, string) {
		_ = c.Get(context.Background(), client.ObjectKeyFromObject(tpl), tpl)
		return tpl.Status.IssueURL != "" && status.IsReady(tpl.Status.Conditions, tpl.Generation), ""
	})
	u, err := url.Parse(tpl.Status.IssueURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// A visit to a used-up issue link costs the same whatever the number of
// passes the link issued: the answer is counted, not listed (issue 26,
// item 2; each visit deep-copied every issued pass before).
func TestIssueLinkCostIsIndependentOfIssued(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	// A second template like the coupon, whose link issued one pass.
	var coupon walletv1.PassTemplate
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, &coupon); err != nil {
		t.Fatal(err)
	}
	small := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "small-coupon"}, Spec: *coupon.Spec.DeepCopy()}
	if err := c.Create(context.Background(), small); err != nil {
		t.Fatal(err)
	}
	const many = 500
	fillSlots(t, ns, "coffee-coupon", 1, many)
	fillSlots(t, ns, "small-coupon", 1, 1)
	bigLink, smallLink := issuePath(t, ns, "coffee-coupon", many), issuePath(t, ns, "small-coupon", 1)
	issuedInCache(t, ns, "coffee-coupon", many)
	issuedInCache(t, ns, "small-coupon", 1)

	h, creates := issueServer(t)
	allocs := func(link string) float64 {
		return testing.AllocsPerRun(200, func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", link, nil))
			if rec.Code != http.StatusGone {
				t.Fatalf("a used-up issue link: %d %s", rec.Code, rec.Body)
			}
		})
	}
	eventually(t, "the web service counts every issued pass", func() (bool, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", bigLink, nil))
		return rec.Code == http.StatusGone, fmt.Sprint(rec.Code)
	})
	base, big := allocs(smallLink), allocs(bigLink)
	t.Logf("allocations per visit: %.0f with 1 pass issued, %.0f with %d", base, big, many)
	if big > base+50 {
		t.Errorf("a visit to a link that issued %d passes allocates %.0f times, one that issued 1: %.0f", many, big, base)
	}
	if n := creates.Load(); n != 0 {
		t.Errorf("visits to used-up links made %d creates", n)
	}
}

// A visit finds a free slot in a few creates: 40 slots filled and the
// first 20 emptied, the next visit takes slot 1 at once (it tried the 20
// taken slots after the count first: 21 creates).
func TestIssueLinkFindsAFreeSlotAtOnce(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	link := issuePath(t, ns, "coffee-coupon", 40)
	fillSlots(t, ns, "coffee-coupon", 1, 40)
	for slot := 1; slot <= 20; slot++ {
		p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("coffee-coupon-issued-%d", slot)}}
		if err := c.Delete(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	issuedInCache(t, ns, "coffee-coupon", 20)

	h, creates := issueServer(t)
	var rec *httptest.ResponseRecorder
	eventually(t, "the new server has counted the passes", func() (bool, string) {
		rec = httptest.NewRecorder() // answered 503 until then, without a create
		h.ServeHTTP(rec, httptest.NewRequest("GET", link, nil))
		return rec.Code != http.StatusServiceUnavailable, ""
	})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("a visit with 20 free slots: %d %s", rec.Code, rec.Body)
	}
	if n := creates.Load(); n > 2 {
		t.Errorf("one visit made %d creates to find a free slot", n)
	}
	var p walletv1.Pass
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "coffee-coupon-issued-1"}, &p); err != nil {
		t.Errorf("the lowest free slot was not taken: %v", err)
	}
}
