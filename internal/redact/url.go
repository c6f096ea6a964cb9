package redact

// Printing values that are not strings of a vendor: a URL whose query
// carries a credential, a secret by whether it is set, and a list of keys.

import (
	"net/url"
	"slices"
	"strings"
)

// Query returns rawURL with the value of every query parameter named in
// params replaced by [Placeholder], and a password in its user info
// masked, for a String or LogValue of a type that holds a URL carrying a
// credential (an RP-Initiated Logout URL's id_token_hint). The other
// parameters keep their order and spelling. A URL that does not parse is
// [Placeholder] whole.
func Query(rawURL string, params ...string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Placeholder
	}
	if u.RawQuery != "" {
		pairs := strings.Split(u.RawQuery, "&")
		for i, pair := range pairs {
			k, _, _ := strings.Cut(pair, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if slices.Contains(params, name) {
				pairs[i] = k + "=" + Placeholder
			}
		}
		u.RawQuery = strings.Join(pairs, "&")
	}
	return u.Redacted()
}

// Hidden stands for a value that is never printed: [Placeholder] when it
// is set, "" when it is not, so that a printed value tells which of its
// secrets are there without showing one.
func Hidden(set bool) string {
	if set {
		return Placeholder
	}
	return ""
}

// Keys describes keys without their bytes: [Placeholder] when one of them
// is set, "[]" when none is. Give it a list (Keys(cfg.Keys...)) or one key.
func Keys(keys ...[]byte) string {
	for _, k := range keys {
		if len(k) > 0 {
			return Placeholder
		}
	}
	return "[]"
}
