package native

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
)

// DefaultRedirectURL is the redirect URL [Listen] uses when given none: the
// IPv4 loopback on a port the system picks, path /callback.
const DefaultRedirectURL = "http://127.0.0.1/callback"

// Listener is a loopback TCP listener waiting for one login's callback
// (RFC 8252 §7.3). [Listen] opens it; [Listener.Login] or
// [Listener.Complete] serves one login on it and closes it.
//
// It is bound to the loopback interface only: to 127.0.0.1 or ::1, never to
// a wildcard address, so no other machine can reach it (RFC 8252 §8.3).
type Listener struct {
	ln          net.Listener
	redirectURL string // with the actual port
	host        string // host:port as the browser sends it in Host
	path        string

	mu   sync.Mutex
	used bool
}

// Listen opens the loopback listener for a registered redirect URL and
// returns it; [Listener.RedirectURL] is the URL to give the provider.
//
// redirectURL is the loopback redirect URL registered with the vendor:
// scheme http, host 127.0.0.1 or [::1] (an IP literal: RFC 8252 §8.3 calls
// "localhost" NOT RECOMMENDED, since it may resolve elsewhere and firewalls
// treat it differently), a path, no query or fragment. Without a port, or
// with port 0, the system picks a free one — the vendor must accept its
// registered loopback redirect URL on any port, as RFC 8252 §7.3 requires;
// with a port, that port is used (for a vendor that matches redirect URLs
// exactly). "" is [DefaultRedirectURL].
func Listen(redirectURL string) (*Listener, error) {
	if redirectURL == "" {
		redirectURL = DefaultRedirectURL
	}
	u, ip, port, err := parseRedirect(redirectURL)
	if err != nil {
		return nil, err
	}
	network := "tcp4"
	if ip.To4() == nil {
		network = "tcp6"
	}
	ln, err := net.Listen(network, net.JoinHostPort(ip.String(), port))
	if err != nil {
		return nil, fmt.Errorf("native: listen for the callback on %s: %w", net.JoinHostPort(ip.String(), port), err)
	}
	actual := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	host := net.JoinHostPort(u.Hostname(), actual)
	r := url.URL{Scheme: "http", Host: host, Path: u.Path, RawPath: u.RawPath}
	return &Listener{ln: ln, redirectURL: r.String(), host: host, path: u.Path}, nil
}

// parseRedirect checks that redirectURL is a loopback redirect URL a native
// app may listen on, and returns its IP and port ("0" when it has none).
func parseRedirect(redirectURL string) (*url.URL, net.IP, string, error) {
	u, err := url.Parse(redirectURL)
	if err != nil {
		return nil, nil, "", fmt.Errorf("native: redirect URL does not parse: %w", ErrRedirectURL)
	}
	bad := func(why string) error {
		return fmt.Errorf("native: redirect URL %s: %s: %w", u.Redacted(), why, ErrRedirectURL)
	}
	switch {
	case u.Scheme != "http":
		return nil, nil, "", bad("the scheme must be http (RFC 8252 §7.3)")
	case u.User != nil:
		return nil, nil, "", bad("it has user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, nil, "", bad("it has a query or a fragment")
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return nil, nil, "", bad("the host must be a loopback IP literal, 127.0.0.1 or [::1] (RFC 8252 §7.3, §8.3); register the redirect URL with one")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	port := u.Port()
	if port == "" {
		port = "0"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return nil, nil, "", bad("the port is not a number from 0 to 65535")
	}
	return u, ip, port, nil
}

// RedirectURL is the redirect URL with the port the listener got: give it
// to the provider (the vendor's Config.RedirectURL) before its AuthCodeURL.
func (l *Listener) RedirectURL() string { return l.redirectURL }

// Addr is the listener's address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close closes the listener without serving a login. It is safe to call
// more than once, and after [Listener.Login], which closes it itself.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.used {
		return nil
	}
	l.used = true
	return l.ln.Close()
}

// take marks the listener used; only the first caller gets true.
func (l *Listener) take() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.used {
		return false
	}
	l.used = true
	return true
}
