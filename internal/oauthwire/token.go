package oauthwire

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// AuthStyle is how a token request carries the client's credentials.
type AuthStyle int

const (
	// AuthInBody sends client_id and client_secret as form fields
	// (client_secret_post, RFC 6749 §2.3.1).
	AuthInBody AuthStyle = iota + 1
	// AuthBasic sends Basic credentials with each part form-URL-encoded
	// first, as RFC 6749 §2.3.1 requires (client_secret_basic).
	AuthBasic
	// AuthBasicRaw sends Basic base64(id ":" secret) with the parts as they
	// are: what WebUntis' own examples send, and what a server that does not
	// URL-decode Basic credentials (league/oauth2-server) expects.
	AuthBasicRaw
	// AuthPublic sends only client_id in the body: a public client (RFC 6749
	// §2.1), which proves itself with PKCE instead of a secret.
	AuthPublic
	// AuthPrivateKeyJWT sends client_id and a client assertion the client
	// signed with its key (private_key_jwt: RFC 7523 §2.2, OpenID Connect
	// Core §9), made by Request.Assertion for each request. Such a request
	// is never resent once it may have reached the server: the server keeps
	// the assertion's jti and would refuse it a second time.
	AuthPrivateKeyJWT
)

// ClientAssertionType is client_assertion_type for a JWT (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Client sends token requests for one provider. It is safe for concurrent
// use. Each request is reported, once it ends, to the observer of its HTTP
// client ([httpc.Client.Observer]).
type Client struct {
	Provider string           // names the provider in errors
	HTTP     *httpc.Client    // required
	Now      func() time.Time // nil: time.Now; sets Expiry from expires_in
}

// Request is one token request.
type Request struct {
	Op       string     // names the operation in errors: "exchange", "client credentials", "refresh", …
	TokenURL string     // the token endpoint (the revocation endpoint for [Client.Revoke])
	Params   url.Values // grant_type and the grant's parameters; not modified
	ClientID string
	Secret   oauthkit.Secret // client secret or password; empty for AuthPublic
	Auth     AuthStyle

	// Assertion makes a fresh client assertion for AuthPrivateKeyJWT;
	// endpoint is the URL the request goes to (TokenURL), for an assertion
	// whose aud names it.
	Assertion func(ctx context.Context, endpoint string) (string, error)

	// SecretParams names Params whose values are secret for this request
	// alone, and so are scrubbed from its errors as sensitiveParams' are:
	// a pushed authorization request's state and nonce (RFC 9126 §2.1),
	// which the browser never sees when they are pushed.
	SecretParams []string

	// SingleUse marks a request that is never resent once it may have
	// reached the server. [Client.Token] sets it itself for the grants whose
	// credential is single-use: authorization_code (RFC 6749 §4.1.2) and
	// refresh_token (a rotating refresh token is revoked by its first use,
	// RFC 6749 §10.4 and RFC 9700 §4.14.2). Set it for any other grant that
	// must not reach the server twice.
	SingleUse bool
	// NoRetry sends the request once, with no retry at all: for a request
	// the caller repeats on its own schedule (a device token poll, RFC 8628
	// §3.5).
	NoRetry bool

	// Advise returns the vendor's documented cause for an error, or "".
	Advise func(*oauthkit.Error) string

	// DPoP, when set, makes the request's DPoP proof (RFC 9449 §5), sent in
	// the DPoP header; the answer's token_type may then be DPoP as well as
	// Bearer (the caller decides whether Bearer will do), and a DPoP token
	// gets DPoPJKT, the proof key's thumbprint, in its extras under
	// [ExtraDPoPJKT]. A request with a proof is never resent: the server
	// keeps the proof's jti.
	DPoP    func(ctx context.Context) (string, error)
	DPoPJKT string
	// Header, when set, is given the answer's header, whatever its status
	// (the DPoP-Nonce of RFC 9449 §8).
	Header func(http.Header)
}

// sensitiveParams are the form fields whose values never appear in an error.
var sensitiveParams = []string{"client_secret", "code", "code_verifier", "refresh_token", "password", "assertion", "client_assertion", "token", "device_code"}

// Token sends r and returns the token, or an error: an [*oauthkit.Error] for
// anything the server answered, the transport's error (wrapped, so
// errors.Is(err, context.Canceled) works) when no answer came.
func (c *Client) Token(ctx context.Context, r Request) (*oauth2.Token, error) {
	x, err := c.send(ctx, &r)
	if err != nil {
		return nil, err
	}
	if r.Header != nil && x.resp != nil {
		r.Header(x.resp.Header)
	}
	tok, err := c.answer(&x)
	c.report(ctx, r.Op, x.start, x.resp, x.attempts, x.err != nil, err)
	return tok, err
}

// roundTrip is one request sent: what came back, and when, and what names
// it in errors.
type roundTrip struct {
	r        *Request
	auth     string       // the Authorization header sent, if any
	fields   [3][2]string // the client's fields added to the form: fields[:nfields]
	nfields  int
	resp     *httpc.Response
	attempts int
	err      error     // none, or one whose body could not be read
	sent     time.Time // the provider's clock, for expires_in
	start    time.Time // the wall clock with its monotonic reading, for the duration
}

// Form and header values every token request sends, shared rather than
// made for each: nothing writes to them.
var (
	formContentType = []string{"application/x-www-form-urlencoded"}
	acceptJSON      = []string{"application/json"}
)

// send POSTs r's form to r.TokenURL with the client authentication r.Auth
// names. Its error is only for a request that could not be built; what
// happened on the wire is in the result. r's Params are not modified; the
// client's fields are added to the body as it is encoded.
func (c *Client) send(ctx context.Context, r *Request) (roundTrip, error) {
	header := http.Header{"Content-Type": formContentType, "Accept": acceptJSON}
	x := roundTrip{r: r}
	extra, n := &x.fields, 0 // the client's fields, when in the body
	switch r.Auth {
	case AuthInBody:
		extra[0], extra[1], n = [2]string{"client_id", r.ClientID}, [2]string{"client_secret", r.Secret.Reveal()}, 2
	case AuthBasic:
		x.auth = basic(url.QueryEscape(r.ClientID), url.QueryEscape(r.Secret.Reveal()))
	case AuthBasicRaw:
		x.auth = basic(r.ClientID, r.Secret.Reveal())
	case AuthPublic:
		extra[0], n = [2]string{"client_id", r.ClientID}, 1
	case AuthPrivateKeyJWT:
		if r.Assertion == nil {
			return x, fmt.Errorf("%s: %s: private_key_jwt without an assertion signer", c.Provider, r.Op)
		}
		a, err := r.Assertion(ctx, r.TokenURL)
		if err != nil {
			return x, fmt.Errorf("%s: %s: %w", c.Provider, r.Op, err)
		}
		extra[0], extra[1], extra[2], n = [2]string{"client_id", r.ClientID}, [2]string{"client_assertion_type", ClientAssertionType}, [2]string{"client_assertion", a}, 3
	default:
		return x, fmt.Errorf("%s: %s: unknown client authentication style %d", c.Provider, r.Op, r.Auth)
	}
	x.nfields = n
	if x.auth != "" {
		header["Authorization"] = []string{x.auth}
	}
	if r.DPoP != nil {
		proof, err := r.DPoP(ctx)
		if err != nil {
			return x, fmt.Errorf("%s: %s: %w", c.Provider, r.Op, err)
		}
		header.Set("DPoP", proof)
	}
	x.start = time.Now()
	x.sent = x.start // one clock reading, unless the provider has its own clock
	if c.Now != nil {
		x.sent = c.Now()
	}
	x.resp, x.attempts, x.err = c.HTTP.DoAttempts(ctx, &httpc.Request{
		Method:    http.MethodPost,
		URL:       r.TokenURL,
		Header:    header,
		Body:      encodeForm(r.Params, x.extra()),
		Op:        r.Op,
		SingleUse: r.SingleUse || singleUseGrant(r.Params.Get("grant_type")) || r.Auth == AuthPrivateKeyJWT || r.DPoP != nil,
		NoRetry:   r.NoRetry,
	})
	return x, nil
}

// call returns what names x in errors, with every encoding of a credential
// it sent: the values, the whole Authorization header and its payload, in
// both Basic forms (redact adds the URL, base64, HTML and JSON escapings of
// each). Only errors need it, so it is built for them alone.
func (x *roundTrip) call(provider string) Call {
	r := x.r
	secrets := []string{r.Secret.Reveal(), x.auth}
	if r.Auth == AuthBasic || r.Auth == AuthBasicRaw {
		secrets = append(secrets,
			basicPayload(r.ClientID, r.Secret.Reveal()),
			basicPayload(url.QueryEscape(r.ClientID), url.QueryEscape(r.Secret.Reveal())))
	}
	for _, k := range sensitiveParams {
		secrets = append(secrets, r.Params[k]...)
		for _, f := range x.extra() {
			if f[0] == k {
				secrets = append(secrets, f[1])
			}
		}
	}
	for _, k := range r.SecretParams {
		secrets = append(secrets, r.Params[k]...)
	}
	return Call{Provider: provider, Op: r.Op, Secrets: redact.NewSecrets(secrets...), Advise: r.Advise}
}

// extra is the client's fields that x added to the form.
func (x *roundTrip) extra() [][2]string { return x.fields[:x.nfields] }

// encodeForm is [url.Values.Encode] of params with the fields in extra set
// (replacing any of the same name), without copying params: the same
// bytes, keys in order.
func encodeForm(params url.Values, extra [][2]string) []byte {
	var buf [8]string
	keys := buf[:0]
	size := 0
	for k, vs := range params {
		if !slices.ContainsFunc(extra, func(f [2]string) bool { return f[0] == k }) {
			keys = append(keys, k)
			size += len(vs) * (len(k) + 16)
		}
	}
	for _, f := range extra {
		keys = append(keys, f[0])
		size += len(f[0]) + len(f[1]) + 2
	}
	slices.Sort(keys)
	b := make([]byte, 0, size+16)
	add := func(k, v string) {
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, url.QueryEscape(k)...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(v)...)
	}
	for _, k := range keys {
		if i := slices.IndexFunc(extra, func(f [2]string) bool { return f[0] == k }); i >= 0 {
			add(k, extra[i][1])
			continue
		}
		for _, v := range params[k] {
			add(k, v)
		}
	}
	return b
}

// answer turns what [httpc.Client.Do] returned into a token or an error.
// A request that carried a DPoP proof (r.DPoPJKT) accepts token_type DPoP.
func (c *Client) answer(x *roundTrip) (*oauth2.Token, error) {
	resp := x.resp
	if x.err != nil {
		err := x.call(c.Provider).TransportError(resp, x.err)
		if resp != nil && resp.StatusCode/100 == 2 {
			err = spent(x.r, err) // a body over the limit, or cut short
		}
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, x.call(c.Provider).ResponseError(resp)
	}
	// Expiry counts from when the request was sent, not when the answer
	// arrived: the server started the clock no later than that.
	tok, perr := parseToken(resp.Header.Get("Content-Type"), resp.Body, x.sent, x.r.DPoPJKT)
	if perr != nil {
		call := x.call(c.Provider)
		if e := call.ErrorInSuccess(resp); e != nil {
			return nil, e
		}
		return nil, spent(x.r, call.Malformed(resp, perr))
	}
	return tok, nil
}

// spent marks err, the refusal of a success answer to r, with
// [oauthkit.ErrRefreshTokenSpent] when r is a refresh: the server answered,
// so it may have rotated the refresh token r sent, and the answer holding
// the new one is not used. Whether it did cannot be read from an answer
// that does not parse, so it is taken to have.
func spent(r *Request, err error) error {
	if r.Op != oauthkit.OpRefresh {
		return err
	}
	return fmt.Errorf("%w: %w", err, oauthkit.ErrRefreshTokenSpent)
}

// report tells the observer how a token request ended. err is the error the
// caller gets, already scrubbed.
func (c *Client) report(ctx context.Context, op string, start time.Time, resp *httpc.Response, attempts int, noAnswer bool, err error) {
	obs := c.HTTP.Observer()
	if obs == nil {
		return
	}
	info := oauthkit.TokenRequestInfo{Op: op, Outcome: oauthkit.OutcomeOK, Attempts: attempts, Start: start, Duration: time.Since(start), Err: err}
	if resp != nil {
		info.StatusCode = resp.StatusCode
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		info.Outcome = oauthkit.OutcomeCanceled
	case noAnswer:
		info.Outcome = oauthkit.OutcomeTransportError
	default:
		info.Outcome = oauthkit.OutcomeError
	}
	if err != nil { // e, which escapes, is only made for an error
		if e := (*oauthkit.Error)(nil); errors.As(err, &e) {
			info.ErrorCode = e.Code
		}
	}
	obs.TokenRequest(ctx, info)
}

// singleUseGrant reports whether a grant's credential is spent by its first
// use, so that a request for it must never reach the server twice: a code,
// and a refresh token, which servers that rotate them (league/oauth2-server,
// Keycloak) revoke on first use.
func singleUseGrant(grantType string) bool {
	return grantType == "authorization_code" || grantType == "refresh_token"
}

// basic is the Authorization header's value, built in one allocation
// when the credentials are short: the usual case.
func basic(user, pass string) string {
	var rawBuf [96]byte
	raw := append(append(append(rawBuf[:0], user...), ':'), pass...)
	var buf [136]byte
	b := base64.StdEncoding.AppendEncode(append(buf[:0], "Basic "...), raw)
	return string(b)
}

// basicPayload is basic's value without its scheme: the encoding errors
// are scrubbed of.
func basicPayload(user, pass string) string {
	return strings.TrimPrefix(basic(user, pass), "Basic ")
}

// IsForm reports whether a Content-Type names a form-encoded body.
func IsForm(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "application/x-www-form-urlencoded" || mt == "text/plain"
}
