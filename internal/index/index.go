// Package index holds every field index the components register with
// their informer caches, under one naming scheme: "<kind>.<what it is
// indexed by>", the path of a field where there is one. A component
// registers the indexes it reads (Register); an index two components of
// one process both need is registered once.
package index

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
)

// Index is a field index: the kind it indexes, its name, and the values an
// object is found by.
type Index struct {
	Object client.Object
	Name   string
	Values client.IndexerFunc
}

// The indexes of Passes.
var (
	// PassTemplate: by spec.templateRef.name.
	PassTemplate = Index{&walletv1.Pass{}, "pass.spec.templateRef.name", func(o client.Object) []string {
		return []string{o.(*walletv1.Pass).Spec.TemplateRef.Name}
	}}
	// PassSerial: by spec.serialNumber.
	PassSerial = Index{&walletv1.Pass{}, "pass.spec.serialNumber", func(o client.Object) []string {
		return []string{o.(*walletv1.Pass).Spec.SerialNumber}
	}}
	// PassBarcode: by the barcode message of the signed bundle
	// (status.barcode.message): what a gate scanner reads.
	PassBarcode = Index{&walletv1.Pass{}, "pass.status.barcode.message", func(o client.Object) []string {
		if b := o.(*walletv1.Pass).Status.Barcode; b != nil && b.Message != "" {
			return []string{b.Message}
		}
		return nil
	}}
	// PassImageConfigMaps and PassImageSecrets: by the ConfigMaps and
	// Secrets their image overrides read.
	PassImageConfigMaps = Index{&walletv1.Pass{}, "pass.spec.images.configMapKeyRef.name", func(o client.Object) []string {
		return imageSources(o.(*walletv1.Pass).Spec.Images, false)
	}}
	PassImageSecrets = Index{&walletv1.Pass{}, "pass.spec.images.secretKeyRef.name", func(o client.Object) []string {
		return imageSources(o.(*walletv1.Pass).Spec.Images, true)
	}}
	// PassTypeSerial: by the pass type its bundle is signed for (not the
	// one its template names now: a pass only ever answers with a bundle
	// signed for the pass type asked for) and its serial number
	// (PassTypeSerialKey).
	PassTypeSerial = Index{&walletv1.Pass{}, "pass.status.bundle.passTypeIdentifier+spec.serialNumber", func(o client.Object) []string {
		p := o.(*walletv1.Pass)
		if p.Status.Bundle == nil || p.Status.Bundle.PassTypeIdentifier == "" {
			return nil
		}
		return []string{PassTypeSerialKey(p.Status.Bundle.PassTypeIdentifier, p.Spec.SerialNumber)}
	}}
	// PassGoogleObject: by status.googleWallet.objectID.
	PassGoogleObject = Index{&walletv1.Pass{}, "pass.status.googleWallet.objectID", func(o client.Object) []string {
		if g := o.(*walletv1.Pass).Status.GoogleWallet; g != nil && g.ObjectID != "" {
			return []string{g.ObjectID}
		}
		return nil
	}}
)

// The indexes of PassTemplates.
var (
	// TemplateCertificate: by spec.certificateRef.name.
	TemplateCertificate = Index{&walletv1.PassTemplate{}, "passtemplate.spec.certificateRef.name", func(o client.Object) []string {
		return []string{o.(*walletv1.PassTemplate).Spec.CertificateRef.Name}
	}}
	// TemplateImageConfigMaps and TemplateImageSecrets: by the ConfigMaps
	// and Secrets their images (and their NFC terminal key) read.
	TemplateImageConfigMaps = Index{&walletv1.PassTemplate{}, "passtemplate.spec.images.configMapKeyRef.name", func(o client.Object) []string {
		return imageSources(sourcesOf(o.(*walletv1.PassTemplate)), false)
	}}
	TemplateImageSecrets = Index{&walletv1.PassTemplate{}, "passtemplate.spec.images.secretKeyRef.name", func(o client.Object) []string {
		return imageSources(sourcesOf(o.(*walletv1.PassTemplate)), true)
	}}
	// TemplateWebhookSecrets: by the Secrets holding their webhooks' API
	// keys.
	// TemplateGoogleClass: by the Google Wallet class ID the template's
	// class has (googlewallet.ClassID), cluster-wide: one template owns a
	// class.
	TemplateGoogleClass = Index{&walletv1.PassTemplate{}, "passtemplate.googleWallet.classID", func(o client.Object) []string {
		if tpl := o.(*walletv1.PassTemplate); tpl.Spec.GoogleWallet != nil {
			return []string{googlewallet.ClassID(tpl)}
		}
		return nil
	}}
	TemplateWebhookSecrets = Index{&walletv1.PassTemplate{}, "passtemplate.spec.webhooks.apiKeySecretRef.name", func(o client.Object) []string {
		var names []string
		for _, h := range o.(*walletv1.PassTemplate).Spec.Webhooks {
			if h.APIKeySecretRef != nil {
				names = append(names, h.APIKeySecretRef.Name)
			}
		}
		slices.Sort(names)
		return slices.Compact(names)
	}}
	// TemplateScannerKeySecrets: by the Secrets holding their gate
	// scanners' keys.
	TemplateScannerKeySecrets = Index{&walletv1.PassTemplate{}, "passtemplate.spec.checkIn.scannerKeySecretRefs.name", func(o client.Object) []string {
		var names []string
		if c := o.(*walletv1.PassTemplate).Spec.CheckIn; c != nil {
			for _, ref := range c.ScannerKeySecretRefs {
				names = append(names, ref.Name)
			}
		}
		return names // unique: a list map by name
	}}
)

// The indexes of PassCertificates.
var (
	// CertificatePassType: by the pass type identifier read from their
	// certificate (status.passTypeIdentifier), across namespaces.
	CertificatePassType = Index{&walletv1.PassCertificate{}, "passcertificate.status.passTypeIdentifier", func(o client.Object) []string {
		if pt := o.(*walletv1.PassCertificate).Status.PassTypeIdentifier; pt != "" {
			return []string{pt}
		}
		return nil
	}}
	// CertificateSecret: by spec.secretRef.name.
	CertificateSecret = Index{&walletv1.PassCertificate{}, "passcertificate.spec.secretRef.name", func(o client.Object) []string {
		return []string{o.(*walletv1.PassCertificate).Spec.SecretRef.Name}
	}}
)

// The indexes of DeviceRegistrations.
var (
	// RegistrationPass: by the Pass they belong to (spec.passName).
	RegistrationPass = Index{&walletv1.DeviceRegistration{}, "deviceregistration.spec.passName", func(o client.Object) []string {
		return []string{o.(*walletv1.DeviceRegistration).Spec.PassName}
	}}
	// RegistrationDevicePassType: by device and pass type
	// (DevicePassTypeKey).
	RegistrationDevicePassType = Index{&walletv1.DeviceRegistration{}, "deviceregistration.spec.deviceLibraryIdentifier+passTypeIdentifier", func(o client.Object) []string {
		r := o.(*walletv1.DeviceRegistration)
		return []string{DevicePassTypeKey(r.Spec.DeviceLibraryIdentifier, r.Spec.PassTypeIdentifier)}
	}}
)

// PassTypeSerialKey is PassTypeSerial's value of a pass type and serial.
func PassTypeSerialKey(passType, serial string) string { return passType + "\x00" + serial }

// DevicePassTypeKey is RegistrationDevicePassType's value of a device and
// pass type.
func DevicePassTypeKey(device, passType string) string { return device + "\x00" + passType }

// sourcesOf are the ConfigMap and Secret keys a template's shared files
// are made from: its images, and its NFC terminal key.
func sourcesOf(tpl *walletv1.PassTemplate) []walletv1.Image {
	images := tpl.Spec.Images
	if n := tpl.Spec.NFC; n != nil {
		images = append(slices.Clip(images), walletv1.Image{ConfigMapKeyRef: n.EncryptionPublicKey.ConfigMapKeyRef, SecretKeyRef: n.EncryptionPublicKey.SecretKeyRef})
	}
	return images
}

func imageSources(images []walletv1.Image, secrets bool) []string {
	var names []string
	for _, img := range images {
		switch {
		case secrets && img.SecretKeyRef != nil:
			names = append(names, img.SecretKeyRef.Name)
		case !secrets && img.ConfigMapKeyRef != nil:
			names = append(names, img.ConfigMapKeyRef.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// registered remembers, per cache, the indexes registered with it: the
// manager and the web service in one process (the demo, tests) share one.
var registered sync.Map // client.FieldIndexer -> *sync.Map of names

// Register registers indexes with mgr's cache; one already registered
// there is skipped.
func Register(ctx context.Context, mgr manager.Manager, indexes ...Index) error {
	indexer := mgr.GetFieldIndexer()
	names, _ := registered.LoadOrStore(indexer, &sync.Map{})
	for _, i := range indexes {
		if _, done := names.(*sync.Map).LoadOrStore(i.Name, true); done {
			continue
		}
		if err := indexer.IndexField(ctx, i.Object, i.Name, i.Values); err != nil {
			names.(*sync.Map).Delete(i.Name)
			return fmt.Errorf("index %s: %w", i.Name, err)
		}
	}
	return nil
}
