package webservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Registration is one device registered for one pass.
type Registration struct {
	Device             string
	PushToken          string
	PassTypeIdentifier string
	Serial             string
	Namespace          string
	PassName           string
	// PassUID makes the registration the pass's: it goes with it.
	PassUID types.UID
	// Digest is the content the device registered with; it is not pushed
	// for that content again.
	Digest string
}

// PassRef names a Pass.
type PassRef struct{ Namespace, Name string }

// Store keeps device registrations. The default keeps them as
// DeviceRegistration resources; a PostgreSQL store can take its place.
type Store interface {
	// Register records r; created is false when it existed (its push token
	// is then updated).
	Register(ctx context.Context, r Registration) (created bool, err error)
	// Unregister removes a registration; existed says whether there was one.
	Unregister(ctx context.Context, namespace, device, passType, serial string) (existed bool, err error)
	// PassesOf lists the passes of one pass type a device is registered for.
	PassesOf(ctx context.Context, device, passType string) ([]PassRef, error)
}

// Index of DeviceRegistrations by device and pass type.
const indexDevicePassType = "deviceregistration.device-passtype"

func devicePassTypeKey(device, passType string) string { return device + "\x00" + passType }

// RegistrationName names the DeviceRegistration of a device and a pass
// from a hash, so names reveal no device identifier.
func RegistrationName(device, passType, serial string) string {
	sum := sha256.Sum256([]byte(device + "\x00" + passType + "\x00" + serial))
	return "reg-" + hex.EncodeToString(sum[:])[:32]
}

// ResourceStore keeps registrations as DeviceRegistration resources in the
// pass's namespace: it writes through the API server and reads through the
// informer cache's indexes.
type ResourceStore struct {
	Client client.Client // writes and uncached reads
	Cache  client.Reader // the informer cache, with indexDevicePassType
}

// Register creates the registration, or updates its push token.
func (s *ResourceStore) Register(ctx context.Context, r Registration) (bool, error) {
	reg := &walletv1.DeviceRegistration{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: r.Namespace, Name: RegistrationName(r.Device, r.PassTypeIdentifier, r.Serial),
			Labels: walletv1.ManagedLabels(map[string]string{walletv1.LabelPass: walletv1.LabelValue(r.PassName)}),
		},
		Spec: walletv1.DeviceRegistrationSpec{
			DeviceLibraryIdentifier: r.Device, PushToken: r.PushToken,
			PassTypeIdentifier: r.PassTypeIdentifier, SerialNumber: r.Serial, PassName: r.PassName,
			RegisteredDigest: r.Digest,
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
func (s *ResourceStore) Unregister(ctx context.Context, namespace, device, passType, serial string) (bool, error) {
	reg := &walletv1.DeviceRegistration{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: RegistrationName(device, passType, serial)}}
	err := s.Client.Delete(ctx, reg)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// PassesOf reads the device's registrations from the cache index.
func (s *ResourceStore) PassesOf(ctx context.Context, device, passType string) ([]PassRef, error) {
	var list walletv1.DeviceRegistrationList
	if err := s.Cache.List(ctx, &list, client.MatchingFields{indexDevicePassType: devicePassTypeKey(device, passType)}); err != nil {
		return nil, err
	}
	refs := make([]PassRef, len(list.Items))
	for i, r := range list.Items {
		refs[i] = PassRef{Namespace: r.Namespace, Name: r.Spec.PassName}
	}
	return refs, nil
}

func clientKey(ref PassRef) client.ObjectKey {
	return client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
}
