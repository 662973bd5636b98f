package controllers_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// solidPNG is a w×h PNG of one colour.
func solidPNG(t *testing.T, w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An image given by URL is fetched once, stored with the template's shared
// files and signed into its passes; fetched again when the URL changes or
// a refetch is asked for; refused (the last good bundles served) when too
// large or inside the cluster, and never by plain http.
func TestImagesFromURL(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	roots := devRoots(t, ns)
	ctx := context.Background()
	path := "/" + ns + "/logo.png"
	first, second := solidPNG(t, 160, 50, color.RGBA{200, 30, 30, 255}), solidPNG(t, 170, 50, color.RGBA{30, 30, 200, 255})
	images.put(path, first)

	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "harbour-concert"
	setLogo := func(url string) error {
		return updateTemplate(t, tpl, func(tpl *walletv1.PassTemplate) {
			for i, img := range tpl.Spec.Images {
				if img.Type == walletv1.ImageLogo {
					tpl.Spec.Images[i] = walletv1.Image{Type: walletv1.ImageLogo, URL: url}
				}
			}
		})
	}
	if err := setLogo(imageServer.URL + path); err != nil {
		t.Fatal(err)
	}
	signedWith := func(logo []byte) {
		t.Helper()
		testenv.Eventually(t, time.Minute, fmt.Sprintf("the concert's passes signed with the %d-byte logo", len(logo)), func() (bool, string) {
			for _, name := range []string{"concert-a-12-7", "concert-a-12-8"} {
				if !bytes.Equal(fetchAndVerify(t, ns, name, roots)["logo.png"], logo) {
					return false, name
				}
			}
			return true, ""
		})
	}
	signedWith(first)
	if err := c.Get(ctx, client.ObjectKeyFromObject(tpl), tpl); err != nil {
		t.Fatal(err)
	}
	if !containsImage(tpl.Status.Images, walletv1.TemplateImageStatus{Name: "logo.png", Width: 160, Height: 50, Size: int64(len(first))}) {
		t.Errorf("the template lists %+v, want logo.png 160×50", tpl.Status.Images)
	}

	// Re-signing passes and editing the template elsewhere fetch nothing.
	env.SetPassData(t, ns, "concert-a-12-8", `{"section": "B", "row": "3", "seat": "9"}`)
	if err := updateTemplate(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Description += "." }); err != nil {
		t.Fatal(err)
	}
	waitAllReady(t, ns)
	if n := images.count(path); n != 1 {
		t.Errorf("the logo was fetched %d times; once is enough until the URL changes or a refetch is asked", n)
	}

	// A refetch request fetches again (the file behind the URL changed).
	images.put(path, second)
	if err := updateTemplate(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Annotations = map[string]string{walletv1.AnnotationRefetchImagesAt: "2026-12-04T06:00:00Z"}
	}); err != nil {
		t.Fatal(err)
	}
	signedWith(second)
	if n := images.count(path); n != 2 {
		t.Errorf("after one refetch request the logo was fetched %d times, want 2", n)
	}

	// Refusals keep the last good bundles and say why.
	huge := "/" + ns + "/huge.png"
	images.put(huge, bytes.Repeat([]byte{0}, 5<<20))
	for url, why := range map[string]string{
		imageServer.URL + huge:           "larger than 4 MiB",
		"https://169.254.169.254/x.png":  "internal address (allow it with --image-allow-cidrs)",
		imageServer.URL + "/nothing.png": "404 Not Found",
	} {
		if err := setLogo(url); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, time.Minute, "the template says "+why, func() (bool, string) {
			_ = c.Get(ctx, client.ObjectKeyFromObject(tpl), tpl)
			r := apimeta.FindStatusCondition(tpl.Status.Conditions, walletv1.ConditionReady)
			return r != nil && r.Status == metav1.ConditionFalse && r.ObservedGeneration == tpl.Generation && strings.Contains(r.Message, why), fmt.Sprintf("%+v", r)
		})
		if !bytes.Equal(fetchAndVerify(t, ns, "concert-a-12-7", roots)["logo.png"], second) {
			t.Errorf("%s: the last good bundle is not served", why)
		}
	}
	if err := setLogo("http://images.example.com/logo.png"); err == nil || !strings.Contains(err.Error(), "an image url is https://") {
		t.Errorf("a plain http image url: %v", err)
	}
}

func containsImage(list []walletv1.TemplateImageStatus, want walletv1.TemplateImageStatus) bool {
	for _, img := range list {
		if img == want {
			return true
		}
	}
	return false
}

// updateTemplate changes a template, retrying on conflicts; the API
// server's refusal is returned.
func updateTemplate(t *testing.T, tpl *walletv1.PassTemplate, change func(*walletv1.PassTemplate)) error {
	t.Helper()
	for range 10 {
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(tpl), tpl); err != nil {
			return err
		}
		change(tpl)
		err := c.Update(context.Background(), tpl)
		if err == nil || !strings.Contains(err.Error(), "the object has been modified") {
			return err
		}
	}
	return fmt.Errorf("update template %s: conflicts", tpl.Name)
}
