package justimmotest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// A test of code that uses Justimmo tokens, against the fake, including an
// outage of the token endpoint.
func ExampleNewServer() {
	srv := justimmotest.NewServer(justimmotest.Options{})
	defer srv.Close()
	p, err := justimmo.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}

	srv.InjectFault(justimmotest.EndpointToken, oauthkittest.Fault{Status: 503, Body: "<h1>maintenance</h1>", Times: 3})
	_, err = p.ClientCredentials(context.Background())
	var e *oauthkit.Error
	if errors.As(err, &e) {
		fmt.Println("HTTP", e.StatusCode, e.Body)
	}

	tok, err := p.ClientCredentials(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, "after", srv.Requests(justimmotest.EndpointToken), "requests")
	// Output:
	// HTTP 503 maintenance
	// Bearer after 4 requests
}
