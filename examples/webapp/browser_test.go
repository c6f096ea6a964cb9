package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// chromiumPath is where Debian's chromium package puts the browser. Nothing
// here downloads one.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds each step of a browser test: a handful of page loads.
const stepTimeout = 30 * time.Second

// needChromium skips t without Chromium, or fails it under CI=true.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is missing at %s; CI installs it (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("Chromium is not installed at %s (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
}

// site is the app under test: the fakes, the fleet of replicas and its
// front on a loopback port.
type site struct {
	base  string
	fakes *fakes
	fleet *fleet
	// vendors are replica 1's, for their names and labels.
	vendors []vendor
}

// startSite starts the fakes and replicas replicas of the app behind the
// front; rc, when set, is the Redis they share, under a prefix of the
// test's own.
func startSite(t *testing.T, replicas int, rc redis.UniversalClient) *site {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &site{base: "http://" + ln.Addr().String()}
	s.fakes = startFakes(s.base)
	t.Cleanup(s.fakes.Close)
	cfg := fleetConfig{
		Replicas: replicas,
		Keys:     deriveKeys(newTestKey(t)),
		Vendors:  func(cache *tokencache.Cache) ([]vendor, error) { return s.fakes.vendors(s.base, cache) },
		Logger:   slog.New(slog.DiscardHandler),
	}
	if rc != nil {
		cfg.Redis, cfg.RedisPrefix = rc, redistest.Prefix()
	}
	s.fleet, err = newFleet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.fleet.Close)
	cache := tokencache.New(tokencache.Config{})
	t.Cleanup(func() { cache.Close() })
	s.vendors, err = s.fakes.vendors(s.base, cache)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.fleet, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func newTestKey(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// browser is a headless Chromium for one test.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

// newBrowser starts Chromium; it is closed when t ends. Screenshots go to a
// temporary directory that is kept, and their paths are logged.
func newBrowser(t *testing.T) *browser {
	t.Helper()
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
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	// Start the browser with an unbounded context (its first Run owns it);
	// each step is bounded by stepTimeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &browser{t: t, ctx: bctx, shots: shots}
}

// do runs steps, bounded by stepTimeout.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// shot saves a screenshot of the page as name.png.
func (b *browser) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(b.shots, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			return err
		}
		b.t.Logf("screenshot: %s", p)
		return nil
	})
}

// text reads the text of the element with id into out.
func text(id string, out *string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		v, err := chromedp.Text(chromedp.ID(id))(ctx, tg)
		*out = v
		return err
	})
}

// location reads the page's URL into out.
func location(out *string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		v, err := chromedp.Location()(ctx, tg)
		*out = v
		return err
	})
}

// clickTo clicks the element with id and waits for the page it leads to:
// a new document (the current one is marked first, so an element of the
// page being left never counts) in which want (a CSS selector) is visible.
// It waits for that event, however many redirects and posts lead there;
// it never sleeps.
func clickTo(id, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		return chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-left", "")`),
			chromedp.Click(chromedp.ID(id)),
			chromedp.WaitVisible(chromedp.CSS("html:not([data-left]) "+want)),
		)
	})
}

// servedBy checks that the page was served by replica n of the fleet.
func servedBy(n, of int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var got string
		if _, err := text("replica", &got)(ctx, tg); err != nil {
			return err
		}
		if want := fmt.Sprintf("replica %d of %d", n, of); got != want {
			return fmt.Errorf("the page was served by %q, want %q", got, want)
		}
		return nil
	})
}

// TestBrowserSignInEveryVendor drives a real headless Chromium through the
// app (one replica, sessions in memory) against the in-process fakes: for
// every vendor it clicks sign-in, lands on the fake's own sign-in page
// ("Sign in to <vendor> (fake)"), clicks its "Sign in" button, comes back
// to the app's signed-in page, calls the API with the user's token, logs
// out — through the vendor's end-session endpoint where it has one — comes
// back to the app's sign-in page with its signed-out notice, and finds /me
// sending it to the sign-in page. Screenshots of the
// app's sign-in page, of each fake's sign-in page and of each signed-in
// page are kept in a temporary directory, whose paths it logs.
func TestBrowserSignInEveryVendor(t *testing.T) {
	needChromium(t)
	s := startSite(t, 1, nil)
	b := newBrowser(t)
	base := s.base

	if err := b.do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("signin-webuntis")), servedBy(1, 1), b.shot("sign-in")); err != nil {
		t.Fatalf("sign-in page: %v", err)
	}
	for _, v := range s.vendors {
		name := v.provider.Name()
		t.Run(name, func(t *testing.T) {
			var title, vendor, subject, result, afterLogout, notice, loc string
			// Back on the app's sign-in page after logout, the one-time
			// notice says so (web.Handler.SignedOut).
			err := b.do(
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.ID("signin-"+name)),
				clickTo("signin-"+name, "#fake-sign-in"),
				text("fake-login-title", &title),
				b.shot("fake-sign-in-"+name),
				clickTo("fake-sign-in", "#who"),
				text("vendor", &vendor),
				text("subject", &subject),
				clickTo("call-api", "#api-result"),
				text("api-result", &result),
				b.shot("signed-in-"+name),
				clickTo("logout", "#signed-out"),
				location(&afterLogout),
				text("signed-out", &notice),
				b.shot("signed-out-"+name),
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
			if afterLogout != base+"/" {
				t.Errorf("logout ended on a page outside the app's sign-in page (%d bytes of URL)", len(afterLogout))
			}
			if notice != "You have signed out." {
				t.Errorf("the sign-in page after logout says %q, want the signed-out notice", notice)
			}
			if !strings.HasPrefix(loc, base+"/?return_to=") {
				t.Errorf("after logout /me went to %s, want the sign-in page", loc)
			}
			if name == "licensespring" && len(s.fakes.ls.Logouts()) != 1 {
				t.Errorf("the LicenseSpring fake ended %d sessions, want the one of this login", len(s.fakes.ls.Logouts()))
			}
			if name == openid.DefaultName {
				ended := s.fakes.oi.EndedSessions()
				if len(ended) != 1 || ended[0].Subject != subject {
					t.Errorf("the OpenID Provider fake ended %d sessions (RP-initiated logout), want the one of this login", len(ended))
				}
			}
		})
	}
}

// TestBrowserFleet runs the app as three replicas on one Redis behind the
// round-robin front, and for every vendor: logs in through replica 1,
// calls the API through replica 2, restarts replica 2 (a new web.Handler,
// new caches: a process restart) and calls the API through it again —
// still signed in, with no new login at the vendor — logs out through
// replica 3, and finds /me sending it to the sign-in page on every replica.
// The front is pinned to one replica per step, and every page's footer
// proves which replica served it. Then one vendor goes through it all
// unpinned, each request to the next replica. Screenshots are named by
// vendor and step.
func TestBrowserFleet(t *testing.T) {
	needChromium(t)
	rs := redistest.Start(t)
	s := startSite(t, 3, rs.Client(t))
	b := newBrowser(t)
	base, fl := s.base, s.fleet
	t.Cleanup(func() { fl.pin(0) })

	for _, v := range s.vendors {
		name := v.provider.Name()
		// A vendor that fails leaves the browser signed in: stop there.
		ok := t.Run(name, func(t *testing.T) {
			shot := func(step string) chromedp.Action[chromedp.Void] { return b.shot("fleet-" + name + "-" + step) }

			fl.pin(1)
			var loginAt, loginAt2, loginAt3, result, result2 string
			if err := b.do(
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.ID("signin-"+name)),
				servedBy(1, 3),
				clickTo("signin-"+name, "#fake-sign-in"),
				clickTo("fake-sign-in", "#who"),
				servedBy(1, 3),
				text("login-at", &loginAt),
				shot("1-signed-in-via-replica-1"),
			); err != nil {
				t.Fatalf("login through replica 1: %v", err)
			}
			logins := s.fakes.authorizeRequests(name)

			fl.pin(2)
			if err := b.do(
				chromedp.Navigate(base+"/me"),
				chromedp.WaitVisible(chromedp.ID("who")),
				servedBy(2, 3),
				clickTo("call-api", "#api-result"),
				servedBy(2, 3),
				text("api-result", &result),
				text("login-at", &loginAt2),
				shot("2-api-via-replica-2"),
			); err != nil {
				t.Fatalf("API call through replica 2: %v", err)
			}

			if err := fl.restart(2); err != nil {
				t.Fatalf("restarting replica 2: %v", err)
			}
			if err := b.do(
				chromedp.Navigate(base+"/me"),
				chromedp.WaitVisible(chromedp.ID("who")),
				servedBy(2, 3),
				clickTo("call-api", "#api-result"),
				servedBy(2, 3),
				text("api-result", &result2),
				text("login-at", &loginAt3),
				shot("3-api-via-restarted-replica-2"),
			); err != nil {
				t.Fatalf("API call through the restarted replica 2: %v", err)
			}
			if result == "" || result2 == "" {
				t.Errorf("API results %q and %q", result, result2)
			}
			if loginAt2 != loginAt || loginAt3 != loginAt {
				t.Errorf("signed in at %s (replica 1), %s (replica 2), %s (restarted replica 2): want one login", loginAt, loginAt2, loginAt3)
			}
			if got := s.fakes.authorizeRequests(name); got != logins {
				t.Errorf("the fake saw %d more authorization requests after the login, want none (the restart must not need a new login)", got-logins)
			}

			fl.pin(3)
			var afterLogout string
			if err := b.do(
				chromedp.Navigate(base+"/me"),
				chromedp.WaitVisible(chromedp.ID("who")),
				servedBy(3, 3),
				clickTo("logout", "body"),
				location(&afterLogout),
				shot("4-logged-out-via-replica-3"),
			); err != nil {
				t.Fatalf("logout through replica 3: %v", err)
			}
			if afterLogout != base+"/" {
				t.Errorf("logout ended on a page outside the app's sign-in page (%d bytes of URL)", len(afterLogout))
			}

			for n := 1; n <= 3; n++ {
				fl.pin(n)
				var loc string
				if err := b.do(
					chromedp.Navigate(base+"/me"),
					chromedp.WaitVisible(chromedp.ID("signin-"+name)),
					servedBy(n, 3),
					location(&loc),
				); err != nil {
					t.Fatalf("/me on replica %d after logout: %v", n, err)
				}
				if !strings.HasPrefix(loc, base+"/?return_to=") {
					t.Errorf("after logout /me on replica %d went to %s, want the sign-in page", n, loc)
				}
			}
			fl.pin(0)
		})
		if !ok {
			return
		}
	}

	// Unpinned, every request goes to the next replica: the login starts on
	// one, its callback lands on another, the API call and the logout on
	// others still.
	t.Run("round-robin", func(t *testing.T) {
		fl.pin(0)
		name := s.vendors[0].provider.Name()
		var result, loc string
		if err := b.do(
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.ID("signin-"+name)),
			clickTo("signin-"+name, "#fake-sign-in"),
			clickTo("fake-sign-in", "#who"),
			clickTo("call-api", "#api-result"),
			text("api-result", &result),
			b.shot("fleet-round-robin-signed-in"),
			clickTo("logout", "#signin-"+name),
			chromedp.Navigate(base+"/me"),
			chromedp.WaitVisible(chromedp.ID("signin-"+name)),
			location(&loc),
		); err != nil {
			t.Fatalf("round robin: %v", err)
		}
		if result == "" || !strings.HasPrefix(loc, base+"/?return_to=") {
			t.Errorf("API result %q; after logout /me went to %s", result, loc)
		}
	})
}
