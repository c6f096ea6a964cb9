package standard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// OpPushedAuthorization names a pushed authorization request (RFC 9126) in
// an [oauthkit.Error]'s Op.
const OpPushedAuthorization = "pushed authorization request"

// usePAR reports whether the authorization request goes through the
// pushed authorization request endpoint: when the server requires it
// (require_pushed_authorization_requests) or Options.PushedAuthorization
// asks for it. Asked for of a server without the endpoint: an error
// matching errors.ErrUnsupported.
func (p *Provider) usePAR(md *discovery.Metadata) (bool, error) {
	if !p.o.PushedAuthorization && !md.RequirePushedAuthorizationRequests {
		return false, nil
	}
	if md.Endpoints.PushedAuthorizationURL == "" {
		why := "PushedAuthorizationRequests is set"
		if md.RequirePushedAuthorizationRequests {
			why = "the server requires pushed authorization requests"
		}
		return false, fmt.Errorf("%s: %s: %s, but the server has no pushed_authorization_request_endpoint: %w", p.o.Name, OpPushedAuthorization, why, errors.ErrUnsupported)
	}
	return true, nil
}

// pushedSecrets are the parameters of a pushed authorization request whose
// values an error must not show: pushed, they never pass through the
// browser, and the state and nonce are what the callback and the ID token
// are checked against; the PKCE challenge with them. A server's
// error_description echoing the request (RFC 9126 §2.3 lets it describe
// the refusal) has them scrubbed. They are secret for this request only:
// without PAR the browser carries them in the authorization URL anyway.
var pushedSecrets = []string{"state", "nonce", "code_challenge"}

// push sends ar's authorization request to the pushed authorization request
// endpoint (RFC 9126 §2.1): every parameter of its URL, form-encoded, with
// the client's authentication at the token endpoint. It then replaces ar's
// URL by the authorization endpoint with only client_id and the returned
// request_uri (§4), and sets ar.RequestURIExpiresAt from expires_in.
func (p *Provider) push(ctx context.Context, md *discovery.Metadata, ar *oauthkit.AuthRequest) error {
	u, err := url.Parse(ar.URL)
	if err != nil {
		return fmt.Errorf("%s: %s: authorization URL does not parse", p.o.Name, OpPushedAuthorization)
	}
	params := u.Query()
	a, err := p.auth(md)
	if err != nil {
		return err
	}
	var res struct {
		RequestURI string          `json:"request_uri"`
		ExpiresIn  json.RawMessage `json:"expires_in"`
	}
	var expires time.Time
	err = p.wire.Post(ctx, oauthwire.Request{
		Op: OpPushedAuthorization, TokenURL: md.Endpoints.PushedAuthorizationURL, Params: params,
		ClientID: p.o.ClientID, Secret: p.o.ClientSecret, Auth: a.style, Assertion: a.assertion, Advise: p.o.Advise,
		SecretParams: pushedSecrets,
	}, func(an *oauthwire.Answer) error {
		if json.Unmarshal(an.Body, &res) != nil {
			return errors.New("pushed authorization response is not a JSON object of the expected shape")
		}
		if res.RequestURI == "" {
			return errors.New("pushed authorization response has no request_uri")
		}
		lifetime, err := seconds(res.ExpiresIn)
		if err != nil || lifetime <= 0 {
			return errors.New("pushed authorization response's expires_in is not a positive number of seconds")
		}
		expires = an.SentAt.Add(lifetime)
		return nil
	})
	if err != nil {
		return err
	}
	authURL, err := url.Parse(md.Endpoints.AuthURL)
	if err != nil {
		return fmt.Errorf("%s: %s: authorization endpoint does not parse", p.o.Name, OpPushedAuthorization)
	}
	q := authURL.Query()
	q.Set("client_id", p.o.ClientID)
	q.Set("request_uri", res.RequestURI)
	authURL.RawQuery = q.Encode()
	ar.URL = authURL.String()
	ar.RequestURIExpiresAt = expires
	return nil
}

// seconds reads a JSON number of seconds (RFC 9126 §2.2 expires_in, RFC
// 8628 §3.2 expires_in and interval); a numeric string is taken too, as
// x/oauth2 takes expires_in.
func seconds(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 {
		return 0, errors.New("absent")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, errors.New("not a number")
		}
		n = json.Number(s)
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > float64(365*24*3600) {
		return 0, errors.New("not a number of seconds")
	}
	return time.Duration(f * float64(time.Second)), nil
}
