// Package barcodes draws pass barcodes (boombuler/barcode) and checks, before
// a pass is signed, that its barcode messages are ones their format can
// draw and their messageEncoding can carry: what a scanner cannot read is
// refused, never signed.
package barcodes

import (
	"crypto/sha256"
	"fmt"
	"image/color"
	"strings"
	"unicode/utf8"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/aztec"
	"github.com/boombuler/barcode/codabar"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"
	"github.com/boombuler/barcode/ean"
	"github.com/boombuler/barcode/pdf417"
	"github.com/boombuler/barcode/qr"
	"github.com/boombuler/barcode/twooffive"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/text/encoding/ianaindex"
)

// MaxMessageBytes bounds a barcode message: the largest a QR code holds
// (2,953 bytes at its lowest error correction) is already past what a
// phone screen shows legibly; linear codes are refused far sooner by
// their encoders or by scanners.
const MaxMessageBytes = 2048

// qrCapacityBytes is what the largest QR code (version 40) holds at the
// error correction passes are drawn with (M), in byte mode, the least
// compact of the modes a message may take: ISO/IEC 18004:2015, table 7.
// Every message within MaxMessageBytes fits, so a QR code is never drawn
// to learn that: drawing one (eight masks, each scored by the penalty
// rules) was a quarter of rendering a pass.
const qrCapacityBytes = 2331

// A QR code holds every message Check lets through; a larger
// MaxMessageBytes would need the check back.
var _ [qrCapacityBytes - MaxMessageBytes]struct{}

// Check says why message cannot be drawn as format, or carried in
// encoding (an IANA charset name such as iso-8859-1 or utf-8); nil when it
// can. The error is a sentence a person can act on.
func Check(format, message, encoding string) error {
	if message == "" {
		return fmt.Errorf("the message is empty: a scanner would read nothing")
	}
	if len(message) > MaxMessageBytes {
		return fmt.Errorf("the message is %d bytes; a barcode holds at most %d", len(message), MaxMessageBytes)
	}
	if err := checkEncoding(message, encoding); err != nil {
		return err
	}
	switch format {
	case "PKBarcodeFormatEAN13":
		if len(message) != 13 || strings.Trim(message, "0123456789") != "" {
			return fmt.Errorf("%q is not an EAN-13 code: it needs exactly 13 digits, the last one the check digit", message)
		}
	case "PKBarcodeFormatI2of5":
		if message == "" || len(message)%2 != 0 || strings.Trim(message, "0123456789") != "" {
			return fmt.Errorf("%q is not an Interleaved 2 of 5 code: it needs an even number of digits", message)
		}
	case "PKBarcodeFormatCode128":
		if strings.IndexFunc(message, func(r rune) bool { return r > 127 }) >= 0 {
			return fmt.Errorf("%q holds characters beyond ASCII, which Code 128 scanners do not read reliably: use QR, PDF417 or Aztec", message)
		}
	case "PKBarcodeFormatCodabar":
		// ZXing, the decoder most phones and many scanners use, reads no
		// shorter Codabar.
		if len(message) < 4 {
			return fmt.Errorf("%q is not a Codabar code scanners read: it needs a start character, at least two characters, and a stop character", message)
		}
	case "PKBarcodeFormatQR":
		return nil // within qrCapacityBytes, checked above
	}
	if _, err := Encode(format, message); err != nil {
		return fmt.Errorf("%q cannot be drawn as %s: %v", message, strings.TrimPrefix(format, "PKBarcodeFormat"), err)
	}
	return nil
}

// checkEncoding: every character of message exists in the charset.
func checkEncoding(message, encoding string) error {
	if encoding == "" {
		encoding = "iso-8859-1"
	}
	if !utf8.ValidString(message) {
		return fmt.Errorf("the message is not valid text")
	}
	enc, err := ianaindex.IANA.Encoding(encoding)
	if err != nil || enc == nil {
		return fmt.Errorf("messageEncoding %q is not a charset this operator knows: use iso-8859-1 or utf-8", encoding)
	}
	if _, err := enc.NewEncoder().String(message); err != nil {
		return fmt.Errorf("%q holds characters %s cannot carry: use messageEncoding utf-8 or change the message", message, encoding)
	}
	return nil
}

// Encode draws a pass barcode (format is a PKBarcodeFormat).
func Encode(format, message string) (barcode.Barcode, error) {
	switch format {
	case "PKBarcodeFormatQR":
		return EncodeQR(message)
	case "PKBarcodeFormatPDF417":
		return pdf417.Encode(message, 2)
	case "PKBarcodeFormatAztec":
		return aztec.Encode([]byte(message), aztec.DEFAULT_EC_PERCENT, aztec.DEFAULT_LAYERS)
	case "PKBarcodeFormatCode128":
		return code128.Encode(message)
	case "PKBarcodeFormatCode39":
		return code39.Encode(message, false, true)
	case "PKBarcodeFormatCodabar":
		return codabar.Encode(message)
	case "PKBarcodeFormatEAN13":
		return ean.Encode(message)
	case "PKBarcodeFormatI2of5":
		return twooffive.Encode(message, true)
	}
	return nil, fmt.Errorf("unknown barcode format %q", format)
}

// EncodeQR draws text as a QR code at level M in the most compact mode
// that holds it. Not the library's qr.Auto: it takes any text Go's Atoi
// reads for digits, so "+4930123456" was drawn as a number and scanned as
// "04930123456" (found by FuzzCheckThenEncode reading codes back).
func EncodeQR(text string) (barcode.Barcode, error) {
	mode := qr.Unicode
	switch {
	case text != "" && strings.Trim(text, "0123456789") == "":
		mode = qr.Numeric
	case text != "" && strings.Trim(text, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") == "":
		mode = qr.AlphaNumeric
	}
	return qr.Encode(text, qr.M, mode)
}

// SVG renders a barcode as SVG: one rectangle per run of dark modules.
// One-dimensional codes (one module high) are drawn height modules tall.
func SVG(code barcode.Barcode, module, height int) string {
	b := code.Bounds()
	w, h := b.Dx(), b.Dy()
	rowHeight := module
	if h == 1 {
		rowHeight = height
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`,
		(w+8)*module, h*rowHeight+8*module, (w+8)*module, h*rowHeight+8*module)
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="#fff"/><g fill="#000">`)
	for y := 0; y < h; y++ {
		for x := 0; x < w; {
			if !dark(code.At(b.Min.X+x, b.Min.Y+y)) {
				x++
				continue
			}
			start := x
			for x < w && dark(code.At(b.Min.X+x, b.Min.Y+y)) {
				x++
			}
			fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d"/>`, (start+4)*module, y*rowHeight+4*module, (x-start)*module, rowHeight)
		}
	}
	s.WriteString(`</g></svg>`)
	return s.String()
}

func dark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// QRSVG is the QR code of a link, as SVG.
func QRSVG(link string) (string, error) {
	code, err := EncodeQR(link)
	if err != nil {
		return "", err
	}
	return SVG(code, 4, 0), nil
}

// Drawer draws codes as SVG and keeps the last ones it drew by content, so a
// popular pass's barcode is drawn once, not per preview.
type Drawer struct {
	cache *lru.Cache[[sha256.Size]byte, string]
}

// NewDrawer keeps up to size drawn codes.
func NewDrawer(size int) *Drawer {
	c, _ := lru.New[[sha256.Size]byte, string](size)
	return &Drawer{cache: c}
}

// SVG draws message as format, module pixels per module and height pixels
// tall for linear codes. A message over MaxMessageBytes is refused before
// any drawing: signed bundles from before the render-time check may hold
// one.
func (d *Drawer) SVG(format, message string, module, height int) (string, error) {
	if len(message) > MaxMessageBytes {
		return "", fmt.Errorf("the message is %d bytes; a barcode holds at most %d", len(message), MaxMessageBytes)
	}
	key := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d\x00%s", format, module, height, message))
	if svg, ok := d.cache.Get(key); ok {
		return svg, nil
	}
	code, err := Encode(format, message)
	if err != nil {
		return "", err
	}
	svg := SVG(code, module, height)
	d.cache.Add(key, svg)
	return svg, nil
}
