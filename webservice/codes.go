package webservice

import (
	"fmt"
	"image/color"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/aztec"
	"github.com/boombuler/barcode/codabar"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"
	"github.com/boombuler/barcode/ean"
	"github.com/boombuler/barcode/pdf417"
	"github.com/boombuler/barcode/qr"
	"github.com/boombuler/barcode/twooffive"
)

// encodeBarcode draws a pass barcode with boombuler/barcode.
func encodeBarcode(format, message string) (barcode.Barcode, error) {
	switch format {
	case "PKBarcodeFormatQR":
		return qr.Encode(message, qr.M, qr.Auto)
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

// svg renders a barcode as SVG: one rectangle per run of dark modules.
// One-dimensional codes (one module high) are drawn height modules tall.
func svg(code barcode.Barcode, module, height int) string {
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

// qrSVG is the QR code of a link.
func qrSVG(link string) (string, error) {
	code, err := qr.Encode(link, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	return svg(code, 4, 0), nil
}
