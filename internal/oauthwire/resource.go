package oauthwire

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
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
	resp, err := hc.Do(ctx, &httpc.Request{Method: http.MethodGet, URL: url, Header: h})
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
