package render

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// BenchmarkRenderSignZip is the whole path of one pass with three images:
// render pass.json, manifest, detached PKCS#7 signature (RSA 2048), zip.
// Compare with BenchmarkRSA2048Sign: signing should dominate.
//
//	go test ./internal/render -run '^$' -bench . -benchmem
func BenchmarkRenderSignZip(b *testing.B) {
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.com.example.shop", TeamIdentifier: "A1B2C3D4E5"})
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := CompileTemplate(coupon(), images)
	if err != nil {
		b.Fatal(err)
	}
	pass := couponPass(`{"discount": 0.25, "name": "Jane Doe"}`)
	b.ReportAllocs()
	for b.Loop() {
		files, err := tpl.Render(pass, images, testOptions)
		if err != nil {
			b.Fatal(err)
		}
		signed, err := pkpass.SignFiles(pkpass.Merge(tpl.Shared(), files), chain.Identity)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pkpass.Zip(signed.Files); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "passes/s")
}

// BenchmarkRSA2048Sign is the floor: one bare RSA 2048 PKCS#1 v1.5 signature.
func BenchmarkRSA2048Sign(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("manifest"))
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
}
