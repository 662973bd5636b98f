package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// GetConditions and SetObservedGeneration let one status helper serve every
// kind a reconciler owns.

// GetConditions returns the certificate's conditions.
func (c *PassCertificate) GetConditions() []metav1.Condition { return c.Status.Conditions }

// SetObservedGeneration records the generation the status describes.
func (c *PassCertificate) SetObservedGeneration(g int64) { c.Status.ObservedGeneration = g }

// GetConditions returns the template's conditions.
func (t *PassTemplate) GetConditions() []metav1.Condition { return t.Status.Conditions }

// SetObservedGeneration records the generation the status describes.
func (t *PassTemplate) SetObservedGeneration(g int64) { t.Status.ObservedGeneration = g }

// GetConditions returns the pass's conditions.
func (p *Pass) GetConditions() []metav1.Condition { return p.Status.Conditions }

// SetObservedGeneration records the generation the status describes.
func (p *Pass) SetObservedGeneration(g int64) { p.Status.ObservedGeneration = g }
