// Command webapp is a small web app with single sign-on through package
// web: a sign-in page with a button per vendor, the callback, a page showing
// who is logged in with a button that calls the vendor's API with the
// user's (refreshed) token, and logout.
//
// By default it runs against the in-process vendor fakes and needs no
// network or credentials:
//
//	go run ./examples/webapp
//
// It prints the URL to open. With -fakes=false it uses the real vendors
// configured in the environment (a vendor without its variables is left
// out); register {public URL}/auth/{vendor}/callback as the redirect URL:
//
//	WEBUNTIS_TENANT, WEBUNTIS_CLIENT_ID, WEBUNTIS_OIDC_SECRET
//	UNISIGNIN_URL, UNISIGNIN_CLIENT_ID, UNISIGNIN_CLIENT_SECRET
//	JUSTIMMO_CLIENT_ID, JUSTIMMO_CLIENT_SECRET
//	LICENSESPRING_API_KEY, LICENSESPRING_SHARED_KEY, LICENSESPRING_PRODUCT, LICENSESPRING_CUSTOMER
//	WEBAPP_KEY   base64 of 32 random bytes (zero: a new key, so sessions end on restart)
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	publicURL := flag.String("public-url", "", "the app's URL as the browser sees it (zero: http://{addr})")
	fakes := flag.Bool("fakes", true, "run against the in-process vendor fakes")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	key, err := keyFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var vendors []vendor
	if *fakes {
		f := startFakes(base)
		defer f.Close()
		vendors, err = f.vendors(base)
	} else {
		vendors, err = realVendors(base)
	}
	if err != nil {
		log.Fatal(err)
	}
	a, err := newApp(vendors, key, logger)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	fmt.Printf("webapp: open %s/\n", base)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// keyFromEnv reads WEBAPP_KEY, or returns nil for a fresh random key.
func keyFromEnv() ([]byte, error) {
	v := strings.TrimSpace(os.Getenv("WEBAPP_KEY"))
	if v == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, errors.New("WEBAPP_KEY must be base64 of 32 bytes")
	}
	return k, nil
}
