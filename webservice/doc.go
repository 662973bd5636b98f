// Package webservice is the device-facing server: Apple's PassKit web
// service protocol, download links and pushes. It is built by the web
// service issue; the layout reserves its place.
package webservice
