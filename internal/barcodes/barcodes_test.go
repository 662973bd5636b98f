package barcodes

import (
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		format, message, encoding string
		wantErr                   string // empty: accepted
	}{
		{"PKBarcodeFormatEAN13", "4006381333931", "", ""},
		{"PKBarcodeFormatEAN13", "HELLO", "", "13 digits"},
		{"PKBarcodeFormatEAN13", "4006381333932", "", "cannot be drawn"}, // wrong check digit
		{"PKBarcodeFormatEAN13", "400638133393", "", "13 digits"},
		{"PKBarcodeFormatCode39", "HELLO-42", "", ""},
		{"PKBarcodeFormatCode39", "hello~", "", ""}, // full ASCII
		{"PKBarcodeFormatCode39", "grüezi", "", "cannot be drawn"},
		{"PKBarcodeFormatCodabar", "A40156B", "", ""},
		{"PKBarcodeFormatCodabar", "A40X56B", "", "cannot be drawn"},
		{"PKBarcodeFormatI2of5", "123456", "", ""},
		{"PKBarcodeFormatI2of5", "12345", "", "even number of digits"},
		{"PKBarcodeFormatI2of5", "12A456", "", "even number of digits"},
		{"PKBarcodeFormatCode128", "Order 42 / a-z", "", ""},
		{"PKBarcodeFormatCode128", "Order 42 / ü", "", "beyond ASCII"},
		{"PKBarcodeFormatCodabar", "A0A", "", "at least two characters"},
		{"PKBarcodeFormatQR", "", "", "empty"},
		{"PKBarcodeFormatQR", strings.Repeat("x", 2048), "", ""},
		{"PKBarcodeFormatQR", strings.Repeat("x", 2049), "", "at most 2048"},
		{"PKBarcodeFormatAztec", strings.Repeat("7", 2000), "", ""},
		{"PKBarcodeFormatPDF417", strings.Repeat("Z", 1500), "", ""},
		{"PKBarcodeFormatQR", "Zürich", "iso-8859-1", ""},
		{"PKBarcodeFormatQR", "東京", "iso-8859-1", "cannot carry"},
		{"PKBarcodeFormatQR", "東京", "utf-8", ""},
		{"PKBarcodeFormatQR", "東京", "Shift_JIS", ""},
		{"PKBarcodeFormatQR", "ok", "klingon-1", "not a charset"},
		{"PKBarcodeFormatQR", "bad \xff byte", "utf-8", "not valid text"},
	} {
		err := Check(tc.format, tc.message, tc.encoding)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s %.20q (%s): refused: %v", tc.format, tc.message, tc.encoding, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s %.20q (%s): error %v, want one containing %q", tc.format, tc.message, tc.encoding, err, tc.wantErr)
		}
	}
}

// Whatever Check accepts, Encode draws, and the drawing reads back as the
// message (an independent decoder, every format but PDF417). The format
// is an index, so the fuzzer reaches all eight alike.
func FuzzCheckThenEncode(f *testing.F) {
	formats := []string{"PKBarcodeFormatQR", "PKBarcodeFormatPDF417", "PKBarcodeFormatAztec", "PKBarcodeFormatCode128",
		"PKBarcodeFormatCode39", "PKBarcodeFormatCodabar", "PKBarcodeFormatEAN13", "PKBarcodeFormatI2of5"}
	for i := range formats {
		for _, s := range []string{"4006381333931", "HELLO", "A123B", "1234", "ü", "cc-0001 Flat white"} {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, format uint8, message string) {
		checkDecodesBack(t, formats[int(format)%len(formats)], message)
	})
}

// A huge message is refused before drawing (a 200 KB Code39 message once
// made a 49 MB SVG), and a drawn code is kept by content.
func TestDrawerBoundsAndCaches(t *testing.T) {
	d := NewDrawer(4)
	start := time.Now()
	if _, err := d.SVG("PKBarcodeFormatCode39", strings.Repeat("A", 200_000), 3, 60); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("a 200 KB message: %v", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("refusing took %s", time.Since(start))
	}
	a, err := d.SVG("PKBarcodeFormatQR", "hello", 2, 50)
	if err != nil {
		t.Fatal(err)
	}
	if d.cache.Len() != 1 {
		t.Errorf("%d codes kept", d.cache.Len())
	}
	b, _ := d.SVG("PKBarcodeFormatQR", "hello", 2, 50)
	c, _ := d.SVG("PKBarcodeFormatQR", "hello", 3, 60)
	if a != b || a == c || d.cache.Len() != 2 {
		t.Error("codes are not kept by content and size")
	}
}

// Check no longer draws a QR code to learn that a message fits: the
// capacity it relies on is the standard's, checked here against the
// encoder itself (2,331 bytes fit version 40 at level M, one more does
// not), and the largest message Check lets through, in the least compact
// mode, is drawn.
func TestQRCapacityIsTheEncoders(t *testing.T) {
	if _, err := qr.Encode(strings.Repeat("x", qrCapacityBytes), qr.M, qr.Auto); err != nil {
		t.Errorf("%d bytes at level M: %v; the standard says they fit", qrCapacityBytes, err)
	}
	if _, err := qr.Encode(strings.Repeat("x", qrCapacityBytes+1), qr.M, qr.Auto); err == nil {
		t.Errorf("%d bytes at level M were drawn; the standard's capacity is %d", qrCapacityBytes+1, qrCapacityBytes)
	}
	largest := strings.Repeat("é", MaxMessageBytes/2) // two bytes each in UTF-8: byte mode
	if err := Check("PKBarcodeFormatQR", largest, "utf-8"); err != nil {
		t.Fatal(err)
	}
	if _, err := Encode("PKBarcodeFormatQR", largest); err != nil {
		t.Errorf("Check let a message through that cannot be drawn: %v", err)
	}
}
