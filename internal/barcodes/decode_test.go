package barcodes

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"github.com/boombuler/barcode"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// readers are independent decoders (gozxing, the Go port of ZXing) of
// every format but PDF417, which it does not read.
var readers = map[string]func() gozxing.Reader{
	"PKBarcodeFormatQR":      qrcode.NewQRCodeReader,
	"PKBarcodeFormatAztec":   func() gozxing.Reader { return aztec.NewAztecReader() },
	"PKBarcodeFormatCode128": oned.NewCode128Reader,
	"PKBarcodeFormatCode39":  func() gozxing.Reader { return oned.NewCode39ReaderWithFlags(false, true) }, // full ASCII, as drawn
	"PKBarcodeFormatCodabar": oned.NewCodaBarReader,
	"PKBarcodeFormatEAN13":   oned.NewEAN13Reader,
	"PKBarcodeFormatI2of5":   oned.NewITFReader,
}

// decode reads a drawn code back: scaled (modules a scanner can tell
// apart) and set in a quiet zone, as a phone's screen shows it.
func decode(format, message string, code barcode.Barcode) (string, error) {
	b := code.Bounds()
	w, h := b.Dx()*3, b.Dy()*3
	if b.Dy() == 1 { // linear: one row of modules
		h = 60
	}
	scaled, err := barcode.Scale(code, w, h)
	if err != nil {
		return "", err
	}
	const quiet = 40
	canvas := image.NewGray(image.Rect(0, 0, w+2*quiet, h+2*quiet))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(canvas, image.Rect(quiet, quiet, quiet+w, quiet+h), scaled, scaled.Bounds().Min, draw.Src)
	bitmap, err := gozxing.NewBinaryBitmapFromImage(canvas)
	if err != nil {
		return "", err
	}
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_PURE_BARCODE:             true,
		gozxing.DecodeHintType_CHARACTER_SET:            "UTF-8",
		gozxing.DecodeHintType_RETURN_CODABAR_START_END: true,
		gozxing.DecodeHintType_ALLOWED_LENGTHS:          []int{len(message)},
	}
	result, err := readers[format]().Decode(bitmap, hints)
	if err != nil {
		return "", err
	}
	text := result.GetText()
	if format == "PKBarcodeFormatAztec" && text != message {
		// ZXing's Aztec decoder gives binary-shifted bytes as Latin-1
		// characters: the bytes are what was drawn.
		var raw []byte
		for _, r := range text {
			raw = append(raw, byte(r))
		}
		text = string(raw)
	}
	return text, nil
}

// What is drawn reads back as the message: a barcode drawn for another
// message, or wrongly, fails here, not on a scanner at the gate.
func checkDecodesBack(t *testing.T, format, message string) {
	t.Helper()
	if Check(format, message, "utf-8") != nil {
		return
	}
	code, err := Encode(format, message)
	if err != nil {
		t.Fatalf("Check accepted %q as %s, Encode refused it: %v", message, format, err)
	}
	if readers[format] == nil {
		return // PDF417: drawn, not read back
	}
	got, err := decode(format, message, code)
	if err != nil {
		t.Fatalf("%s of %q does not read back: %v", format, message, err)
	}
	if got != message {
		t.Fatalf("%s of %q reads back as %q", format, message, got)
	}
}

func TestDrawnCodesDecodeBack(t *testing.T) {
	for _, tc := range []struct{ format, message string }{
		{"PKBarcodeFormatQR", "https://wallet.example.com/p/cc-0001"},
		{"PKBarcodeFormatQR", "Zürich → 東京"},
		{"PKBarcodeFormatQR", "0123456789"},
		{"PKBarcodeFormatQR", "+4930123456"}, // qr.Auto drew it as a number
		{"PKBarcodeFormatAztec", "M1SMITH/JAMES EABC123 SFOLAXUA 0345"},
		{"PKBarcodeFormatCode128", "cc-0001 Flat white"},
		{"PKBarcodeFormatCode39", "HELLO-42"},
		{"PKBarcodeFormatCode39", "hello~"},
		{"PKBarcodeFormatCodabar", "A40156B"},
		{"PKBarcodeFormatEAN13", "4006381333931"},
		{"PKBarcodeFormatI2of5", "123456"},
		{"PKBarcodeFormatI2of5", "00012345678905"},
	} {
		t.Run(fmt.Sprintf("%s %q", strings.TrimPrefix(tc.format, "PKBarcodeFormat"), tc.message), func(t *testing.T) {
			checkDecodesBack(t, tc.format, tc.message)
		})
	}
}
