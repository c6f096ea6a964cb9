package webuntis

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// BasicEncoding is how the client-credentials request puts the client id and
// the platform password into its Basic header. The two forms differ only when
// either holds '+' or '%': RFC 6749 §2.3.1 has the server URL-decode both
// parts, so a raw '+' reaches such a server as a space and a raw '%' starts
// an escape, while a server that does not decode reads the URL-encoded form
// as a different password.
type BasicEncoding int

const (
	// BasicAuto sends the raw form first, as WebUntis' own examples do. When
	// the server refuses it (invalid_client, invalid_grant or HTTP 401) and
	// the client id or password holds '+' or '%', it tries the URL-encoded
	// form once; the form the server accepted is kept for the Provider's
	// later requests, so the second form is sent once, not on every request.
	BasicAuto BasicEncoding = iota
	// BasicRaw always sends base64(clientID ":" password) with both parts as
	// they are, as the vendor's own (Postman) examples send them.
	BasicRaw
	// BasicURLEncoded always form-URL-encodes both parts first, as RFC 6749
	// §2.3.1 requires (client_secret_basic).
	BasicURLEncoded
)

// String names the encoding as its constant.
func (b BasicEncoding) String() string {
	switch b {
	case BasicAuto:
		return "BasicAuto"
	case BasicRaw:
		return "BasicRaw"
	case BasicURLEncoded:
		return "BasicURLEncoded"
	}
	return "BasicEncoding(invalid)"
}

// basicChoice remembers, for one Provider, the Basic form the server last
// accepted in BasicAuto mode. Its zero value means raw.
type basicChoice struct{ style atomic.Int32 }

func (c *basicChoice) load() oauthwire.AuthStyle {
	if s := oauthwire.AuthStyle(c.style.Load()); s != 0 {
		return s
	}
	return oauthwire.AuthBasicRaw
}

func (c *basicChoice) store(s oauthwire.AuthStyle) { c.style.Store(int32(s)) }

// basicAmbiguous reports whether the raw and the URL-encoded Basic forms of
// id and password read differently to a server that URL-decodes them.
func basicAmbiguous(id, password string) bool {
	return strings.ContainsAny(id, "+%") || strings.ContainsAny(password, "+%")
}

// clientCredentialsBasic sends the client-credentials request in the Basic
// form cfg.BasicEncoding asks for; in BasicAuto mode it tries the other form
// once when the first is refused and the forms differ, and remembers the one
// that worked.
func (p *Provider) clientCredentialsBasic(ctx context.Context) (*oauth2.Token, error) {
	ambiguous := basicAmbiguous(p.cfg.ClientID, p.cfg.Password.Reveal())
	switch p.cfg.BasicEncoding {
	case BasicRaw:
		return p.clientCredentialsRequest(ctx, oauthwire.AuthBasicRaw, forcedBasicNote(ambiguous, BasicRaw))
	case BasicURLEncoded:
		return p.clientCredentialsRequest(ctx, oauthwire.AuthBasic, forcedBasicNote(ambiguous, BasicURLEncoded))
	}
	first := p.basic.load()
	if !ambiguous {
		return p.clientCredentialsRequest(ctx, first, "")
	}
	tok, err := p.clientCredentialsRequest(ctx, first, "")
	if err == nil || !credentialsRefused(err) {
		return tok, err
	}
	other := oauthwire.AuthBasic
	if first == oauthwire.AuthBasic {
		other = oauthwire.AuthBasicRaw
	}
	tok, err = p.clientCredentialsRequest(ctx, other, adviceBothBasicForms)
	if err == nil {
		p.basic.store(other)
	}
	return tok, err
}

// credentialsRefused reports whether the server turned the client's
// credentials down, as a wrong Basic form would be.
func credentialsRefused(err error) bool {
	var e *oauthkit.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.StatusCode == http.StatusUnauthorized ||
		errors.Is(e, oauthkit.ErrInvalidClient) || errors.Is(e, oauthkit.ErrInvalidGrant)
}

// forcedBasicNote is the advice to add when a forced Basic form is refused
// and the other form would read differently.
func forcedBasicNote(ambiguous bool, forced BasicEncoding) string {
	if !ambiguous {
		return ""
	}
	if forced == BasicRaw {
		return adviceForcedRaw
	}
	return adviceForcedURLEncoded
}
