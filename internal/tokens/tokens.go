// Package tokens derives each pass's secrets from one key, so none is stored
// per pass: the authentication token Wallet sends back (ApplePass header)
// and the download token of the web service's download link. Both are
// HMAC-SHA256 over the pass's owner and identity on devices (namespace, pass
// type identifier and serial number): a pass of another namespace with the
// same pass type and serial never has the same tokens. Rotating the key
// invalidates every pass on every device: don't.
package tokens

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SecretKey is the key of the token Secret holding the HMAC key.
const SecretKey = "hmac-key"

// Key derives tokens.
type Key []byte

// derive is HMAC-SHA256 over purpose and parts, NUL-separated (no part
// holds a NUL: they are Kubernetes names and Apple identifiers).
func (k Key) derive(purpose string, parts ...string) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(purpose))
	for _, p := range parts {
		mac.Write([]byte{0})
		mac.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Authentication is the authenticationToken (43 characters) of the pass in
// namespace known to devices as passTypeIdentifier/serial.
func (k Key) Authentication(namespace, passTypeIdentifier, serial string) string {
	return k.derive("authentication/v2", namespace, passTypeIdentifier, serial)
}

// Download is the unguessable part of that pass's download link.
func (k Key) Download(namespace, passTypeIdentifier, serial string) string {
	return k.derive("download/v2", namespace, passTypeIdentifier, serial)
}

// GroupDownload is the unguessable part of the download link of a group's
// passes (those of namespace labelled passes.wallet-operator.io/group=group).
func (k Key) GroupDownload(namespace, group string) string {
	return k.derive("group-download", namespace, group)
}

// Installation names the installation whose key this is, revealing
// nothing of the key: what marks the S3 prefix it writes to as its own.
func (k Key) Installation() string {
	return k.derive("installation")[:22]
}

// Issue is the unguessable part of a template's issue link.
func (k Key) Issue(namespace, template string) string {
	return k.derive("issue", namespace, template)
}

// Equal compares a presented token with the expected one in constant time.
func Equal(presented, expected string) bool {
	return hmac.Equal([]byte(presented), []byte(expected))
}

// ErrMayNotCreate: the key Secret is missing and the caller (the web
// service) may not create it; the manager will.
var ErrMayNotCreate = errors.New("this component may not create it")

// Ensure returns the key held in the Secret namespace/name, creating the
// Secret with a new random key when it does not exist. Replicas racing to
// create it all end up with the one that won.
func Ensure(ctx context.Context, c client.Client, namespace, name string) (Key, error) {
	for range 3 {
		var s corev1.Secret
		err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s)
		if err == nil {
			if len(s.Data[SecretKey]) < 32 {
				return nil, fmt.Errorf("Secret %s/%s: key %q holds %d bytes, want at least 32: delete the Secret to have a new one generated (every existing pass then needs re-adding on devices)",
					namespace, name, SecretKey, len(s.Data[SecretKey]))
			}
			return Key(s.Data[SecretKey]), nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("read token key Secret %s/%s: %w", namespace, name, err)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		s = corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"app.kubernetes.io/name": "wallet-operator"}},
			Data:       map[string][]byte{SecretKey: key},
		}
		err = c.Create(ctx, &s)
		if err == nil {
			return key, nil
		}
		if apierrors.IsForbidden(err) {
			return nil, fmt.Errorf("token key Secret %s/%s does not exist and %w: start the manager with --webservice-url, which creates it", namespace, name, ErrMayNotCreate)
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create token key Secret %s/%s: %w", namespace, name, err)
		}
	}
	return nil, fmt.Errorf("token key Secret %s/%s: could not read or create it", namespace, name)
}
