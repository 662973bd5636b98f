// Package weburl checks the web service URL the manager writes into passes
// and the web service serves under.
package weburl

import (
	"fmt"
	"net/url"
)

// Check accepts an absolute https URL, or http in development mode.
func Check(raw string, development bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--webservice-url %q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && !(development && u.Scheme == "http") {
		return fmt.Errorf("--webservice-url %q must be https (devices refuse http; --development allows it for local work)", raw)
	}
	return nil
}
