package oauthwire

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// GetJSON sends GET url with header and decodes a 2xx JSON answer into v.
// Error answers become [*oauthkit.Error] exactly as for token requests; a 2xx
// answer that is not JSON of v's shape is [oauthkit.ErrMalformedResponse]. It
// returns the response so the caller can keep the raw body.
func GetJSON(ctx context.Context, hc *httpc.Client, call Call, url string, header http.Header, v any) (*httpc.Response, error) {
	h := http.Header{"Accept": {"application/json"}}
	for k, vs := range header {
		h[k] = vs
	}
	resp, err := hc.Do(ctx, &httpc.Request{Method: http.MethodGet, URL: url, Header: h, Op: call.Op})
	if err != nil {
		return nil, call.TransportError(resp, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, call.ResponseError(resp)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return nil, call.Malformed(resp, fmt.Errorf("answer is not JSON of the expected shape"))
	}
	return resp, nil
}

// BearerHeader returns an Authorization header carrying an access token.
func BearerHeader(accessToken string) http.Header {
	return http.Header{"Authorization": {"Bearer " + accessToken}}
}

// GetProfile fetches a user's profile: GET url with tok's access token as
// Bearer, the JSON answer handed to parse, whose error becomes
// [oauthkit.ErrMalformedResponse]. Errors are scrubbed of tok's tokens and of
// the secrets in more. It returns the parsed profile and the raw answer.
func GetProfile[T any](ctx context.Context, hc *httpc.Client, provider, op, url string, tok *oauth2.Token, parse func(json.RawMessage) (T, error), more ...string) (T, json.RawMessage, error) {
	var zero T
	if tok == nil || tok.AccessToken == "" {
		return zero, nil, fmt.Errorf("%s: %s: no access token", provider, op)
	}
	call := Call{Provider: provider, Op: op, Secrets: redact.NewSecrets(append([]string{tok.AccessToken, tok.RefreshToken}, more...)...)}
	var raw json.RawMessage
	resp, err := GetJSON(ctx, hc, call, url, BearerHeader(tok.AccessToken), &raw)
	if err != nil {
		return zero, nil, err
	}
	v, err := parse(raw)
	if err != nil {
		return zero, nil, call.Malformed(resp, err)
	}
	return v, raw, nil
}
