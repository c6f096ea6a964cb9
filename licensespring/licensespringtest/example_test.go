package licensespringtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// A test of code that uses LicenseSpring: the fake checks every request's
// HMAC signature and its Date against its own clock, and plays the Keycloak
// realm behind the sso_url.
func ExampleNewServer() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()

	p, err := licensespring.New(srv.Config()) // API URL, both keys, product, customer, HTTP client
	if err != nil {
		log.Fatal(err)
	}
	s, err := p.SSOURL(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Keycloak client:", s.ClientID())

	// A client clock 16 minutes slow: the Date header is outside the window.
	cfg := srv.Config()
	cfg.Now = func() time.Time { return time.Now().Add(-16 * time.Minute) }
	slow, _ := licensespring.New(cfg)
	_, err = slow.SSOURL(context.Background())
	fmt.Println(errors.Is(err, licensespring.ErrDateHeaderDiff))
	// Output:
	// Keycloak client: license-users
	// true
}

// A test of an application's back-channel logout endpoint: the fake mints
// the logout token Keycloak would send, good or broken, and posts it.
func ExampleServer_BackchannelLogout() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()

	// The application under test; here a stand-in that accepts any token.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("logout_token") == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer app.Close()

	ctx := context.Background()
	fmt.Println(srv.BackchannelLogout(ctx, app.URL+"/auth/licensespring/backchannel-logout", srv.LogoutToken("license-user-1", "session-1")))
	fmt.Println(srv.BackchannelLogout(ctx, app.URL+"/auth/licensespring/backchannel-logout", ""))
	// Output:
	// <nil>
	// licensespringtest: back-channel logout: HTTP 400
}
