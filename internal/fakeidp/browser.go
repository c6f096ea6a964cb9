package fakeidp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// maxRedirects bounds the redirects [SignIn] follows before the fake's
// authorization endpoint, as net/http's default policy does.
const maxRedirects = 10

// Browse plays the browser at a fake's authorize endpoint: it requests
// authURL with hc without following the redirect, answers the fake's
// sign-in page when the fake shows one ([LoginPage]) with its Sign in
// button (Cancel when deny), and returns the URL the server redirects to —
// the application's callback with code and state, tokens in the fragment,
// or an error redirect. Without a sign-in page, deny sends [ConsentHeader].
func Browse(ctx context.Context, hc *http.Client, authURL string, deny bool) (*url.URL, error) {
	return SignIn(ctx, hc, authURL, func(*url.URL) bool { return true }, deny)
}

// Endpoint returns a test of whether a URL is on base's scheme and host
// with a path that path accepts: a fake's authorization endpoint, for
// [SignIn].
func Endpoint(base string, path func(string) bool) func(*url.URL) bool {
	b, err := url.Parse(base)
	if err != nil {
		panic("fakeidp: Endpoint: " + err.Error())
	}
	return func(u *url.URL) bool {
		return u.Scheme == b.Scheme && u.Host == b.Host && path(u.Path)
	}
}

// SignIn plays a user's browser with hc — a test's client with its cookie
// jar — from startURL, an application's login URL say: it follows redirects
// until a request reaches the fake's authorization endpoint (isAuthorize),
// signs in there (posting the sign-in page's form when the fake shows one;
// Cancel when deny), and returns the URL the fake then redirects to, the
// application's callback, without following it: the test requests it with
// the same client, whose jar holds the application's cookies.
func SignIn(ctx context.Context, hc *http.Client, startURL string, isAuthorize func(*url.URL) bool, deny bool) (*url.URL, error) {
	c := *hc
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if isAuthorize(via[len(via)-1].URL) {
			return http.ErrUseLastResponse
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if deny && isAuthorize(req.URL) {
			req.Header.Set(ConsentHeader, "deny")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, startURL, nil)
	if err != nil {
		return nil, err
	}
	if deny && isAuthorize(req.URL) {
		req.Header.Set(ConsentHeader, "deny")
	}
	loc, page, at, err := step(&c, req, isAuthorize)
	if err != nil || loc != nil {
		return loc, err
	}
	action, ok := signInAction(page)
	if !ok {
		return nil, fmt.Errorf("authorize answered 200 OK, not a redirect: %s", strings.TrimSpace(truncate(page, 512)))
	}
	target, err := at.Parse(action)
	if err != nil {
		return nil, fmt.Errorf("sign-in form action: %w", err)
	}
	button := signInValue
	if deny {
		button = cancelValue
	}
	form := url.Values{signInField: {button}}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	loc, page, _, err = step(&c, post, isAuthorize)
	if err == nil && loc == nil {
		err = fmt.Errorf("the sign-in form answered 200 OK, not a redirect: %s", strings.TrimSpace(truncate(page, 512)))
	}
	return loc, err
}

// errNotReached reports a chain of requests that ended before the fake's
// authorization endpoint; it names the last URL's path only, since its
// query may hold a state or a code.
var errNotReached = errors.New("the fake's authorization endpoint was never reached")

// step sends req with c, which stops at the fake's authorization endpoint's
// redirect, and returns that redirect's location, or the endpoint's page
// when it answers 200 with the URL it answered at.
func step(c *http.Client, req *http.Request, isAuthorize func(*url.URL) bool) (loc *url.URL, page string, at *url.URL, err error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if !isAuthorize(resp.Request.URL) {
		return nil, "", nil, fmt.Errorf("%w: %s%s answered %s", errNotReached, resp.Request.URL.Host, resp.Request.URL.Path, resp.Status)
	}
	switch resp.StatusCode {
	case http.StatusFound, http.StatusSeeOther:
		loc, err := resp.Location()
		return loc, "", nil, err
	case http.StatusOK:
		return nil, string(body), resp.Request.URL, nil
	}
	return nil, "", nil, fmt.Errorf("authorize answered %s, not a redirect: %s", resp.Status, strings.TrimSpace(truncate(string(body), 512)))
}

// signInForm finds the action of [LoginPage]'s form.
var signInForm = regexp.MustCompile(`<form method="post" action="([^"]*)" id="fake-login">`)

func signInAction(page string) (string, bool) {
	m := signInForm.FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
