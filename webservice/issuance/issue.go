package issuance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// DefaultLimit is how many passes a template's issue links create when
// spec.distribution.limit is not set.
const DefaultLimit = 1000

// Limit is how many passes tpl's issue links hand out.
func Limit(tpl *walletv1.PassTemplate) int {
	if d := tpl.Spec.Distribution; d != nil && d.Limit != nil {
		return int(*d.Limit)
	}
	return DefaultLimit
}

var (
	// ErrLimitReached: every pass of the link has been handed out.
	ErrLimitReached = errors.New("issue limit reached")
	// ErrSlotsBusy: other replicas took every slot tried; try again.
	ErrSlotsBusy = errors.New("every slot tried was taken")
)

// slotTries bounds the creates one visit makes: a slot the cache thought
// free may have been taken by another replica an instant before.
const slotTries = 4

// Issue creates the next pass of a template's issue link, exactly within
// limit across replicas: it creates the pass of the lowest slot this
// replica believes free, and on AlreadyExists tries the next, a few times
// at most. The pass gets a random serial number and the data schema's
// defaults.
func (s *Slots) Issue(ctx context.Context, c client.Client, tpl *walletv1.PassTemplate, limit int) (*walletv1.Pass, error) {
	serial := randomHex(10)
	for range slotTries {
		slot := s.Reserve(tpl.Namespace, tpl.Name, limit)
		if slot == 0 {
			return nil, ErrLimitReached
		}
		p := &walletv1.Pass{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: tpl.Namespace, Name: PassName(tpl.Name, slot),
				Labels: map[string]string{walletv1.LabelIssuedBy: walletv1.LabelValue(tpl.Name)},
			},
			Spec: walletv1.PassSpec{
				TemplateRef:  walletv1.LocalObjectReference{Name: tpl.Name},
				SerialNumber: serial,
				Data:         &apiextensionsv1.JSON{Raw: schemaDefaults(tpl)},
			},
		}
		err := c.Create(ctx, p)
		if err == nil {
			return p, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			s.Release(tpl.Namespace, tpl.Name, slot)
			return nil, err
		}
	}
	return nil, ErrSlotsBusy
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// schemaDefaults is an object of the top-level defaults of the template's
// data schema: what an issued pass starts with.
func schemaDefaults(tpl *walletv1.PassTemplate) []byte {
	out := map[string]any{}
	if tpl.Spec.DataSchema != nil {
		var schema struct {
			Properties map[string]struct {
				Default any `json:"default"`
			} `json:"properties"`
		}
		if json.Unmarshal(tpl.Spec.DataSchema.Raw, &schema) == nil {
			for k, p := range schema.Properties {
				if p.Default != nil {
					out[k] = p.Default
				}
			}
		}
	}
	b, _ := json.Marshal(out)
	return b
}
