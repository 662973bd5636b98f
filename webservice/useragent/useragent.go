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
