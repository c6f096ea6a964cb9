package dpop

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// Transport sends a DPoP-bound access token to a resource server (RFC 9449
// §7): each request gets "Authorization: DPoP <token>" and a fresh proof
// in the DPoP header, with ath, signed by Key (htm GET for a request
// without a Method, as net/http sends it). It keeps the DPoP-Nonce of
// every answer, per resource server (origin), and, when the resource
// server answers 401 with a DPoP challenge naming error="use_dpop_nonce"
// and a DPoP-Nonce other than the one the proof carried (§9), sends the
// request once more with that nonce; when it names error="invalid_token",
// once more with a renewed token. Only a request whose body can be sent
// again is retried, and each retry happens at most once. A redirect that
// left the origin is refused, as with Bearer tokens.
type Transport struct {
	Key    *Key
	Nonces *Nonces
	// Token returns the token to send, bound to Key, waiting under ctx.
	Token func(ctx context.Context) (*oauth2.Token, error)
	// Renew returns a token to replace rejected (see httpc.BearerTransport).
	Renew func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)
	Base  http.RoundTripper // nil: http.DefaultTransport
	Now   func() time.Time  // nil: time.Now
	// Prefix starts the errors ("openid").
	Prefix string
}

// RoundTrip implements [http.RoundTripper].
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			req.Body.Close()
		}
	}
	if httpc.CrossOriginRedirect(req) {
		closeBody()
		return nil, fmt.Errorf("%s: %w", t.Prefix, oauthkit.ErrCrossOriginRedirect)
	}
	ctx := req.Context()
	tok, err := t.Token(ctx)
	if err != nil {
		closeBody()
		return nil, err
	}
	target := req.URL.String()
	sent := t.Nonces.Get(ResourceServer, target)
	resp, err := t.send(req, tok, target, sent, false)
	if err != nil {
		return nil, err
	}
	nonceRetried, renewed := false, false
	for {
		// Every answer's nonce is kept, a success's too (RFC 9449 §9).
		got := t.Nonces.Update(ResourceServer, target, resp.Header)
		switch challenge(resp) {
		case "use_dpop_nonce":
			// A nonce the proof already carried would be refused again.
			if nonceRetried || got == "" || got == sent || !httpc.Replayable(req) || ctx.Err() != nil {
				return resp, nil
			}
			nonceRetried, sent = true, got // the one this answer asks for
		case "invalid_token":
			if renewed || t.Renew == nil || !httpc.Replayable(req) || ctx.Err() != nil {
				return resp, nil
			}
			cur, rerr := t.Renew(ctx, tok)
			if rerr != nil {
				return resp, nil // the 401 is the answer
			}
			renewed, tok = true, cur
			sent = t.Nonces.Get(ResourceServer, target)
		default:
			return resp, nil
		}
		next, err := t.send(req, tok, target, sent, true)
		if err != nil {
			return resp, nil
		}
		httpc.Discard(resp)
		resp = next
	}
}

// send sends a clone of req with tok and a fresh proof carrying nonce;
// again: with a new body from GetBody.
func (t *Transport) send(req *http.Request, tok *oauth2.Token, target, nonce string, again bool) (*http.Response, error) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet // as net/http sends it (RFC 9449 §4.2: htm is the method sent)
	}
	proof, err := t.Key.Proof(method, target, nonce, tok.AccessToken, now())
	if err != nil {
		if !again && req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s: dpop: %w", t.Prefix, err)
	}
	r := req.Clone(req.Context())
	if again && req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	r.Header.Set("Authorization", "DPoP "+tok.AccessToken)
	r.Header.Set("DPoP", proof)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// challenge returns the error of a 401's DPoP challenge (RFC 9449 §7.1),
// "" for none.
func challenge(resp *http.Response) string {
	if resp.StatusCode != http.StatusUnauthorized {
		return ""
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if e := httpc.ChallengeError(v, "DPoP"); e != "" {
			return e
		}
	}
	return ""
}

// Bound reports whether tok is bound to k: its [ExtraJKT] is k's
// thumbprint. A token without one (a Bearer token, or one cached before
// DPoP was turned on) is not.
func (k *Key) Bound(tok *oauth2.Token) bool {
	jkt, _ := tok.Extra(ExtraJKT).(string)
	return jkt != "" && jkt == k.jkt
}

// CheckBound returns [ErrKeyMismatch] unless tok is bound to k.
func (k *Key) CheckBound(tok *oauth2.Token) error {
	if !k.Bound(tok) {
		return ErrKeyMismatch
	}
	return nil
}
