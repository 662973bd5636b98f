// Package stats counts what each template's links served (downloads and
// previews, by the ?tag= of the link) and adds the counts to the template's
// status at an interval: one status write per template per interval per
// replica, however many passes are opened.
package stats

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

var distributionTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_template_distribution_total",
	Help: "Downloads (.pkpass through download links) and previews (the page other browsers get) by template and ?tag= (tags the template lists; other; untagged).",
}, []string{"namespace", "template", "kind", "tag"})

func init() { metrics.Registry.MustRegister(distributionTotal) }

// Kinds of distribution a template's status counts.
const (
	KindDownload = "download"
	KindPreview  = "preview"
	// Untagged counts links opened without a ?tag=.
	Untagged = "untagged"
	// maxTagsCounted bounds the ?tag= values one request counts.
	maxTagsCounted = 8
)

// Recorder counts each template's downloads and previews by tag and adds
// them to its status every interval. It is a manager Runnable every replica
// runs.
type Recorder struct {
	client   client.Client // writes
	api      client.Reader // the template as it is now (the patch is checked against it)
	interval time.Duration

	mu      sync.Mutex
	pending map[client.ObjectKey]*templateCounts
}

type templateCounts struct{ downloads, previews map[string]int64 }

// New returns a Recorder writing through c every interval, reading
// templates afresh through api.
func New(c client.Client, api client.Reader, interval time.Duration) *Recorder {
	return &Recorder{client: c, api: api, interval: interval, pending: map[client.ObjectKey]*templateCounts{}}
}

// TrackedTags are the metric and status keys of a link's ?tag= values: each
// distinct value the template lists, "other" for the rest, "untagged"
// without one.
func TrackedTags(tpl *walletv1.PassTemplate, values []string) []string {
	if len(values) == 0 {
		return []string{Untagged}
	}
	var out []string
	for _, v := range values[:min(len(values), maxTagsCounted)] {
		tag := "other"
		if tpl != nil && tpl.Spec.Distribution != nil && slices.Contains(tpl.Spec.Distribution.Tags, v) {
			tag = v
		}
		if !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out
}

// Count adds one download or preview of a pass of the template.
func (d *Recorder) Count(namespace, template, kind string, tags []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := client.ObjectKey{Namespace: namespace, Name: template}
	c := d.pending[key]
	if c == nil {
		c = &templateCounts{downloads: map[string]int64{}, previews: map[string]int64{}}
		d.pending[key] = c
	}
	for _, tag := range tags {
		distributionTotal.WithLabelValues(namespace, template, kind, tag).Inc()
		if kind == KindPreview {
			c.previews[tag]++
		} else {
			c.downloads[tag]++
		}
	}
}

// Start flushes every interval, and once more when stopping.
func (d *Recorder) Start(ctx context.Context) error {
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.flush(ctx)
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			d.flush(stop)
			return nil
		}
	}
}

// NeedLeaderElection is false: every replica counts what it served.
func (*Recorder) NeedLeaderElection() bool { return false }

// flush adds the pending counts to each template's status; what could not
// be written waits for the next flush.
func (d *Recorder) flush(ctx context.Context) {
	d.mu.Lock()
	pending := d.pending
	d.pending = map[client.ObjectKey]*templateCounts{}
	d.mu.Unlock()
	for key, c := range pending {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			tpl := &walletv1.PassTemplate{}
			if err := d.api.Get(ctx, key, tpl); err != nil {
				return err
			}
			before := tpl.DeepCopy()
			tpl.Status.Downloads = added(tpl.Status.Downloads, c.downloads)
			tpl.Status.Previews = added(tpl.Status.Previews, c.previews)
			return status.DownloadStats.Patch(ctx, d.client, tpl, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		})
		if err != nil && client.IgnoreNotFound(err) != nil {
			d.requeue(key, c)
		}
	}
}

func (d *Recorder) requeue(key client.ObjectKey, c *templateCounts) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p := d.pending[key]; p != nil {
		c.downloads, c.previews = added(c.downloads, p.downloads), added(c.previews, p.previews)
	}
	d.pending[key] = c
}

func added(total, more map[string]int64) map[string]int64 {
	if len(more) == 0 {
		return total
	}
	out := make(map[string]int64, len(total)+len(more))
	for k, v := range total {
		out[k] = v
	}
	for k, v := range more {
		out[k] += v
	}
	return out
}
