package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// OpUserInfo names the userinfo request in errors.
const OpUserInfo = "userinfo"

// ErrInvalidUserInfo: a signed userinfo answer (application/jwt) failed
// verification: its signature, or its iss or aud.
var ErrInvalidUserInfo = errors.New("oauthkit: invalid signed userinfo")

// UserInfo fetches the userinfo endpoint (OpenID Connect Core §5.3) with
// accessToken as Bearer and returns its claims. A JSON answer is taken as it
// is (it came over TLS from the endpoint the metadata names). A signed
// answer (Content-Type application/jwt, §5.3.2) is verified with the
// issuer's keys, and its iss and aud, when present, must be the issuer and
// clientID; a failure wraps [ErrInvalidUserInfo]. An encrypted answer is
// refused. The caller checks sub against the ID token's.
func (m *Metadata) UserInfo(ctx context.Context, provider string, hc *httpc.Client, clientID, accessToken string) (map[string]any, error) {
	return m.UserInfoAuth(ctx, provider, hc, clientID, accessToken, nil)
}

// ResourceAuth sends an access token other than as Bearer: Header makes
// the Authorization (and DPoP) headers of each request, which is sent once
// (a DPoP proof is single-use); Answer is given every answer, a success's
// too (a DPoP server may send its next nonce with any, RFC 9449 §8.2, §9),
// and says whether to send the request once more (a DPoP nonce the server
// asked for), which is done at most once.
type ResourceAuth struct {
	Header func() (http.Header, error)
	Answer func(*httpc.Response) (again bool)
}

// UserInfoAuth is UserInfo with the token sent as auth says; nil: Bearer.
func (m *Metadata) UserInfoAuth(ctx context.Context, provider string, hc *httpc.Client, clientID, accessToken string, auth *ResourceAuth) (map[string]any, error) {
	if m.Endpoints.UserInfoURL == "" {
		return nil, fmt.Errorf("%s: %s: the provider has no userinfo_endpoint: %w", provider, OpUserInfo, errors.ErrUnsupported)
	}
	if accessToken == "" {
		return nil, fmt.Errorf("%s: %s: no access token", provider, OpUserInfo)
	}
	call := oauthwire.Call{Provider: provider, Op: OpUserInfo, Secrets: redact.NewSecrets(accessToken)}
	var (
		resp *httpc.Response
		err  error
	)
	for try := 0; ; try++ {
		h := oauthwire.BearerHeader(accessToken)
		if auth != nil {
			if h, err = auth.Header(); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", provider, OpUserInfo, err)
			}
		}
		h.Set("Accept", "application/json, application/jwt")
		resp, err = hc.Do(ctx, &httpc.Request{Method: http.MethodGet, URL: m.Endpoints.UserInfoURL, Header: h, Op: OpUserInfo, SingleUse: auth != nil})
		if err != nil || auth == nil {
			break
		}
		if again := auth.Answer(resp); !again || try > 0 || resp.StatusCode/100 == 2 {
			break
		}
	}
	if err != nil {
		return nil, call.TransportError(resp, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, call.ResponseError(resp)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	body := resp.Body
	if mt == "application/jwt" {
		if body, err = m.verifyUserInfo(ctx, string(resp.Body), clientID); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", provider, OpUserInfo, err)
		}
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil || claims == nil {
		return nil, call.Malformed(resp, errors.New("userinfo answer is not a JSON object"))
	}
	if sub, ok := claims["sub"].(string); !ok || sub == "" {
		return nil, call.Malformed(resp, errors.New("userinfo answer has no sub"))
	}
	return claims, nil
}

// verifyUserInfo checks a signed userinfo answer and returns its payload.
func (m *Metadata) verifyUserInfo(ctx context.Context, raw, clientID string) ([]byte, error) {
	failure := &fetchFailure{}
	ctx = context.WithValue(ctx, fetchFailureKey{}, failure)
	payload, err := m.keySet().VerifySignature(ctx, raw)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case failure.err != nil:
		return nil, failure.err // the key set could not be reached: says nothing of the answer
	case err != nil:
		// go-oidc's message names the cause, never the token.
		return nil, fmt.Errorf("%w: signature does not verify with the issuer's keys (encrypted answers are not supported)", ErrInvalidUserInfo)
	}
	var c struct {
		Iss string          `json:"iss"`
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: claims do not parse", ErrInvalidUserInfo)
	}
	if c.Iss != "" && c.Iss != m.Endpoints.Issuer {
		return nil, fmt.Errorf("%w: iss %q, expected %q", ErrInvalidUserInfo, redact.Text(c.Iss), m.Endpoints.Issuer)
	}
	if len(c.Aud) > 0 {
		var aud []string
		var one string
		if json.Unmarshal(c.Aud, &one) == nil {
			aud = []string{one}
		} else if json.Unmarshal(c.Aud, &aud) != nil {
			return nil, fmt.Errorf("%w: aud is neither a string nor a list of strings", ErrInvalidUserInfo)
		}
		if !slices.Contains(aud, clientID) {
			return nil, fmt.Errorf("%w: aud does not hold client %q", ErrInvalidUserInfo, clientID)
		}
	}
	return payload, nil
}
