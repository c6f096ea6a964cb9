package webuntistest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// A test of code that calls WebUntis: the fake issues 180-second tokens on
// the test's clock and answers with an HTML 502 page when told to.
func ExampleNewServer() {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	srv := webuntistest.NewServer(webuntistest.Options{Now: func() time.Time { return now }})
	defer srv.Close()

	p, err := webuntis.New(srv.Config()) // BaseURL, tenant, both credentials, HTTP client
	if err != nil {
		log.Fatal(err)
	}
	tok, err := p.ClientCredentials(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expires in", tok.Expiry.Sub(now))

	srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Status: 502, Body: "<html><h1>502 Bad Gateway</h1></html>"})
	_, err = p.ClientCredentials(context.Background())
	fmt.Println(err)
	fmt.Println("token requests:", srv.Requests(webuntistest.EndpointToken))
	// Output:
	// expires in 3m0s
	// webuntis: client credentials: unexpected response (HTTP 502): body: "502 Bad Gateway"
	// token requests: 4
}
