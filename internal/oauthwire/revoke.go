package oauthwire

import (
	"context"
	"errors"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// ErrUnsupportedTokenType is the error code of a revocation endpoint that
// does not revoke tokens of the type sent (RFC 7009 §2.2.1): an access
// token, with a server that revokes only refresh tokens, or a
// token_type_hint it does not know. errors.Is(err, ErrUnsupportedTokenType)
// is true of such an [*oauthkit.Error].
const ErrUnsupportedTokenType oauthkit.ErrorCode = "unsupported_token_type"

// Revocation is one token revocation request (RFC 7009 §2.1).
type Revocation struct {
	URL      string // the revocation endpoint
	Token    string // the refresh or access token to revoke
	Hint     string // token_type_hint: "refresh_token", "access_token", or "" for none
	ClientID string
	Secret   oauthkit.Secret // empty for AuthPublic
	Auth     AuthStyle       // the client authentication of the token endpoint (RFC 7009 §2.1)

	// Assertion makes a fresh client assertion for AuthPrivateKeyJWT;
	// endpoint is URL, for an assertion whose aud names it.
	Assertion func(ctx context.Context, endpoint string) (string, error)

	// Advise returns the vendor's documented cause for an error, or "".
	Advise func(*oauthkit.Error) string
}

// Revoke asks the server to invalidate r.Token: a form-encoded POST of
// token and token_type_hint, with the client authentication the token
// endpoint takes, through the same bounded, retrying client as token
// requests. Revocation is idempotent, so a 503 (RFC 7009 §2.2.1: the server
// cannot revoke now) is retried like any transient answer.
//
// A revocation carrying a refresh token is therefore, deliberately, not
// single-use, the one exception to "a refresh token is never sent twice".
// That rule guards the token endpoint, where a rotating server spends a
// refresh token on its first use and takes a second use for a replay
// that revokes the whole grant. A revocation ends the token (and, RFC 7009
// §2.1, its grant) on purpose; a second arrival of it finds a token the
// server no longer knows, which §2.2 answers with 200, and §2.2.1 tells
// the client to retry a 503 after a delay. Not retrying would leave the
// token alive after a logout whose revocation met one transient failure.
// A revocation authenticated with a client assertion is still sent once
// (the server keeps its jti), as every such token request is.
//
// A 2xx answer is success, including for a token the server no longer
// knows (RFC 7009 §2.2: "invalid tokens do not cause an error"). Any other
// answer is an [*oauthkit.Error] with Op [oauthkit.OpRevoke] (an
// unsupported_token_type, RFC 7009 §2.2.1, among them:
// [ErrUnsupportedTokenType]); no answer is the
// transport's error, wrapped. The token appears in neither.
func (c *Client) Revoke(ctx context.Context, r Revocation) error {
	if r.Token == "" {
		return errors.New(c.Provider + ": " + oauthkit.OpRevoke + ": empty token")
	}
	params := url.Values{"token": {r.Token}}
	if r.Hint != "" {
		params.Set("token_type_hint", r.Hint)
	}
	x, err := c.send(ctx, &Request{
		Op:        oauthkit.OpRevoke,
		TokenURL:  r.URL,
		Params:    params,
		ClientID:  r.ClientID,
		Secret:    r.Secret,
		Auth:      r.Auth,
		Assertion: r.Assertion,
		Advise:    r.Advise,
	})
	if err != nil {
		return err
	}
	switch {
	case x.err != nil:
		err = x.call(c.Provider).TransportError(x.resp, x.err)
	case x.resp.StatusCode/100 != 2:
		err = x.call(c.Provider).ResponseError(x.resp)
	}
	c.report(ctx, oauthkit.OpRevoke, x.start, x.resp, x.attempts, x.err != nil, err)
	return err
}
