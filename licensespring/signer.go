package licensespring

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// Signer signs License API requests. Every License API request is signed
// the same way (docs/vendors/licensespring.md#request-signing), so a Signer
// serves any endpoint — sso_url, activate_license, the rest:
//
//	Date:          the current time, RFC 7231 IMF-fixdate in GMT
//	Authorization: algorithm="hmac-sha256",headers="date",signature="<sig>",apikey="<APIKey>"
//
// where <sig> is standard base64 (padded) of HMAC-SHA256 over
// "licenseSpring\ndate: " + <the Date header value>, keyed with the shared
// key's UTF-8 bytes.
//
// The hand-written signing (rather than an HTTP-signatures library) is
// because LicenseSpring's scheme is not draft-cavage: there is no scheme word
// before the parameters, the signing string starts with the constant
// "licenseSpring", and the key id is named apikey.
//
// A Signer formats itself without its shared key (SharedKey is an
// [oauthkit.Secret]). It is safe for concurrent use.
type Signer struct {
	APIKey    string
	SharedKey oauthkit.Secret
	Now       func() time.Time // zero: time.Now
}

// Sign sets the Date and Authorization headers of req, replacing any it
// has. It signs only the Date: the vendor's scheme covers no other part of
// the request.
func (s *Signer) Sign(req *http.Request) error {
	h, err := s.Header()
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	return nil
}

// Header returns the Date and Authorization headers for a request sent
// now. LicenseSpring accepts them for 15 minutes
// (docs/vendors/licensespring.md#request-signing), so sign each request as
// it is sent rather than reusing a header.
func (s *Signer) Header() (http.Header, error) {
	h, _, err := s.header()
	return h, err
}

// header returns the headers and the signature, which the caller scrubs
// from errors: anyone holding it can replay the request for 15 minutes.
func (s *Signer) header() (http.Header, string, error) {
	if err := checkAPIKey(s.APIKey); err != nil {
		return nil, "", &oauthkit.ConfigError{Provider: name, Field: "Signer.APIKey", Reason: err.Error()}
	}
	if s.SharedKey.IsZero() {
		return nil, "", &oauthkit.ConfigError{Provider: name, Field: "Signer.SharedKey", Reason: "is required"}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// docs/vendors/licensespring.md#request-signing: the current time as an
	// RFC 7231 IMF-fixdate in GMT (the vendor's example: Thu, 17 Nov 2022
	// 20:51:35 GMT). http.TimeFormat is that format and needs a UTC time.
	date := now().UTC().Format(http.TimeFormat)
	sig := signature(s.SharedKey, date)
	// docs/vendors/licensespring.md#request-signing: no scheme word; the
	// parameter is "apikey" (some SDKs write "apiKey"; the docs' spelling is
	// used).
	auth := `algorithm="hmac-sha256",headers="date",signature="` + sig + `",apikey="` + s.APIKey + `"`
	return http.Header{"Date": {date}, "Authorization": {auth}}, sig, nil
}

// signature is the vendor's request signature for a Date header value
// (docs/vendors/licensespring.md#request-signing): standard, padded base64 of
// HMAC-SHA256 over "licenseSpring\ndate: " + date with no trailing newline,
// keyed with the shared key's UTF-8 bytes (not decoded).
func signature(sharedKey oauthkit.Secret, date string) string {
	mac := hmac.New(sha256.New, []byte(sharedKey.Reveal()))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Transport returns an [http.RoundTripper] that signs every request it
// sends through base (nil: http.DefaultTransport). It signs a copy: the
// caller's request is not modified.
//
//	client := &http.Client{Transport: signer.Transport(nil)}
//
// Redirects: the [http.Client] above it decides whether to follow one, and
// the transport signs each hop afresh — a signed Date and Authorization are
// accepted for 15 minutes by whoever receives them. So it refuses to sign
// (and send) a redirect to another scheme or host, with an error matching
// [oauthkit.ErrCrossOriginRedirect]: the client's own removal of Authorization on
// such a redirect does not help, because a transport below it would add the
// header back. A redirect within the same scheme and host is followed and
// signed. To refuse every redirect instead, set the client's CheckRedirect.
func (s *Signer) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &signingTransport{signer: s, base: base}
}

type signingTransport struct {
	signer *Signer
	base   http.RoundTripper
}

// Format prints the transport without its shared key: fmt cannot reach the
// Secret's own Format through the unexported signer field, and would print
// the key raw.
func (t signingTransport) Format(f fmt.State, _ rune) {
	io.WriteString(f, "licensespring.Transport{"+t.signer.String()+"}")
}

// LogValue implements [slog.LogValuer] without the shared key.
func (t signingTransport) LogValue() slog.Value { return t.signer.LogValue() }

// String describes the signer without its shared key.
func (s Signer) String() string {
	return "licensespring.Signer{APIKey:" + strconv.Quote(s.APIKey) + " SharedKey:[redacted]}"
}

// GoString is String.
func (s Signer) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Signer) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue implements [slog.LogValuer] without the shared key.
func (s Signer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("api_key", s.APIKey), slog.Any("shared_key", s.SharedKey))
}

func (t *signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	fail := func(err error) (*http.Response, error) {
		// A RoundTripper closes the body even when it fails.
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if httpc.CrossOriginRedirect(req) {
		return fail(fmt.Errorf("%s: signed request: %w", name, oauthkit.ErrCrossOriginRedirect))
	}
	h, err := t.signer.Header()
	if err != nil {
		return fail(err)
	}
	signed := req.Clone(req.Context())
	for k, vs := range h {
		signed.Header[k] = vs
	}
	return t.base.RoundTrip(signed)
}
