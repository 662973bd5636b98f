package passjson

import "testing"

// A field reads the same wherever it is shown: the preview, the PDF and
// Google Wallet all take its text from FieldText.
func TestFieldText(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		name  string
		field Field
		want  string
	}{
		{"plain text", Field{Value: "Gate 53"}, "Gate 53"},
		{"a date", Field{Value: "2026-12-31T18:30:00+01:00", DateStyle: "PKDateStyleMedium"}, "31 Dec 2026"},
		{"a time", Field{Value: "2026-12-31T18:30:00+01:00", DateStyle: "PKDateStyleNone", TimeStyle: "PKDateStyleShort"}, "17:30 UTC"},
		{"date and time", Field{Value: "2026-12-31T18:30:00+01:00", DateStyle: "PKDateStyleMedium", TimeStyle: "PKDateStyleShort"}, "31 Dec 2026, 17:30 UTC"},
		{"local time", Field{Value: "2026-12-31T18:30:00+01:00", DateStyle: "PKDateStyleMedium", TimeStyle: "PKDateStyleShort", IgnoresTimeZone: &yes}, "31 Dec 2026, 18:30"},
		{"not a date after all", Field{Value: "soon", DateStyle: "PKDateStyleMedium"}, "soon"},
		{"a percentage", Field{Value: 0.5, NumberStyle: "PKNumberStylePercent"}, "50%"},
		{"an amount", Field{Value: 12.5, CurrencyCode: "EUR"}, "12.50 EUR"},
		{"a number", Field{Value: 1200.0}, "1200"},
		{"nothing", Field{}, ""},
	} {
		if got := FieldText(tc.field); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRGB(t *testing.T) {
	if got, ok := RGB("rgb(237, 184, 61)"); !ok || got != [3]int{237, 184, 61} {
		t.Errorf("rgb(237, 184, 61): %v %v", got, ok)
	}
	for _, bad := range []string{"#edb83d", "rgb(1,2)", "rgb(1, 2, 3); background: url(x)", ""} {
		if _, ok := RGB(bad); ok {
			t.Errorf("%q read as a colour", bad)
		}
	}
}
