package webservice_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// pdfTools are poppler's and zbar's command-line tools; the test is
// skipped without them outside CI.
func pdfTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm", "zbarimg"} {
		testenv.Tool(t, tool)
	}
}

// readPDF returns a PDF's text (pdftotext) and the barcodes a scanner reads
// from its page drawn at 300 dpi (pdftoppm, zbarimg).
func readPDF(t *testing.T, doc []byte) (text string, codes []string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "pass.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text = string(out)
	if out, err := exec.Command("pdftoppm", "-r", "300", "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	scanned, err := exec.Command("zbarimg", "--quiet", "--raw", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Logf("zbarimg found nothing: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(scanned)), "\n") {
		if line != "" {
			codes = append(codes, line)
		}
	}
	return text, codes
}

// ?format=pdf is a printable one-page card: poppler reads its text (the
// holder's name with its diacritics, the fields) and a scanner reads its
// barcode off the printed page: a QR code, an EAN-13, and a Code 39 once
// the template says so.
func TestPDF(t *testing.T) {
	storeIndependent(t)
	pdfTools(t)
	ns, _ := samples(t)
	for _, tc := range []struct {
		pass     string
		texts    []string
		barcode  string
		notTexts []string
	}{
		{"bakery-jana", []string{"Jana Dvořáková", "silver"}, "bk-000101", nil},
		{"coffee-coupon-0001", []string{"Flat white"}, "4006381333931", []string{"VOID"}},
		{"coffee-coupon-0002", []string{"VOID"}, "4006381333948", nil}, // redeemed
	} {
		checkPDF(t, ns, tc.pass, tc.texts, tc.notTexts, tc.barcode)
	}

	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "coffee-coupon"
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Barcodes[0].Format = "PKBarcodeFormatCode39" })
	eventually(t, "the coupon re-signed with a Code 39", func() (bool, string) {
		b := getPass(t, ns, "coffee-coupon-0001").Status.Barcode
		return b != nil && b.Format == "PKBarcodeFormatCode39", fmt.Sprint(b)
	})
	checkPDF(t, ns, "coffee-coupon-0001", []string{"Flat white"}, nil, "4006381333931")
}

// checkPDF downloads a pass as a PDF and reads it as a person and a scanner
// would.
func checkPDF(t *testing.T, ns, pass string, texts, notTexts []string, barcode string) {
	t.Helper()
	link := strings.TrimPrefix(getPass(t, ns, pass).Status.DownloadURL, baseURL)
	r := call(t, "GET", link+"?format=pdf", "", nil)
	if r.code != 200 || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Fatalf("%s: GET ?format=pdf: %d %s", pass, r.code, r.header.Get("Content-Type"))
	}
	text, codes := readPDF(t, r.body)
	for _, want := range texts {
		if !strings.Contains(text, want) {
			t.Errorf("%s: the PDF's text lacks %q:\n%s", pass, want, text)
		}
	}
	for _, not := range notTexts {
		if strings.Contains(text, not) {
			t.Errorf("%s: the PDF shows %q:\n%s", pass, not, text)
		}
	}
	if len(codes) != 1 || codes[0] != barcode {
		t.Errorf("%s: a scanner reads %q off the printed page, want %q", pass, codes, barcode)
	}
}
