package oauthwire

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
)

// Options are the Config fields every vendor shares that the wire needs
// (see "Vendor configuration" in package oauthkit).
type Options struct {
	HTTPClient *http.Client
	Timeout    time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
	Metrics    *oauthkit.Metrics
}

// New returns provider's token client: a bounded HTTP client
// ([httpc.New]) with o's timeout that reports token requests and retries
// to o's logger and metrics, and o's clock for token expiry. Its HTTP
// field sends the vendor's other calls (discovery, profiles).
func New(provider string, o Options) *Client {
	hc := httpc.New(httpc.Options{
		HTTPClient: o.HTTPClient, Timeout: o.Timeout,
		Observer: observe.New(provider, o.Logger, o.Metrics),
	})
	return &Client{Provider: provider, HTTP: hc, Now: o.Now}
}
