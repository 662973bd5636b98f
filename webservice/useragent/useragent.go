// Package useragent tells from a request's User-Agent what can open a
// pass: a browser on an Apple device adds a .pkpass to Apple Wallet, one
// on Android follows a Google Wallet save link.
package useragent

import (
	"net/http"
	"strings"
)

// AppleWallet says whether the browser can add a pass to Apple Wallet.
func AppleWallet(r *http.Request) bool {
	ua := r.UserAgent()
	return strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod")
}

// Android says whether the browser runs on Android, where a save link adds
// the pass to Google Wallet.
func Android(r *http.Request) bool { return strings.Contains(r.UserAgent(), "Android") }

// The wallets a device registration is counted under, by Yourpass's names.
const (
	WalletApple        = "ios_wallet"
	WalletPass2U       = "android_pass2u"
	WalletWalletPasses = "android_walletpasses"
	WalletAttido       = "android_attido"
	WalletYourWallet   = "android_yourwallet"
	WalletUnknown      = "unknown"
)

// Wallet is the app that sent a device request, from its User-Agent:
// Apple Wallet (PassKit, Passbook, PassbookUIService), the Android pkpass
// apps by their names, unknown otherwise.
func Wallet(r *http.Request) string {
	ua := strings.ToLower(r.UserAgent())
	for _, w := range []struct{ token, wallet string }{
		{"pass2u", WalletPass2U}, {"walletpasses", WalletWalletPasses}, {"attido", WalletAttido}, {"yourwallet", WalletYourWallet},
		{"passbook", WalletApple}, {"passkit", WalletApple},
	} {
		if strings.Contains(ua, w.token) {
			return w.wallet
		}
	}
	return WalletUnknown
}
