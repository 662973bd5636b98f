// Package kubernetes keeps registrations as DeviceRegistration resources in
// their pass's namespace, the default backend, which needs nothing beyond
// the cluster: the protocol's store, the outbox of webhook events
// (PendingWebhookEvents), the counter of each Pass's registrations and the
// fan-out of pushes, all on the elected replica but the store.
package kubernetes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// RegistrationName names the DeviceRegistration of a device and a pass
// from a hash, so names reveal no device identifier.
func RegistrationName(device, passType, serial string) string {
	sum := sha256.Sum256([]byte(device + "\x00" + passType + "\x00" + serial))
	return "reg-" + hex.EncodeToString(sum[:])[:32]
}

// Store keeps registrations as DeviceRegistration resources in the pass's
// namespace: it writes through the API server and reads through the
// informer cache's indexes. Its webhook events wait as PendingWebhookEvents
// (Outbox).
type Store struct {
	Client client.Client // writes and uncached reads
	Cache  client.Reader // the informer cache, with the registration indexes
	Outbox *Outbox

	recent recentWrites // this replica's own writes, until the cache shows them
}

var _ registry.Store = (*Store)(nil)

// Register creates the registration, or updates its push token.
func (s *Store) Register(ctx context.Context, r registry.Registration, event *registry.Event) (registry.Change, error) {
	pass := registry.PassRef{Namespace: r.Namespace, Name: r.PassName}
	created, err := s.register(ctx, r)
	if err != nil {
		return registry.Change{}, err
	}
	s.recent.record(r.Device, r.PassTypeIdentifier, pass, true)
	return s.changed(ctx, pass, RegistrationName(r.Device, r.PassTypeIdentifier, r.Serial), created, true, event)
}

func (s *Store) register(ctx context.Context, r registry.Registration) (bool, error) {
	reg := &walletv1.DeviceRegistration{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: r.Namespace, Name: RegistrationName(r.Device, r.PassTypeIdentifier, r.Serial),
			Labels: walletv1.ManagedLabels(map[string]string{walletv1.LabelPass: walletv1.LabelValue(r.PassName)}),
		},
		Spec: walletv1.DeviceRegistrationSpec{
			DeviceLibraryIdentifier: r.Device, PushToken: r.PushToken,
			PassTypeIdentifier: r.PassTypeIdentifier, SerialNumber: r.Serial, PassName: r.PassName,
			RegisteredDigest: r.Digest, Wallet: r.Wallet,
		},
	}
	if r.PassUID != "" {
		reg.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: walletv1.GroupVersion.String(), Kind: "Pass", Name: r.PassName, UID: r.PassUID,
		}}
	}
	err := s.Client.Create(ctx, reg)
	if err == nil {
		return true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return false, fmt.Errorf("create registration: %w", err)
	}
	existing := &walletv1.DeviceRegistration{}
	if err := s.Client.Get(ctx, client.ObjectKeyFromObject(reg), existing); err != nil {
		return false, fmt.Errorf("read registration: %w", err)
	}
	if existing.Spec.PushToken != r.PushToken {
		existing.Spec.PushToken = r.PushToken
		if err := s.Client.Update(ctx, existing); err != nil {
			return false, fmt.Errorf("update push token: %w", err)
		}
	}
	return false, nil
}

// Unregister deletes the registration.
func (s *Store) Unregister(ctx context.Context, pass registry.PassRef, device, passType, serial string, event *registry.Event) (registry.Change, error) {
	name := RegistrationName(device, passType, serial)
	reg := &walletv1.DeviceRegistration{ObjectMeta: metav1.ObjectMeta{Namespace: pass.Namespace, Name: name}}
	err := s.Client.Delete(ctx, reg)
	if err == nil || apierrors.IsNotFound(err) {
		s.recent.record(device, passType, pass, false)
	}
	if apierrors.IsNotFound(err) {
		return s.changed(ctx, pass, name, false, false, nil)
	}
	if err != nil {
		return registry.Change{}, err
	}
	return s.changed(ctx, pass, name, true, false, event)
}

// changed counts the pass's devices after a change (the cache, corrected
// for the change just made if it has not seen it yet) and queues the event
// of a change.
func (s *Store) changed(ctx context.Context, pass registry.PassRef, name string, changed, registered bool, event *registry.Event) (registry.Change, error) {
	var regs walletv1.DeviceRegistrationList
	if err := s.Cache.List(ctx, &regs, client.InNamespace(pass.Namespace), client.MatchingFields{index.RegistrationPass.Name: pass.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return registry.Change{}, err
	}
	seen := slices.ContainsFunc(regs.Items, func(reg walletv1.DeviceRegistration) bool { return reg.Name == name })
	ch := registry.Change{Changed: changed, Devices: len(regs.Items)}
	switch {
	case registered && !seen:
		ch.Devices++
	case !registered && seen:
		ch.Devices--
	}
	if changed && event != nil {
		ev := *event
		ev.DeviceCount = ch.Devices
		// The registration stands whatever becomes of its event.
		ch.EventDropped = s.Outbox.AddEvent(ctx, ev)
	}
	return ch, nil
}

// Devices reads the pass's registrations from the cache, with this
// replica's writes the cache may not show yet.
func (s *Store) Devices(ctx context.Context, pass registry.PassRef, device string) (bool, int, error) {
	var regs walletv1.DeviceRegistrationList
	if err := s.Cache.List(ctx, &regs, client.InNamespace(pass.Namespace), client.MatchingFields{index.RegistrationPass.Name: pass.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return false, 0, err
	}
	devices := make(map[string]bool, len(regs.Items))
	for _, reg := range regs.Items {
		devices[reg.Spec.DeviceLibraryIdentifier] = true
	}
	s.recent.overlayDevices(pass, devices)
	return devices[device], len(devices), nil
}

// PassesOf reads the device's registrations from the cache index, with
// this replica's writes the cache may not show yet.
func (s *Store) PassesOf(ctx context.Context, device, passType string) ([]registry.PassRef, error) {
	var list walletv1.DeviceRegistrationList
	if err := s.Cache.List(ctx, &list, client.MatchingFields{index.RegistrationDevicePassType.Name: index.DevicePassTypeKey(device, passType)}); err != nil {
		return nil, err
	}
	refs := make([]registry.PassRef, len(list.Items))
	for i, r := range list.Items {
		refs[i] = registry.PassRef{Namespace: r.Namespace, Name: r.Spec.PassName}
	}
	return s.recent.overlay(device, passType, refs), nil
}
