package oauthwire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// BenchmarkClientCredentials compares one client-credentials request, over
// loopback to the same server, with x/oauth2's clientcredentials.Config:
// what the library adds (size limit, retries policy, redaction set-up, error
// typing) against the nearest standard path.
func BenchmarkClientCredentials(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2ln","token_type":"Bearer","expires_in":180,"scope":"roster-core.readonly"}`)
	}))
	defer srv.Close()
	ctx := context.Background()

	b.Run("oauthkit", func(b *testing.B) {
		c := &Client{Provider: "webuntis", HTTP: httpc.New(httpc.Options{HTTPClient: srv.Client()})}
		req := Request{Op: "client credentials", TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}},
			ClientID: "BestApp", Secret: "pl+tf/rm=pass:w%rd&", Auth: AuthBasicRaw}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Token(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("x-oauth2-clientcredentials", func(b *testing.B) {
		cfg := &clientcredentials.Config{ClientID: "BestApp", ClientSecret: "pl+tf/rm=pass:w%rd&", TokenURL: srv.URL, AuthStyle: oauth2.AuthStyleInHeader}
		cctx := context.WithValue(ctx, oauth2.HTTPClient, srv.Client())
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cfg.Token(cctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cannedTransport answers every request with the same token response
// without a network: what is left of a request's cost is the client's own.
type cannedTransport struct{ body string }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       r,
	}, nil
}

// BenchmarkClientCredentialsNoNetwork is BenchmarkClientCredentials over a
// transport that answers at once: the CPU each client spends on a request
// of its own, without the loopback server and the kernel, whose cost is the
// same for both and whose noise hides the difference.
func BenchmarkClientCredentialsNoNetwork(b *testing.B) {
	hc := &http.Client{Transport: cannedTransport{body: `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2ln","token_type":"Bearer","expires_in":180,"scope":"roster-core.readonly"}`}}
	const tokenURL = "https://idp.example/token"
	ctx := context.Background()
	b.Run("oauthkit", func(b *testing.B) {
		c := &Client{Provider: "webuntis", HTTP: httpc.New(httpc.Options{HTTPClient: hc})}
		req := Request{Op: "client credentials", TokenURL: tokenURL, Params: url.Values{"grant_type": {"client_credentials"}},
			ClientID: "BestApp", Secret: "pl+tf/rm=pass:w%rd&", Auth: AuthBasicRaw}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Token(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("x-oauth2-clientcredentials", func(b *testing.B) {
		cfg := &clientcredentials.Config{ClientID: "BestApp", ClientSecret: "pl+tf/rm=pass:w%rd&", TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}
		cctx := context.WithValue(ctx, oauth2.HTTPClient, hc)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cfg.Token(cctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseToken is the parse of a token response alone.
func BenchmarkParseToken(b *testing.B) {
	body := []byte(`{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2ln","token_type":"Bearer","expires_in":180,"scope":"roster-core.readonly"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseToken("application/json", body, now); err != nil {
			b.Fatal(err)
		}
	}
}
