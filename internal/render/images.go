package render

import (
	"bytes"
	"fmt"
	"image/png"
	"slices"
	"strings"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// ImageSource returns the bytes an Image points to (a ConfigMap or Secret
// key). A missing object or key is an error whose text names it.
type ImageSource func(img walletv1.Image) ([]byte, error)

// allowedImages lists the image types of each style (Apple's Wallet
// Developer Guide).
var allowedImages = map[walletv1.PassStyle][]walletv1.ImageType{
	walletv1.StyleBoardingPass: {walletv1.ImageIcon, walletv1.ImageLogo, walletv1.ImageFooter},
	walletv1.StyleCoupon:       {walletv1.ImageIcon, walletv1.ImageLogo, walletv1.ImageStrip},
	walletv1.StyleStoreCard:    {walletv1.ImageIcon, walletv1.ImageLogo, walletv1.ImageStrip, walletv1.ImagePersonalizationLogo},
	walletv1.StyleEventTicket:  {walletv1.ImageIcon, walletv1.ImageLogo, walletv1.ImageStrip, walletv1.ImageBackground, walletv1.ImageThumbnail, walletv1.ImageArtwork, walletv1.ImageSecondaryLogo},
	walletv1.StyleGeneric:      {walletv1.ImageIcon, walletv1.ImageLogo, walletv1.ImageThumbnail},
}

// maxPoints is the largest size, in points (pixels at @1x), Wallet shows
// each image type at (Apple's published sizes; the strip is the largest of
// its per-style sizes). Wallet scales down anything larger; this renderer
// refuses images more than twice as large, which only waste bundle space.
var maxPoints = map[walletv1.ImageType][2]int{
	walletv1.ImageIcon:       {38, 38},
	walletv1.ImageLogo:       {160, 50},
	walletv1.ImageStrip:      {375, 144},
	walletv1.ImageBackground: {180, 220},
	walletv1.ImageThumbnail:  {90, 90},
	walletv1.ImageFooter:     {286, 15},
	// A poster's artwork fills the card and its secondary logo sits at the
	// foot. Apple's Pass reference gives no point sizes for them: bounded
	// at a full card and at the logo's size.
	walletv1.ImageArtwork:       {375, 500},
	walletv1.ImageSecondaryLogo: {160, 50},
	// Apple's Wallet Developer Guide, Rewards Enrollment: 150 x 40 points.
	walletv1.ImagePersonalizationLogo: {150, 40},
}

// maxImageBytes bounds one PNG: a bundle is stored in the cluster and
// downloaded by phones.
const maxImageBytes = 256 << 10

const sizeTolerance = 2

// ImageName is the path of an image in the bundle: logo@2x.png,
// cs.lproj/icon.png.
func ImageName(img walletv1.Image) string {
	name := string(img.Type)
	if img.Scale > 1 {
		name += fmt.Sprintf("@%dx", img.Scale)
	}
	name += ".png"
	if img.Language != "" {
		name = string(img.Language) + ".lproj/" + name
	}
	return name
}

// loadImage reads and checks one image: a PNG (by its header, not its
// name) within Apple's size limits for its type and scale.
func loadImage(src ImageSource, img walletv1.Image, field string) ([]byte, error) {
	data, err := src(img)
	if err != nil {
		return nil, errorf(walletv1.ReasonImageNotFound, field, "%v", err)
	}
	if len(data) > maxImageBytes {
		return nil, errorf(walletv1.ReasonInvalidImage, field, "%s image is %d KiB; the limit is %d KiB: compress it or reduce its size",
			img.Type, len(data)>>10, maxImageBytes>>10)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errorf(walletv1.ReasonInvalidImage, field, "%s image is not a PNG (Wallet shows PNG images only): convert it to PNG", img.Type)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errorf(walletv1.ReasonInvalidImage, field, "%s image is a damaged PNG: %v", img.Type, err)
	}
	scale := max(int(img.Scale), 1)
	limit := maxPoints[img.Type]
	maxW, maxH := limit[0]*scale*sizeTolerance, limit[1]*scale*sizeTolerance
	if cfg.Width > maxW || cfg.Height > maxH {
		return nil, errorf(walletv1.ReasonInvalidImage, field, "%s image at @%dx is %dx%d pixels; Wallet shows it at most %dx%d, so keep it within %dx%d",
			img.Type, scale, cfg.Width, cfg.Height, limit[0]*scale, limit[1]*scale, maxW, maxH)
	}
	return data, nil
}

// checkImageTypes enforces the style's image rules on the images a bundle
// will hold (the template's and the pass's overrides together).
func checkImageTypes(style walletv1.PassStyle, images []walletv1.Image, field string) error {
	allowed := allowedImages[style]
	has := map[walletv1.ImageType]bool{}
	for _, img := range images {
		if !slices.Contains(allowed, img.Type) {
			return errorf(walletv1.ReasonInvalidImage, field, "a %s pass cannot show a %s image; it shows %s", style, img.Type, joinTypes(allowed))
		}
		has[img.Type] = true
	}
	if !has[walletv1.ImageIcon] {
		return errorf(walletv1.ReasonInvalidImage, field, "an icon image is required: Wallet shows it on the lock screen and in notifications")
	}
	if style == walletv1.StyleEventTicket && has[walletv1.ImageStrip] && (has[walletv1.ImageBackground] || has[walletv1.ImageThumbnail]) {
		return errorf(walletv1.ReasonInvalidImage, field, "an eventTicket with a strip image cannot also have a background or thumbnail image")
	}
	return nil
}

func joinTypes(types []walletv1.ImageType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
