package useragent

import (
	"net/http"
	"testing"
)

func TestWallet(t *testing.T) {
	for ua, want := range map[string]string{
		"PassbookUIService/1.0 CFNetwork/1496.0.7 Darwin/23.5.0": WalletApple,
		"Passbook/1.0 CFNetwork/672.0.2 Darwin/14.0.0":           WalletApple,
		"Pass2U Wallet/4.2.1 (Linux; Android 14; Pixel 8)":       WalletPass2U,
		"WalletPasses/3.1 (Android 13)":                          WalletWalletPasses,
		"Attido Wallet/1.4 Android":                              WalletAttido,
		"YourWallet/2.0 (Android 12)":                            WalletYourWallet,
		"okhttp/4.12.0":                                          WalletUnknown,
		"":                                                       WalletUnknown,
	} {
		r, _ := http.NewRequest("POST", "/", nil)
		r.Header.Set("User-Agent", ua)
		if got := Wallet(r); got != want {
			t.Errorf("%q: %s, want %s", ua, got, want)
		}
	}
}
