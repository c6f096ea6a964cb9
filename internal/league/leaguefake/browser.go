package leaguefake

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// Browse plays the browser at a fake's authorize endpoint: it requests
// authURL without following the redirect, answering the consent screen with
// approve (or deny), and returns the URL the server redirects to — the
// application's callback with code and state, or an error redirect.
func Browse(ctx context.Context, hc *http.Client, authURL string, deny bool) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	if deny {
		req.Header.Set(ConsentHeader, "deny")
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("authorize answered %s, not a redirect: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return resp.Location()
}

// Instruments counts a fake's requests and applies its injected faults, per
// endpoint name.
type Instruments struct {
	Faults fakeidp.Faults
	Count  fakeidp.Counter
}

// Wrap counts each request to h as endpoint and answers with an injected
// fault instead when there is one.
func (in *Instruments) Wrap(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in.Count.Add(endpoint)
		if in.Faults.Apply(endpoint, w, r) {
			return
		}
		h(w, r)
	}
}
