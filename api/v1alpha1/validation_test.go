package v1alpha1_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// The API server itself refuses what the schema and CEL rules can judge,
// with a message a person understands. Each case changes one thing of a
// valid object.
func TestInvalidObjectsRefused(t *testing.T) {
	cert := func() runtime.Object { return validCertificate("cert") }
	boarding := func() runtime.Object { return validTemplate("tpl", walletv1.StyleBoardingPass) }
	coupon := func() runtime.Object { return validTemplate("tpl", walletv1.StyleCoupon) }
	event := func() runtime.Object { return validTemplate("tpl", walletv1.StyleEventTicket) }
	generic := func() runtime.Object { return validTemplate("tpl", walletv1.StyleGeneric) }
	pass := func() runtime.Object { return validPass("pass", "tpl", "serial-1") }
	img := func(typ, key string) map[string]any {
		return map[string]any{"type": typ, "configMapKeyRef": map[string]any{"name": "images", "key": key}}
	}

	cases := []struct {
		name   string
		base   func() runtime.Object
		change func(map[string]any)
		want   string
	}{
		// PassCertificate
		{"certificate without secret name", cert, set("spec.secretRef.name", ""), "spec.secretRef.name"},
		{"pass type identifier without pass. prefix", cert, set("spec.selfSigned.passTypeIdentifier", "com.example.test"), "passTypeIdentifier is a reverse-DNS name starting with pass."},
		{"team identifier of the wrong shape", cert, set("spec.selfSigned.teamIdentifier", "team-1"), "teamIdentifier is ten upper-case letters or digits"},
		{"negative expiry warning", cert, set("spec.expiryWarning", "-24h"), "expiryWarning must not be negative"},
		{"zero self-signed validity", cert, set("spec.selfSigned.validity", "0s"), "validity must be positive"},

		// PassTemplate: style, colours, fields
		{"unknown style", coupon, set("spec.style", "posterGeneric"), `Unsupported value: "posterGeneric"`},
		{"boarding pass without transit type", boarding, set("spec.transitType", nil), "transitType is required for boardingPass templates"},
		{"transit type on a coupon", coupon, set("spec.transitType", "PKTransitTypeBus"), "transitType is required for boardingPass templates and not allowed for other styles"},
		{"unknown transit type", boarding, set("spec.transitType", "PKTransitTypeRocket"), `Unsupported value: "PKTransitTypeRocket"`},
		{"colour by name", coupon, set("spec.backgroundColor", "red"), "a colour is written rgb(r, g, b)"},
		{"colour component above 255", coupon, set("spec.foregroundColor", "rgb(256, 0, 0)"), "a colour is written rgb(r, g, b)"},
		{"hex colour", coupon, set("spec.labelColor", "#ffcc00"), "a colour is written rgb(r, g, b)"},
		{"empty organization name", coupon, set("spec.organizationName", ""), "spec.organizationName"},
		{"missing description", coupon, set("spec.description", nil), `spec.description: Required value`},
		{"changeMessage without %@", coupon, set("spec.fields.header[0].changeMessage", "Gate changed"), "changeMessage must contain %@"},
		{"field key with a space", coupon, set("spec.fields.primary[0].key", "full name"), "a field key uses letters, digits"},
		{"duplicate field key in a section", coupon, appendTo("spec.fields.primary", map[string]any{"key": "name", "value": "x"}), "Duplicate value"},
		{"date and number style together", coupon, func(o map[string]any) {
			set("spec.fields.primary[0].dateStyle", "PKDateStyleShort")(o)
			set("spec.fields.primary[0].numberStyle", "PKNumberStyleDecimal")(o)
		}, "a field is either a date (dateStyle, timeStyle) or a number (numberStyle, currencyCode), not both"},
		{"number style and currency together", coupon, func(o map[string]any) {
			set("spec.fields.primary[0].currencyCode", "EUR")(o)
			set("spec.fields.primary[0].numberStyle", "PKNumberStyleDecimal")(o)
		}, "numberStyle and currencyCode exclude each other"},
		{"unknown date style", coupon, set("spec.fields.primary[0].dateStyle", "PKDateStyleHuge"), `Unsupported value: "PKDateStyleHuge"`},
		{"currency code of the wrong shape", coupon, set("spec.fields.primary[0].currencyCode", "euro"), "currencyCode is an ISO 4217 code"},
		{"too many header fields", coupon, func(o map[string]any) {
			for _, k := range []string{"h2", "h3", "h4"} {
				appendTo("spec.fields.header", map[string]any{"key": k, "value": "x"})(o)
			}
		}, "spec.fields.header: Too many: 4: must have at most 3 items"},

		// PassTemplate: barcodes, images, relevance, localizations, webhooks
		{"unknown barcode format", coupon, set("spec.barcodes[0].format", "PKBarcodeFormatDataMatrix"), `Unsupported value: "PKBarcodeFormatDataMatrix"`},
		{"image scale 4", coupon, set("spec.images[0].scale", int64(4)), "spec.images[0].scale: Invalid value: 4: spec.images[0].scale in body should be less than or equal to 3"},
		{"image scale 0", coupon, set("spec.images[0].scale", int64(0)), "should be greater than or equal to 1"},
		{"unknown image type", coupon, set("spec.images[1].type", "poster"), `Unsupported value: "poster"`},
		{"no icon", coupon, set("spec.images[0].type", "strip"), "an icon image is required"},
		{"image from both a ConfigMap and a Secret", coupon, set("spec.images[0].secretKeyRef", map[string]any{"name": "s", "key": "k"}), "an image is read from exactly one of configMapKeyRef, secretKeyRef or url"},
		{"image from a ConfigMap and a URL", coupon, set("spec.images[0].url", "https://images.example.com/icon.png"), "an image is read from exactly one of configMapKeyRef, secretKeyRef or url"},
		{"image from plain http", coupon, set("spec.images[0]", map[string]any{"type": "icon", "url": "http://images.example.com/icon.png"}), "an image url is https://"},
		{"image from nowhere", coupon, set("spec.images[0].configMapKeyRef", nil), "an image is read from exactly one of configMapKeyRef, secretKeyRef or url"},
		{"same image twice", coupon, appendTo("spec.images", img("logo", "logo-again.png")), "each image type, scale and language appears once"},
		{"strip on a boarding pass", boarding, appendTo("spec.images", img("strip", "strip.png")), "a boardingPass uses only icon, logo and footer images"},
		{"footer on a coupon", coupon, appendTo("spec.images", img("footer", "footer.png")), "a coupon uses only icon, logo and strip images"},
		{"strip on a generic pass", generic, appendTo("spec.images", img("strip", "strip.png")), "a generic pass uses only icon, logo and thumbnail images"},
		{"event ticket with strip and background", event, func(o map[string]any) {
			appendTo("spec.images", img("strip", "strip.png"))(o)
			appendTo("spec.images", img("background", "bg.png"))(o)
		}, "an eventTicket with a strip image cannot also have a background or thumbnail image"},
		{"event ticket with strip and thumbnail", event, func(o map[string]any) {
			appendTo("spec.images", img("strip", "strip.png"))(o)
			appendTo("spec.images", img("thumbnail", "thumb.png"))(o)
		}, "an eventTicket with a strip image cannot also have a background or thumbnail image"},
		{"latitude above 90", coupon, set("spec.relevance", map[string]any{"locations": []any{map[string]any{"latitude": 91.5, "longitude": 14.4}}}), "spec.relevance.locations[0].latitude: Invalid value: 91.5: spec.relevance.locations[0].latitude in body should be less than or equal to 90"},
		{"longitude below -180", coupon, set("spec.relevance", map[string]any{"locations": []any{map[string]any{"latitude": 50.1, "longitude": -181.0}}}), "should be greater than or equal to -180"},
		{"beacon UUID of the wrong shape", coupon, set("spec.relevance", map[string]any{"beacons": []any{map[string]any{"proximityUUID": "beacon-1"}}}), "proximityUUID must be a UUID"},
		{"relevant date not a date", coupon, set("spec.relevance", map[string]any{"relevantDate": "next friday"}), "spec.relevance.relevantDate"},

		// PassTemplate: the keys of iOS 18 and later
		{"relevant interval and date together", coupon, set("spec.relevance", map[string]any{"dates": []any{map[string]any{"date": "2026-12-12T10:00:00Z", "startDate": "2026-12-12T10:00:00Z", "endDate": "2026-12-12T11:00:00Z"}}}), "a relevant date is either date, or startDate and endDate"},
		{"relevant interval without its end", coupon, set("spec.relevance", map[string]any{"dates": []any{map[string]any{"startDate": "2026-12-12T10:00:00Z"}}}), "an interval needs both startDate and endDate"},
		{"relevant interval ending before it starts", coupon, set("spec.relevance", map[string]any{"dates": []any{map[string]any{"startDate": "2026-12-12T10:00:00Z", "endDate": "2026-12-12T09:00:00Z"}}}), "endDate must be after startDate"},
		{"poster scheme on a coupon", coupon, set("spec.preferredStyleSchemes", []any{"posterEventTicket"}), "posterEventTicket and eventTicket schemes are for eventTicket templates"},
		{"flight scheme on an event ticket", event, set("spec.preferredStyleSchemes", []any{"semanticBoardingPass"}), "semanticBoardingPass and boardingPass schemes are for boardingPass templates"},
		{"unknown scheme", event, set("spec.preferredStyleSchemes", []any{"posterTicket"}), `Unsupported value: "posterTicket"`},
		{"artwork on a coupon", coupon, appendTo("spec.images", img("artwork", "artwork.png")), "a coupon uses only icon, logo and strip images"},
		{"unknown event type", event, set("spec.semantics", map[string]any{"eventType": "PKEventTypeOpera"}), `Unsupported value: "PKEventTypeOpera"`},
		{"semantic tag Apple lacks", event, set("spec.semantics", map[string]any{"eventTitle": "x"}), `unknown field "spec.semantics.eventTitle"`},
		{"price in a made-up currency", event, set("spec.semantics", map[string]any{"totalPrice": map[string]any{"amount": "10", "currencyCode": "eur"}}), "currencyCode is an ISO 4217 code"},
		{"seat colour by name", event, set("spec.semantics", map[string]any{"seats": []any{map[string]any{"seatSectionColor": "red"}}}), "seatSectionColor is #rrggbb"},
		{"upcoming image both reused and remote", event, set("spec.upcomingPassInformation", []any{map[string]any{"identifier": "a", "name": "A", "images": map[string]any{"venueMap": map[string]any{"reuseExisting": true, "URLs": []any{map[string]any{"URL": "https://x.example/a.png", "SHA256": strings.Repeat("a", 64)}}}}}}), "either reuses the pass's own (reuseExisting) or lists URLs"},
		{"upcoming image over http", event, set("spec.upcomingPassInformation", []any{map[string]any{"identifier": "a", "name": "A", "images": map[string]any{"venueMap": map[string]any{"URLs": []any{map[string]any{"URL": "http://x.example/a.png", "SHA256": strings.Repeat("a", 64)}}}}}}), "over https only"},
		{"two upcoming events of one identifier", event, set("spec.upcomingPassInformation", []any{map[string]any{"identifier": "a", "name": "A"}, map[string]any{"identifier": "a", "name": "B"}}), "Duplicate value"},
		{"NFC key from two places", event, set("spec.nfc", map[string]any{"message": "m", "encryptionPublicKey": map[string]any{"configMapKeyRef": map[string]any{"name": "k", "key": "k"}, "secretKeyRef": map[string]any{"name": "k", "key": "k"}}}), "read from exactly one of configMapKeyRef or secretKeyRef"},
		{"sign-up on an event ticket", event, set("spec.personalization", map[string]any{"description": "Join", "requiredPersonalizationFields": []any{"PKPassPersonalizationFieldName"}}), "a rewards sign-up (personalization) is a storeCard with nfc and a personalizationLogo image"},
		{"sign-up logo without sign-up", coupon, appendTo("spec.images", img("personalizationLogo", "p.png")), "a coupon uses only icon, logo and strip images"},
		{"unknown sign-up field", event, set("spec.personalization", map[string]any{"description": "Join", "requiredPersonalizationFields": []any{"PKPassPersonalizationFieldBirthday"}}), `Unsupported value: "PKPassPersonalizationFieldBirthday"`},
		{"auxiliary row 2", event, set("spec.fields.primary[0].row", int64(2)), "should be less than or equal to 1"},
		{"language not a code", coupon, set("spec.localizations", []any{map[string]any{"language": "English"}}), "a language is a code such as en, cs, pt-BR or zh-Hans"},
		{"expiration with both after and date", coupon, set("spec.expiration", map[string]any{"after": "24h", "date": "2030-01-01T00:00:00Z"}), "set exactly one of expiration.after or expiration.date"},
		{"negative issue-link limit", coupon, set("spec.distribution", map[string]any{"issueLinks": true, "limit": int64(-1)}), "spec.distribution.limit"},
		{"webhook that is not http", coupon, set("spec.webhooks", []any{map[string]any{"url": "ftp://example.com/hook"}}), "a webhook url starts with https://"},
		{"unknown webhook event", coupon, set("spec.webhooks", []any{map[string]any{"url": "https://example.com/hook", "events": []any{"redeem"}}}), `Unsupported value: "redeem"`},
		{"data schema that is not an object", coupon, set("spec.dataSchema", "string"), "spec.dataSchema"},

		// Pass
		{"empty serial number", pass, set("spec.serialNumber", ""), "spec.serialNumber"},
		{"serial number with a slash", pass, set("spec.serialNumber", "a/b"), "serialNumber starts with a letter or digit"},
		{"missing template reference", pass, set("spec.templateRef", nil), "spec.templateRef: Required value"},
		{"field override changeMessage without %@", pass, set("spec.fields", map[string]any{"gate": map[string]any{"value": "53", "changeMessage": "Gate moved"}}), "changeMessage must contain %@"},
		{"expiration date not a date", pass, set("spec.expirationDate", "tomorrow"), "spec.expirationDate"},
		{"data that is not an object", pass, set("spec.data", []any{"a"}), "spec.data"},
	}
	if len(cases) < 20 {
		t.Fatalf("the issue asks for at least 20 invalid objects; have %d", len(cases))
	}

	ctx := context.Background()
	ns := env.Namespace(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := toUnstructured(t, tc.base())
			obj.SetNamespace(ns)
			tc.change(obj.Object)
			err := env.Client.Create(ctx, obj)
			if err == nil {
				_ = env.Client.Delete(ctx, obj)
				t.Fatalf("accepted; want refusal mentioning %q", tc.want)
			}
			if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
				t.Fatalf("want a validation error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("message does not say %q:\n%v", tc.want, err)
			}
		})
	}
}

// The valid bases of the table are accepted, so each refusal above is caused
// by its one change.
func TestValidObjectsAccepted(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	objs := []client.Object{validCertificate("cert"), validPass("pass", "tpl", "serial-1")}
	for _, style := range []walletv1.PassStyle{walletv1.StyleBoardingPass, walletv1.StyleCoupon, walletv1.StyleEventTicket, walletv1.StyleStoreCard, walletv1.StyleGeneric} {
		objs = append(objs, validTemplate(strings.ToLower(string(style)), style))
	}
	// A webhook may take every kind of event there is.
	every := validTemplate("every-event", walletv1.StyleCoupon)
	every.Spec.Webhooks = []walletv1.Webhook{{URL: "https://hooks.example.com/in", Events: []walletv1.WebhookEvent{
		walletv1.WebhookEventRegister, walletv1.WebhookEventUnregister, walletv1.WebhookEventUserAdd, walletv1.WebhookEventUserDelete,
		walletv1.WebhookEventPersonalize, walletv1.WebhookEventCheckIn}}}
	objs = append(objs, every, &walletv1.PassWebhook{ObjectMeta: metav1.ObjectMeta{Name: "team"}, Spec: walletv1.PassWebhookSpec{
		Webhook: every.Spec.Webhooks[0], TemplateSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "events"}}}})
	for _, obj := range objs {
		obj.SetNamespace(ns)
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Errorf("valid %T %s refused: %v", obj, obj.GetName(), err)
		}
	}
}

func TestSerialNumberIsImmutable(t *testing.T) {
	ctx := context.Background()
	p := validPass("immutable", "tpl", "serial-immutable")
	p.Namespace = env.Namespace(t)
	if err := env.Client.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Spec.SerialNumber = "serial-changed"
	err := env.Client.Update(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "serialNumber is immutable") {
		t.Fatalf("changing the serial number: want refusal saying it is immutable, got %v", err)
	}
	// Other fields stay editable.
	p.Spec.SerialNumber = "serial-immutable"
	p.Spec.Voided = true
	if err := env.Client.Update(ctx, p); err != nil {
		t.Fatalf("voiding the pass: %v", err)
	}
}

// Defaults the API server fills in, so a short manifest means what the
// documentation says.
func TestDefaults(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	cert := validCertificate("defaults")
	cert.Namespace = ns
	tpl := validTemplate("defaults", walletv1.StyleCoupon)
	tpl.Namespace = ns
	for _, obj := range []client.Object{cert, tpl} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	if got := cert.Spec.ExpiryWarning; got == nil || got.Duration != 30*24*time.Hour {
		t.Errorf("expiryWarning defaults to 720h; got %v", got)
	}
	if got := cert.Spec.SelfSigned.Validity; got == nil || got.Duration != 365*24*time.Hour {
		t.Errorf("selfSigned.validity defaults to 8760h; got %v", got)
	}
	if got := tpl.Spec.Images[0].Scale; got != 1 {
		t.Errorf("image scale defaults to 1; got %d", got)
	}
	if got := tpl.Spec.Barcodes[0].MessageEncoding; got != "iso-8859-1" {
		t.Errorf("barcode messageEncoding defaults to iso-8859-1; got %q", got)
	}
}
