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

// Nonces remembers the last DPoP-Nonce each server (origin) gave (RFC 9449
// §8, §9), for the next proof sent there. It is bounded: past 1024 origins
// the oldest is forgotten (its next request is then answered
// use_dpop_nonce once more). The zero value is ready; it is safe for
// concurrent use.
type Nonces struct {
	mu    sync.Mutex
	m     map[string]string
	order []string
}

// Get returns the nonce for target's origin, "" for none.
func (n *Nonces) Get(target string) string {
	o := Origin(target)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[o]
}

// Set keeps nonce for target's origin; an empty or oversized one is
// ignored.
func (n *Nonces) Set(target, nonce string) {
	if nonce == "" || len(nonce) > maxNonceLen || !visibleASCII(nonce) {
		return
	}
	o := Origin(target)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]string{}
	}
	if _, ok := n.m[o]; !ok {
		if len(n.order) >= maxNonces {
			delete(n.m, n.order[0])
			n.order = n.order[1:]
		}
		n.order = append(n.order, o)
	}
	n.m[o] = nonce
}

// Update keeps the DPoP-Nonce of a response from target, if it has one,
// and reports whether it did.
func (n *Nonces) Update(target string, h http.Header) bool {
	v := h.Get("DPoP-Nonce")
	if v == "" {
		return false
	}
	n.Set(target, v)
	return true
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
