package cli

import (
	"context"
	"flag"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/bundle"
)

// BundleStoreFlags select and configure where signed bundles are kept:
// --bundle-store=configmap|s3 and the S3 bucket's flags. Credentials come
// from the AWS SDK's standard chain, never from flags.
type BundleStoreFlags struct {
	Kind string
	S3   bundle.S3Options
}

// AddFlags declares the flags on fs.
func (f *BundleStoreFlags) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.Kind, "bundle-store", bundle.KindConfigMap, "Where signed bundles are kept: configmap (in the cluster) or s3 (an S3-compatible bucket; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a web identity such as IRSA).")
	fs.StringVar(&f.S3.Endpoint, "s3-endpoint", "", "URL of an S3-compatible service (MinIO, Ceph RGW, GCS); AWS when empty.")
	fs.StringVar(&f.S3.Bucket, "s3-bucket", "", "Bucket of the s3 bundle store.")
	fs.StringVar(&f.S3.Prefix, "s3-prefix", "", "Prefix of every object key, e.g. wallet/.")
	fs.StringVar(&f.S3.Region, "s3-region", "us-east-1", "Region of the bucket.")
	fs.BoolVar(&f.S3.PathStyle, "s3-path-style", false, "Address the bucket in the URL path (most services other than AWS).")
}

// Store connects the store the flags select, for writing; the bucket is
// checked at once, so a wrong name or credentials stop the start with one
// line.
func (f *BundleStoreFlags) Store(ctx context.Context, c client.Client, api, metadata client.Reader) (bundle.Store, error) {
	switch f.Kind {
	case bundle.KindConfigMap, "":
		return &bundle.ConfigMapStore{Client: c, API: api, Metadata: metadata}, nil
	case bundle.KindS3:
		return bundle.NewS3Store(ctx, f.S3)
	}
	return nil, Usagef("--bundle-store is configmap or s3, not %q", f.Kind)
}

// Stores are the readers: ConfigMaps (through api) always, so passes
// signed before a move to S3 stay served, and S3 when selected.
func (f *BundleStoreFlags) Stores(ctx context.Context, api client.Reader) (bundle.Stores, error) {
	stores := bundle.ConfigMaps(api)
	switch f.Kind {
	case bundle.KindConfigMap, "":
	case bundle.KindS3:
		s, err := bundle.NewS3Store(ctx, f.S3)
		if err != nil {
			return nil, err
		}
		stores[bundle.KindS3] = s
	default:
		return nil, fmt.Errorf("%w: --bundle-store is configmap or s3, not %q", ErrUsage, f.Kind)
	}
	return stores, nil
}
