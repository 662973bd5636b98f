package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// PDF draws the pass on an A4 page: a card the width of a ticket with
// the pass's colours, its logo and logo text, header, primary, secondary and
// auxiliary fields, its first barcode with the alternative text, and a
// VOID mark on a voided pass. Text uses the Go fonts (embedded, so any
// language the pass is written in prints).
func PDF(pj *passjson.Pass, files pkpass.Files) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(pj.Description, true)
	pdf.SetCreator("wallet-operator", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()

	const x, y, width, pad = 45.0, 20.0, 120.0, 6.0
	bg, fg, label := pdfColor(pj.BackgroundColor, [3]int{255, 255, 255}), pdfColor(pj.ForegroundColor, [3]int{0, 0, 0}), pdfColor(pj.LabelColor, [3]int{90, 90, 90})
	_, fields := pj.Style()
	if fields == nil {
		fields = &passjson.Structure{}
	}
	height := 150.0
	pdf.SetFillColor(bg[0], bg[1], bg[2])
	pdf.SetDrawColor(200, 200, 200)
	pdf.RoundedRect(x, y, width, height, 4, "1234", "FD")

	cy := y + pad
	if logo, ok := firstFile(files, "logo@2x.png", "logo.png"); ok {
		pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(logo))
		pdf.ImageOptions("logo", x+pad, cy, 0, 10, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	pdf.SetTextColor(fg[0], fg[1], fg[2])
	pdf.SetFont("go", "B", 13)
	pdf.SetXY(x+pad+32, cy+1)
	pdf.CellFormat(width-2*pad-32-36, 8, pj.LogoText, "", 0, "L", false, 0, "")
	drawFields(pdf, fields.HeaderFields, x+width-pad-36, cy, 36, 9, fg, label)
	cy += 16

	for _, row := range []struct {
		fields []passjson.Field
		size   float64
	}{{fields.PrimaryFields, 20}, {fields.SecondaryFields, 11}, {fields.AuxiliaryFields, 11}} {
		if len(row.fields) == 0 {
			continue
		}
		drawFields(pdf, row.fields, x+pad, cy, width-2*pad, row.size, fg, label)
		cy += 6 + row.size*0.6
	}

	if pj.Voided {
		pdf.SetTextColor(200, 0, 0)
		pdf.SetFont("go", "B", 16)
		pdf.SetXY(x+pad, cy)
		pdf.CellFormat(width-2*pad, 9, "VOID", "", 0, "C", false, 0, "")
		cy += 10
	}
	if len(pj.Barcodes) > 0 {
		if err := drawBarcode(pdf, pj.Barcodes[0], x+pad, cy+2, width-2*pad, y+height-cy-pad-2); err != nil {
			return nil, err
		}
	}

	pdf.SetTextColor(120, 120, 120)
	pdf.SetFont("go", "", 8)
	pdf.SetXY(x, y+height+3)
	pdf.CellFormat(width, 5, pj.OrganizationName+" · "+pj.Description, "", 0, "C", false, 0, "")
	// A poster event ticket's event, and a multi-event pass's events, below
	// the card.
	ly := y + height + 10
	if p := posterOf(pj, files); p != nil {
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("go", "B", 11)
		pdf.SetXY(x, ly)
		pdf.CellFormat(width, 6, strings.Join(nonEmpty(p.Event, p.Starts, p.Venue, p.Seat), " · "), "", 0, "C", false, 0, "")
		ly += 8
	}
	if len(pj.UpcomingPassInformation) > 0 {
		pdf.SetTextColor(60, 60, 60)
		pdf.SetFont("go", "", 9)
		for _, e := range pj.UpcomingPassInformation {
			pdf.SetXY(x, ly)
			pdf.CellFormat(width, 5, strings.Join(nonEmpty(e.Name, dateText(str(e.DateInformation["date"]))), ": "), "", 0, "C", false, 0, "")
			ly += 5
		}
	}

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// drawFields lays fields out side by side in a row: label over value.
func drawFields(pdf *fpdf.Fpdf, fields []passjson.Field, x, y, width, size float64, fg, label [3]int) {
	if len(fields) == 0 {
		return
	}
	w := width / float64(len(fields))
	for i, f := range fields {
		fx := x + float64(i)*w
		pdf.SetTextColor(label[0], label[1], label[2])
		pdf.SetFont("go", "", 7)
		pdf.SetXY(fx, y)
		pdf.CellFormat(w-2, 4, f.Label, "", 0, "L", false, 0, "")
		pdf.SetTextColor(fg[0], fg[1], fg[2])
		pdf.SetFont("go", "", size)
		pdf.SetXY(fx, y+4)
		pdf.CellFormat(w-2, size*0.45, fitText(pdf, passjson.FieldText(f), w-2), "", 0, "L", false, 0, "")
	}
}

// fitText shortens s with an ellipsis until it fits width.
func fitText(pdf *fpdf.Fpdf, s string, width float64) string {
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(string(r)) > width {
		r = append(r[:len(r)-2], '…')
	}
	return string(r)
}

// drawBarcode draws the barcode as a crisp bitmap (each module whole
// pixels) in the box, with its alternative text under it.
func drawBarcode(pdf *fpdf.Fpdf, bc passjson.Barcode, x, y, width, height float64) error {
	code, err := barcodes.Encode(bc.Format, bc.Message)
	if err != nil {
		return fmt.Errorf("barcode %s: %w", bc.Format, err)
	}
	b := code.Bounds()
	twoD := b.Dy() > 1
	// Linear codes: 25 mm tall, with a quiet zone of 10 modules each side
	// (EAN-13 needs 11 on the left, 7 on the right) inside the width.
	w, h := width*0.8*float64(b.Dx())/float64(b.Dx()+20), 25.0
	quiet := w / float64(b.Dx()) * 10
	if twoD {
		w = min(height-8, width*0.5)
		h = w * float64(b.Dy()) / float64(b.Dx())
		quiet = w / float64(b.Dx()) * 4
	}
	img, err := modules(code, 8, twoD)
	if err != nil {
		return err
	}
	name := "barcode"
	pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
	// A white quiet zone, as scanners need.
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(x+(width-w)/2-quiet, y-quiet, w+2*quiet, h+2*quiet+6, "F")
	pdf.ImageOptions(name, x+(width-w)/2, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("go", "", 8)
	pdf.SetXY(x, y+h+1)
	alt := bc.AltText
	if alt == "" && !twoD {
		alt = bc.Message
	}
	pdf.CellFormat(width, 5, alt, "", 0, "C", false, 0, "")
	return nil
}

// modules scales a barcode up by whole pixels per module (a linear code to
// a band), as a PNG.
func modules(code barcode.Barcode, scale int, twoD bool) ([]byte, error) {
	b := code.Bounds()
	rows := b.Dy()
	if !twoD {
		rows = 1
	}
	img := image.NewGray(image.Rect(0, 0, b.Dx()*scale, rows*scale))
	for px := range img.Rect.Dx() {
		for py := range img.Rect.Dy() {
			c := code.At(b.Min.X+px/scale, b.Min.Y+min(py/scale, b.Dy()-1))
			if r, g, bl, _ := c.RGBA(); r+g+bl > 3*0x7fff {
				img.Pix[py*img.Stride+px] = 255
			}
		}
	}
	var out bytes.Buffer
	err := png.Encode(&out, img)
	return out.Bytes(), err
}

func firstFile(files pkpass.Files, names ...string) ([]byte, bool) {
	for _, n := range names {
		if f, ok := files[n]; ok {
			return f, true
		}
	}
	return nil, false
}

// pdfColor reads a pass colour (rgb(r, g, b)).
func pdfColor(c string, fallback [3]int) [3]int {
	if rgb, ok := passjson.RGB(c); ok {
		return rgb
	}
	return fallback
}
