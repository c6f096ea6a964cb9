package fakeidp

import "strings"

// loopbackHosts are the hosts of RFC 8252 §7.3's loopback redirect URIs, as
// they appear in a URL: the IPv4 and IPv6 loopback literals, and "localhost"
// (which RFC 8252 §8.3 calls NOT RECOMMENDED, since it may resolve to
// another interface; the fakes accept it because developers register it).
var loopbackHosts = []string{"127.0.0.1", "[::1]", "localhost"}

// RedirectRegistered reports whether requested is one of the registered
// redirect URIs: the same string, or — for a registered loopback redirect
// URI on plain http (http://127.0.0.1, http://[::1] or http://localhost) —
// the same URI on any port, as RFC 8252 §7.3 asks of authorization servers
// so that a native app (or a test) can listen on a port the system picks.
// Scheme, host, path and query must match exactly; a loopback host matches
// only itself (127.0.0.1 is not localhost). Every other redirect URI must
// match exactly (RFC 6749 §3.1.2.3).
func RedirectRegistered(registered []string, requested string) bool {
	want, loopback := withoutLoopbackPort(requested)
	for _, r := range registered {
		if r == requested {
			return true
		}
		if loopback {
			if got, ok := withoutLoopbackPort(r); ok && got == want {
				return true
			}
		}
	}
	return false
}

// withoutLoopbackPort returns u with the port of its authority removed when
// u is a plain-http URL on a loopback host, compared as written (no
// normalization: "HTTP://LOCALHOST/" is not a loopback redirect URI here).
func withoutLoopbackPort(u string) (string, bool) {
	rest, ok := strings.CutPrefix(u, "http://")
	if !ok {
		return "", false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	for _, h := range loopbackHosts {
		port, found := strings.CutPrefix(authority, h)
		if !found {
			continue
		}
		if port == "" || (len(port) > 1 && port[0] == ':' && digits(port[1:])) {
			return "http://" + h + tail, true
		}
	}
	return "", false
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(s) <= 5
}
