package leaguefake

import (
	"context"
	"net/http"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// Browse plays the browser at a fake's authorize endpoint: it requests
// authURL without following the redirect, answering the consent screen with
// approve (or deny), and returns the URL the server redirects to — the
// application's callback with code and state, or an error redirect.
func Browse(ctx context.Context, hc *http.Client, authURL string, deny bool) (*url.URL, error) {
	var header http.Header
	if deny {
		header = http.Header{ConsentHeader: {"deny"}}
	}
	return fakeidp.Browse(ctx, hc, authURL, header)
}

// Instruments counts a fake's requests and applies its injected faults.
type Instruments = fakeidp.Instruments
