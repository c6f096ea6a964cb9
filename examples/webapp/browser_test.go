package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser. Nothing
// here downloads one.
const chromiumPath = "/usr/bin/chromium"

// TestBrowserSignInEveryVendor drives a real headless Chromium through the
// app against the in-process fakes: for every vendor it clicks sign-in,
// lands on the fake's own sign-in page ("Sign in to <vendor> (fake)"),
// clicks its "Sign in" button, comes back to the app's signed-in page,
// calls the API with the user's token and logs out. Screenshots of the
// app's sign-in page, of each fake's sign-in page and of each signed-in page
// are kept in a temporary directory, whose paths it logs.
func TestBrowserSignInEveryVendor(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is missing at %s; CI installs it (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("Chromium is not installed at %s (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	f := startFakes(base)
	defer f.Close()
	vendors, err := f.vendors(base)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(vendors, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	shots, err := os.MkdirTemp("", "oauthkit-webapp-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 760),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			p := filepath.Join(shots, name+".png")
			if err := os.WriteFile(p, png, 0o644); err != nil {
				return err
			}
			t.Logf("screenshot: %s", p)
			return nil
		})
	}
	// Start the browser with an unbounded context (its first Run owns it);
	// each step below is bounded by ctx's deadline through step.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	step := func(steps ...chromedp.Action[chromedp.Void]) error {
		sctx, cancel := context.WithTimeout(bctx, 20*time.Second)
		defer cancel()
		return chromedp.Do(sctx, steps...)
	}
	text := func(sel string, out *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Text(chromedp.ID(sel))(ctx, tg)
			*out = v
			return err
		})
	}
	location := func(out *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Location()(ctx, tg)
			*out = v
			return err
		})
	}

	if err := step(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("signin-webuntis")), shot("sign-in")); err != nil {
		t.Fatalf("sign-in page: %v", err)
	}
	for _, v := range vendors {
		name := v.provider.Name()
		t.Run(name, func(t *testing.T) {
			var title, vendor, subject, result, loc string
			err := step(
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.ID("signin-"+name)),
				chromedp.Click(chromedp.ID("signin-"+name)),
				chromedp.WaitVisible(chromedp.ID("fake-sign-in")),
				text("fake-login-title", &title),
				shot("fake-sign-in-"+name),
				chromedp.Click(chromedp.ID("fake-sign-in")),
				chromedp.WaitVisible(chromedp.ID("who")),
				text("vendor", &vendor),
				text("subject", &subject),
				chromedp.Click(chromedp.ID("call-api")),
				chromedp.WaitVisible(chromedp.ID("api-result")),
				text("api-result", &result),
				shot("signed-in-"+name),
				chromedp.Click(chromedp.ID("logout")),
				chromedp.Sleep(300*time.Millisecond),
				chromedp.Navigate(base+"/me"),
				chromedp.WaitVisible(chromedp.ID("signin-"+name)),
				location(&loc),
			)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if want := "Sign in to " + v.label + " (fake)"; title != want {
				t.Errorf("the fake's sign-in page says %q, want %q", title, want)
			}
			if vendor != v.label || subject == "" || result == "" {
				t.Errorf("signed-in page: vendor %q, subject %q, API result %q", vendor, subject, result)
			}
			if !strings.HasPrefix(loc, base+"/?return_to=") {
				t.Errorf("after logout /me went to %s, want the sign-in page", loc)
			}
		})
	}
}
