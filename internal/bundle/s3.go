package bundle

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/lru"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// S3Options locate the bucket. Credentials come from the AWS SDK's
// standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web identity
// token as with IRSA, a profile, instance metadata), never from flags.
type S3Options struct {
	// Endpoint of an S3-compatible service (MinIO, Ceph RGW, GCS); AWS
	// when empty.
	Endpoint string
	Bucket   string
	// Prefix of every key, e.g. "wallet/"; may be empty. It is a folder:
	// "wallet" means "wallet/", so it never takes in "wallet-b/".
	Prefix string
	// Installation names the installation that writes under Prefix
	// (tokens.Key.Installation); when set, the store records it in the
	// prefix's marker object and refuses a prefix another installation
	// marked, so two installations never sweep each other's bundles.
	// Readers leave it empty.
	Installation string
	Region       string
	// PathStyle addresses the bucket in the path (most non-AWS services).
	PathStyle bool
	// Grace is how old an object no status refers to must be before it is
	// deleted (a reader may still be loading it); 5 minutes when zero.
	Grace time.Duration
	// SharedCacheBytes is the memory for templates' shared files read
	// (every pass of a template shares them); SharedCacheBytes when zero,
	// none when negative.
	SharedCacheBytes int
}

// S3Store keeps bundles as immutable, content-addressed objects:
//
//	<prefix><namespace>/templates/<template>/<shared digest>.zip
//	<prefix><namespace>/passes/<pass>/<content digest>.zip
//
// each a zip of the files; a pass's object carries its record in its
// metadata. Loading checks the assembled bundle against its recorded
// SHA-256, so a corrupted object is never served.
type S3Store struct {
	client *s3.Client
	opts   S3Options

	shared *lru.Cache[string, pkpass.Files] // shared files read, by key
}

// MaxS3ObjectBytes is the largest object the store writes, and so reads:
// the same verdict both ways (BundleTooLarge when signing), so an object
// is never written that would then be read again and again in vain.
const MaxS3ObjectBytes = 8 << 20

// SharedCacheBytes bounds the shared files an S3 store keeps in memory.
const SharedCacheBytes = 64 << 20

// FilesBytes is what files hold in memory, names included: the size a
// cache of them counts.
func FilesBytes(files pkpass.Files) int {
	n := 0
	for name, data := range files {
		n += len(name) + len(data)
	}
	return n
}

var _ Store = (*S3Store)(nil)

// NewS3Store connects to the bucket and checks it is there.
func NewS3Store(ctx context.Context, o S3Options) (*S3Store, error) {
	if o.Bucket == "" {
		return nil, errors.New("the S3 store needs a bucket (--s3-bucket)")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Grace == 0 {
		o.Grace = 5 * time.Minute
	}
	if o.Prefix = strings.Trim(o.Prefix, "/"); o.Prefix != "" {
		o.Prefix += "/"
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(o.Region))
	if err != nil {
		return nil, fmt.Errorf("S3 credentials: %w", err)
	}
	c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
	})
	cacheBytes := cmp.Or(o.SharedCacheBytes, SharedCacheBytes)
	s := &S3Store{client: c, opts: o, shared: lru.New[string](max(cacheBytes, 0), FilesBytes)}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(o.Bucket)}); err != nil {
		var api smithy.APIError
		if errors.As(err, &api) {
			switch api.ErrorCode() {
			case "NotFound", "NoSuchBucket":
				return nil, fmt.Errorf("S3 bucket %s does not exist at %s: create it or fix --s3-bucket", o.Bucket, endpointName(o.Endpoint))
			case "Forbidden", "AccessDenied":
				return nil, fmt.Errorf("S3 bucket %s at %s refused these credentials: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the role) and the bucket's policy", o.Bucket, endpointName(o.Endpoint))
			}
		}
		return nil, fmt.Errorf("S3 bucket %s at %s: %w", o.Bucket, endpointName(o.Endpoint), describe(err))
	}
	if o.Installation != "" {
		if err := s.claimPrefix(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// markerName is the object under the prefix naming the installation that
// writes there.
const markerName = "wallet-operator-installation"

// claimPrefix marks the prefix as this installation's, or refuses one
// another installation marked.
func (s *S3Store) claimPrefix(ctx context.Context) error {
	key := s.opts.Prefix + markerName
	where := fmt.Sprintf("prefix %q of S3 bucket %s", s.opts.Prefix, s.opts.Bucket)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: &key})
	if notFound(err) {
		_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.opts.Bucket, Key: &key, Body: strings.NewReader(s.opts.Installation), ContentType: aws.String("text/plain"),
		})
		if err != nil {
			return fmt.Errorf("mark the %s as this installation's: %w", where, describe(err))
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the installation marker of the %s: %w", where, describe(err))
	}
	defer out.Body.Close()
	owner, err := io.ReadAll(io.LimitReader(out.Body, 256))
	if err != nil {
		return fmt.Errorf("read the installation marker of the %s: %w", where, err)
	}
	if string(owner) != s.opts.Installation {
		return fmt.Errorf("the %s holds another wallet-operator installation's bundles (its marker %s names another token key): give this installation a --s3-prefix of its own", where, key)
	}
	return nil
}

func endpointName(e string) string {
	if e == "" {
		return "AWS"
	}
	return e
}

// describe makes an S3 error one readable line: the service's code and
// message (AccessDenied, NoSuchBucket, ...) when it answered.
func describe(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	return err
}

// Kind is "s3".
func (*S3Store) Kind() string { return KindS3 }

func hexDigest(d string) string { return strings.TrimPrefix(d, "sha256:") }

func (s *S3Store) sharedKey(namespace, template, digest string) string {
	return s.opts.Prefix + path.Join(namespace, "templates", template, hexDigest(digest)+".zip")
}

func (s *S3Store) passPrefix(namespace, pass string) string {
	return s.opts.Prefix + path.Join(namespace, "passes", pass) + "/"
}

func (s *S3Store) passKey(namespace, pass, contentDigest string) string {
	return s.passPrefix(namespace, pass) + hexDigest(contentDigest) + ".zip"
}

// PutShared writes the shared files once per content.
func (s *S3Store) PutShared(ctx context.Context, namespace, template string, files pkpass.Files) (string, error) {
	key := s.sharedKey(namespace, template, pkpass.ContentDigest(files, ""))
	if head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.opts.Bucket, Key: &key}); err == nil {
		return key, s.refresh(ctx, key, head, files)
	} else if !notFound(err) {
		return "", fmt.Errorf("S3 object %s: %w", key, describe(err))
	}
	return key, what(s.put(ctx, key, files, nil), "the files every pass shares (images, localizations)")
}

// what names the files of a TooLargeError.
func what(err error, files string) error {
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		tooLarge.What = files
	}
	return err
}

// refresh writes a reused object again (the same bytes: its key names its
// content) when it is half-way to the age a sweep deletes unused objects
// at: a sweep that found it unused a moment ago then sees it young when it
// checks again before deleting, and leaves it. (A copy onto itself would
// do on AWS, but not every S3 service makes the copy young.)
func (s *S3Store) refresh(ctx context.Context, key string, head *s3.HeadObjectOutput, files pkpass.Files) error {
	if head.LastModified == nil || time.Since(*head.LastModified) < s.opts.Grace/2 {
		return nil
	}
	return s.put(ctx, key, files, nil)
}

func (s *S3Store) put(ctx context.Context, key string, files pkpass.Files, metadata map[string]string) error {
	data, err := pkpass.Zip(files)
	if err != nil {
		return err
	}
	if len(data) > MaxS3ObjectBytes {
		return &TooLargeError{What: "the files", Size: fmt.Sprintf("%d bytes zipped (%.1f MiB), over the %d MiB an S3 bundle object holds", len(data), float64(len(data))/(1<<20), MaxS3ObjectBytes>>20)}
	}
	sum := sha256.Sum256(data)
	if metadata == nil {
		metadata = map[string]string{}
	}
	metadata["sha256"] = hex.EncodeToString(sum[:])
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.opts.Bucket, Key: &key, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		ContentType: aws.String("application/zip"), Metadata: metadata,
	})
	if err != nil {
		return fmt.Errorf("write S3 object %s: %w", key, describe(err))
	}
	return nil
}

// get reads an object's files, checking them against the SHA-256 they
// were written with.
func (s *S3Store) get(ctx context.Context, key string) (pkpass.Files, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: &key})
	if notFound(err) {
		return nil, fmt.Errorf("S3 object %s: %w", key, ErrMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("read S3 object %s: %w", key, describe(err))
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxS3ObjectBytes+1))
	if err != nil {
		// The SDK checks the object's checksum as it reads; its error type
		// is internal to the SDK, so it is known by its message.
		if strings.Contains(err.Error(), "checksum did not match") {
			return nil, fmt.Errorf("S3 object %s: %w (%v)", key, ErrCorrupt, err)
		}
		return nil, fmt.Errorf("read S3 object %s: %w", key, err)
	}
	if len(data) > MaxS3ObjectBytes {
		// Not written by this store: it writes nothing larger.
		return nil, fmt.Errorf("S3 object %s: %w (over %d MiB)", key, ErrCorrupt, MaxS3ObjectBytes>>20)
	}
	sum := sha256.Sum256(data)
	if want := out.Metadata["sha256"]; want != "" && want != hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("S3 object %s: %w", key, ErrCorrupt)
	}
	files, err := pkpass.Unzip(data)
	if err != nil {
		return nil, fmt.Errorf("S3 object %s: %w (%v)", key, ErrCorrupt, err)
	}
	return files, nil
}

// GetShared reads shared files, keeping the last ones read: every pass of a
// template shares them.
func (s *S3Store) GetShared(ctx context.Context, _ string, key string) (pkpass.Files, error) {
	caching := s.opts.SharedCacheBytes >= 0
	if files, ok := s.shared.Get(key); ok && caching {
		return files, nil
	}
	files, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if caching {
		s.shared.Put(key, files)
	}
	return files, nil
}

// PutPass writes the pass's own files under their content digest, with the
// record in the object's metadata.
func (s *S3Store) PutPass(ctx context.Context, p *walletv1.Pass, own pkpass.Files, record *walletv1.BundleStatus) (string, error) {
	key := s.passKey(p.Namespace, p.Name, record.ContentDigest)
	record.Store, record.Key, record.ConfigMap, record.SharedConfigMap = KindS3, key, "", ""
	data, err := json.Marshal(record)
	if err != nil {
		return "", err
	}
	return key, what(s.put(ctx, key, own, map[string]string{"bundle": string(data)}), "the pass's own files (pass.json, image overrides, manifest, signature)")
}

// Stored reads the record of the pass's object for this content.
func (s *S3Store) Stored(ctx context.Context, p *walletv1.Pass, contentDigest string) (*walletv1.BundleStatus, error) {
	key := s.passKey(p.Namespace, p.Name, contentDigest)
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.opts.Bucket, Key: &key})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("S3 object %s: %w", key, describe(err))
	}
	var b walletv1.BundleStatus
	if json.Unmarshal([]byte(out.Metadata["bundle"]), &b) != nil || b.ContentDigest != contentDigest {
		return nil, nil // no usable record: sign again
	}
	b.Store, b.Key = KindS3, key
	return &b, nil
}

// Load reads the pass's object and the shared one, and checks the
// assembled bundle against the recorded SHA-256.
func (s *S3Store) Load(ctx context.Context, namespace string, b *walletv1.BundleStatus) (pkpass.Files, error) {
	own, err := s.get(ctx, b.Key)
	if err != nil {
		return nil, err
	}
	shared, err := s.GetShared(ctx, namespace, b.SharedKey)
	if err != nil {
		return nil, err
	}
	files := pkpass.Merge(shared, own)
	if b.SHA256 != "" {
		data, err := pkpass.Zip(files)
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != b.SHA256 {
			return nil, fmt.Errorf("S3 objects %s and %s: %w", b.Key, b.SharedKey, ErrCorrupt)
		}
	}
	return files, nil
}

// DeletePass deletes the pass's objects but those kept.
func (s *S3Store) DeletePass(ctx context.Context, p *walletv1.Pass, keep []string, graceful bool) error {
	return s.deleteUnder(ctx, s.passPrefix(p.Namespace, p.Name), func(key string) bool { return slices.Contains(keep, key) }, graceful)
}

// CollectShared deletes the template's shared objects not in use and past
// the grace period.
func (s *S3Store) CollectShared(ctx context.Context, namespace, template string, inUse map[string]bool) error {
	prefix := s.opts.Prefix + path.Join(namespace, "templates", template) + "/"
	return s.deleteUnder(ctx, prefix, func(key string) bool { return inUse[key] }, true)
}

func (s *S3Store) deleteUnder(ctx context.Context, prefix string, kept func(string) bool, grace bool) error {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &prefix})
	var gone []s3types.ObjectIdentifier
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list S3 objects under %s: %w", prefix, describe(err))
		}
		for _, o := range page.Contents {
			if kept(*o.Key) || (grace && o.LastModified != nil && time.Since(*o.LastModified) < s.opts.Grace) {
				continue
			}
			gone = append(gone, s3types.ObjectIdentifier{Key: o.Key})
		}
	}
	for _, o := range gone {
		s.shared.Remove(*o.Key)
	}
	for _, o := range gone {
		if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.opts.Bucket, Key: o.Key}); err != nil && !notFound(err) {
			return fmt.Errorf("delete S3 object %s: %w", *o.Key, describe(err))
		}
	}
	return nil
}

// ownKey matches the keys the store writes, after its prefix:
// <namespace>/passes/<pass>/<digest>.zip or <namespace>/templates/<template>/<digest>.zip.
var ownKey = regexp.MustCompile(`^([^/]+)/(passes|templates)/([^/]+)/[0-9a-f]{64}\.zip$`)

// Sweep lists every object under the prefix and deletes those of passes
// that are gone and shared files nothing uses, older than minAge.
func (s *S3Store) Sweep(ctx context.Context, refs References, minAge time.Duration) (int, error) {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &s.opts.Prefix})
	swept := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return swept, fmt.Errorf("list S3 objects under %q: %w", s.opts.Prefix, describe(err))
		}
		for _, o := range page.Contents {
			m := ownKey.FindStringSubmatch(strings.TrimPrefix(*o.Key, s.opts.Prefix))
			if m == nil || (o.LastModified != nil && time.Since(*o.LastModified) < minAge) {
				continue
			}
			var used bool
			if m[2] == "passes" {
				used, err = refs.PassExists(ctx, m[1], m[3])
			} else {
				used, err = refs.SharedInUse(ctx, m[1], *o.Key)
			}
			if err != nil {
				return swept, err
			}
			if used || s.reusedSince(ctx, *o.Key, minAge) {
				continue
			}
			s.shared.Remove(*o.Key)
			if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.opts.Bucket, Key: o.Key}); err != nil && !notFound(err) {
				return swept, fmt.Errorf("delete S3 object %s: %w", *o.Key, describe(err))
			}
			swept++
		}
	}
	return swept, nil
}

// reusedSince: the object was written or reused (refresh) within minAge,
// as read now, not when it was listed; an object that cannot be read is
// not deleted this time.
func (s *S3Store) reusedSince(ctx context.Context, key string, minAge time.Duration) bool {
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.opts.Bucket, Key: &key})
	if err != nil {
		return !notFound(err)
	}
	return head.LastModified != nil && time.Since(*head.LastModified) < minAge
}

func notFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NotFound", "NoSuchKey", "404":
			return true
		}
	}
	var nf *s3types.NotFound
	var nk *s3types.NoSuchKey
	return errors.As(err, &nf) || errors.As(err, &nk)
}
