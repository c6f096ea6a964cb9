package dpop

import (
	"net/http"
	"sync"
)

// maxNonces bounds how many servers' nonces [Nonces] remembers.
const maxNonces = 1024

// maxNonceLen bounds a DPoP-Nonce header value kept: a nonce is an opaque
// string of a few dozen characters (RFC 9449 §8.1).
const maxNonceLen = 1024

// Server is whose nonce [Nonces] keeps. An authorization server's nonces
// (its token endpoint, RFC 9449 §8) and a resource server's (the userinfo
// endpoint, an API, §9) are kept apart even on one origin: each server
// issues its own, and a nonce is for the server that issued it (§9), so
// the two must not overwrite each other's.
type Server uint8

const (
	// ResourceServer is a server that takes DPoP-bound access tokens:
	// the userinfo endpoint, an API reached through [Transport].
	ResourceServer Server = iota
	// AuthorizationServer is the server's token endpoint.
	AuthorizationServer
)

// nonceKey is what a nonce is kept under: the server's role and origin.
type nonceKey struct {
	server Server
	origin string
}

// Nonces remembers the last DPoP-Nonce each server (role and origin) gave
// (RFC 9449 §8, §9), for the next proof sent there. One Nonces serves a
// provider's token requests and every resource request it sends, for all
// its users. It is bounded: past 1024 servers the oldest is forgotten (its
// next request is then answered use_dpop_nonce once more). The zero value
// is ready; it is safe for concurrent use.
type Nonces struct {
	mu    sync.Mutex
	m     map[nonceKey]string
	order []nonceKey
}

// Get returns the nonce for server s at target's origin, "" for none. A
// resource server is never sent an authorization server's nonce, even on
// the same origin (RFC 9449 §9: a nonce is for the server that issued it);
// it asks for its own with use_dpop_nonce once.
func (n *Nonces) Get(s Server, target string) string {
	k := nonceKey{s, Origin(target)}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[k]
}

// Set keeps nonce for server s at target's origin and reports whether it
// did: an empty, oversized or malformed one is ignored.
func (n *Nonces) Set(s Server, target, nonce string) bool {
	if nonce == "" || len(nonce) > maxNonceLen || !visibleASCII(nonce) {
		return false
	}
	k := nonceKey{s, Origin(target)}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[nonceKey]string{}
	}
	if _, ok := n.m[k]; !ok {
		if len(n.order) >= maxNonces {
			delete(n.m, n.order[0])
			n.order = n.order[1:]
		}
		n.order = append(n.order, k)
	}
	n.m[k] = nonce
	return true
}

// Update keeps the DPoP-Nonce of an answer of server s at target, whatever
// its status (a server may send one with a success too, RFC 9449 §8.2,
// §9), and returns it: "" when the answer has none, or none worth keeping.
func (n *Nonces) Update(s Server, target string, h http.Header) string {
	v := h.Get("DPoP-Nonce")
	if !n.Set(s, target, v) {
		return ""
	}
	return v
}

// visibleASCII: a nonce is 1*NQCHAR (RFC 9449 §8.1), %x21 / %x23-5B /
// %x5D-7E.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
