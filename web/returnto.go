package web

import (
	"net/url"
	"strings"
)

// SafeReturnTo returns s if it is a same-site relative path — "/", "/x",
// "/x?y=z#f" — and "/" otherwise: absolute URLs ("https://…",
// "javascript:…"), scheme-relative ones ("//evil", "/\evil", which browsers
// read as "//evil"), their percent-encoded forms ("/%2F%2Fevil",
// "/%5Cevil"), control characters (tabs and newlines, which browsers strip),
// dot segments, and anything over 2 KiB.
func SafeReturnTo(s string) string {
	if !safePath(s, true) {
		return "/"
	}
	// The same checks on every decoding of it: a server or proxy on the way
	// may decode once more than the browser does.
	d := s
	for range 3 {
		next, err := url.PathUnescape(d)
		if err != nil || !safePath(next, false) {
			return "/"
		}
		if next == d {
			break
		}
		d = next
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return s
}

// safePath checks one form of a return_to; raw ones must be ASCII (a
// browser percent-encodes the rest), decoded ones may hold UTF-8.
func safePath(s string, raw bool) bool {
	if s == "" || len(s) > 2048 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || (raw && c >= 0x80) {
			return false
		}
	}
	path, _, _ := strings.Cut(s, "?")
	path, _, _ = strings.Cut(path, "#")
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(path, "//")
}
