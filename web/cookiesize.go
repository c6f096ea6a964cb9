package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxCookieSize bounds the name and value of a cookie the handler sets,
// together. Browsers keep a cookie of up to 4096 bytes of name and value
// (RFC 6265bis §5.6, §6.1) and silently drop a larger one: the login, or
// the session, would then never come back, and the user would go round the
// login again and again. The margin leaves room for browsers that count a
// little more.
const maxCookieSize = 4000

// ErrCookieTooLarge: a cookie the handler would set — a login's state
// cookie, or a session cookie sealing an unusually long subject — is larger
// than browsers keep. Nothing was stored: the login is refused (500).
var ErrCookieTooLarge = errors.New("web: cookie too large for browsers")

// checkCookieSize returns an error wrapping [ErrCookieTooLarge] when a
// cookie named name with value is too large to be kept; what names the
// cookie's purpose.
func checkCookieSize(what, name, value string) error {
	if n := len(name) + len(value); n > maxCookieSize {
		return fmt.Errorf("web: %s: %w: %d bytes of name and value, at most %d", what, ErrCookieTooLarge, n, maxCookieSize)
	}
	return nil
}

// sealCookie returns the sealed value of the cookie named name holding v
// as JSON, bound to ad: without HTML escaping, so that a return_to's & or a
// name's < stays one byte; or an error wrapping [ErrCookieTooLarge] when
// browsers would not keep the cookie (see checkCookieSize; what names its
// purpose).
func (h *Handler) sealCookie(what, name string, v any, ad []byte) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("web: %s: %w", what, err)
	}
	value := h.sealer.Seal(bytes.TrimSpace(buf.Bytes()), ad)
	if err := checkCookieSize(what, name, value); err != nil {
		return "", err
	}
	return value, nil
}

// keptReturnTo is returnTo as a sealed cookie keeps it: up to maxReturnTo
// bytes of JSON, "/" when longer.
func keptReturnTo(returnTo string) string {
	if len(returnTo)+strings.Count(returnTo, `"`) > maxReturnTo { // its length in JSON
		return "/"
	}
	return returnTo
}

// cutUTF8 returns s cut to at most n bytes, at the start of a UTF-8
// sequence, so that a valid string stays valid.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
