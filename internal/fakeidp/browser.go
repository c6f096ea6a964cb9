package fakeidp

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Browse plays the browser at a fake's authorize endpoint: it requests
// authURL (with header, which may be nil) without following the redirect,
// submits the fake's sign-in page when the fake answers with one
// ([LoginPage]), and returns the URL the server redirects to — the
// application's callback with code and state, tokens in the fragment, or an
// error redirect.
func Browse(ctx context.Context, hc *http.Client, authURL string, header http.Header) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	loc, page, err := browseStep(hc, req, header)
	if err != nil || loc != nil {
		return loc, err
	}
	action, ok := signInAction(page)
	if !ok {
		return nil, fmt.Errorf("authorize answered 200 OK, not a redirect: %s", strings.TrimSpace(truncate(page, 512)))
	}
	target, err := req.URL.Parse(action)
	if err != nil {
		return nil, fmt.Errorf("sign-in form action: %w", err)
	}
	form := url.Values{signInField: {signInValue}}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	loc, page, err = browseStep(hc, post, header)
	if err == nil && loc == nil {
		err = fmt.Errorf("the sign-in form answered 200 OK, not a redirect: %s", strings.TrimSpace(truncate(page, 512)))
	}
	return loc, err
}

// browseStep sends req without following a redirect and returns the
// redirect's location, or the page of a 200 answer.
func browseStep(hc *http.Client, req *http.Request, header http.Header) (*url.URL, string, error) {
	for k, vs := range header {
		req.Header[k] = vs
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusFound, http.StatusSeeOther:
		loc, err := resp.Location()
		return loc, "", err
	case http.StatusOK:
		return nil, string(body), nil
	}
	return nil, "", fmt.Errorf("authorize answered %s, not a redirect: %s", resp.Status, strings.TrimSpace(truncate(string(body), 512)))
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

// Instruments counts a fake's requests and applies its injected faults, per
// endpoint name.
type Instruments struct {
	Faults Faults
	Count  Counter
}

// Wrap counts each request to h as endpoint and answers with an injected
// fault instead when there is one.
func (in *Instruments) Wrap(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in.Count.Add(endpoint)
		if in.Faults.Apply(endpoint, w, r) {
			return
		}
		h(w, r)
	}
}

// TokenRequest checks what every token endpoint requires of a request (RFC
// 6749 §3.2: POST, a form-encoded body) and parses the form. When the
// request fails a check it answers with an RFC 6749 error and returns false.
func TokenRequest(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		OAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return false
	case !IsForm(r):
		OAuthError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return false
	case r.ParseForm() != nil:
		OAuthError(w, http.StatusBadRequest, "invalid_request", "body does not parse")
		return false
	}
	return true
}
