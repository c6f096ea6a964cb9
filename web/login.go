package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
)

// statePrefix starts every state cookie's name (after "__Secure-" when
// cookies are Secure: the state cookies are path-scoped, so "__Host-" does
// not apply, and each state is bound to the browser by bindingCookie
// instead). The rest is a hash of the provider and the login's state, so
// that each login in flight (two tabs) has its own cookie, and a callback
// finds its own by the state it carries.
const statePrefix = "oauthkit_state_"

// loginState is what the state cookie seals: the AuthRequest (state, nonce,
// PKCE verifier), the browser it belongs to and what the handler needs
// after the callback.
type loginState struct {
	Request  *oauthkit.AuthRequest `json:"ar"`
	Binding  string                `json:"b"` // bindingHash of the starting browser's binding cookie
	Tenant   string                `json:"tenant,omitempty"`
	ReturnTo string                `json:"return_to"`
	Implicit bool                  `json:"implicit,omitempty"` // tokens arrive in the fragment
	Expires  time.Time             `json:"exp"`
}

// stateCookieName names the state cookie of provider's login with state.
func (h *Handler) stateCookieName(provider, state string) string {
	sum := sha256.Sum256([]byte("oauthkit/web state cookie\x00" + provider + "\x00" + state))
	return h.statePrefix + hex.EncodeToString(sum[:8])
}

// stateAD binds a sealed state to its provider and cookie: one provider's
// state cookie is refused at another's callback, and under another name.
func stateAD(provider, cookieName string) []byte {
	return []byte("oauthkit/web state\x00" + provider + "\x00" + cookieName)
}

// LaunchRule is implemented by providers whose login URL, opened by the
// provider's own launcher (a cross-site GET), must end the app's current
// session at once: [github.com/seed-e8f4a5f7/oauthkit/webuntis.Provider]
// (the Untis Platform's Login URL rule). For them GET
// {BasePath}/{provider}/login ends the current session before the login
// starts. For every other provider the current session ends when the new
// login completes, so that a link to a login from another site logs
// nobody out.
type LaunchRule interface {
	// LoginEndsSession reports whether starting a login ends the current
	// session.
	LoginEndsSession() bool
}

// login starts a new login: for a provider with a [LaunchRule] it ends the
// current session; it seals a fresh AuthRequest into a state cookie and
// redirects.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	q := r.URL.Query()
	tenant := ""
	if h.cfg.Resolve != nil {
		tenant = q.Get("tenant")
		if tenant != "" && !nameRE.MatchString(tenant) {
			h.fail(w, r, &Error{Kind: KindNotFound, Provider: h.knownName(name), Status: http.StatusNotFound, Err: fmt.Errorf("tenant parameter is not a plain name: %w", ErrUnknownProvider)})
			return
		}
	}
	p, pr, err := h.provider(r, name, tenant)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindNotFound, Provider: h.knownName(name), Status: http.StatusNotFound, Err: err})
		return
	}

	// A provider whose launch rule demands it (WebUntis: whoever launched
	// the app from the Untis Platform must be who ends up logged in) has
	// the current session end here, even on a cross-site GET. For every
	// other provider the current session ends only when the new login
	// completes (finish): a cross-site link to a login is not a logout.
	if lr, ok := p.(LaunchRule); ok && lr.LoginEndsSession() {
		if _, _, err := h.endSession(w, r); err != nil {
			// The callback ends it, or refuses the login with 503.
			h.log.Warn("web: login start could not end the current session", "provider", name, "err", err)
		}
	}

	ar, err := p.AuthCodeURL(pr.Context(), oauthkit.WithMaxAge(h.cfg.LoginMaxAge))
	if err != nil {
		h.fail(w, r, &Error{Kind: KindProvider, Provider: name, Status: http.StatusBadGateway, Err: err})
		return
	}
	if ar.RedirectURL != "" {
		if u, err := url.Parse(ar.RedirectURL); err != nil || u.Path != h.callbackPath(name) {
			h.log.Warn("web: the provider's redirect URL is not this handler's callback", "provider", name, "callback_path", h.callbackPath(name))
		}
	}
	binding := bindingHash(h.bindBrowser(w, r))
	cname, value, err := h.sealLogin(name, tenant, q.Get("return_to"), binding, ar)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindInternal, Provider: name, Status: http.StatusInternalServerError, Err: err})
		return
	}
	h.dropOldLogins(w, r, name, binding, len(cname)+len(value)+2)
	h.setCookie(w, cname, value, h.statePath(name), h.cfg.LoginMaxAge)
	h.log.Info("web: login started", "provider", name, "tenant", tenant, "login", ar)
	http.Redirect(w, r, ar.URL, http.StatusFound)
}

// sealLogin returns the name and sealed value of the state cookie of
// provider's login ar, at tenant, going back to returnTo, started in the
// browser whose binding hash is binding.
func (h *Handler) sealLogin(provider, tenant, returnTo, binding string, ar *oauthkit.AuthRequest) (name, value string, err error) {
	st := loginState{
		Request:  sealedRequest(ar),
		Binding:  binding,
		Tenant:   tenant,
		ReturnTo: keptReturnTo(SafeReturnTo(returnTo)),
		Implicit: isImplicit(ar.URL),
		Expires:  h.now().Add(h.cfg.LoginMaxAge),
	}
	name = h.stateCookieName(provider, ar.State)
	value, err = h.sealCookie("state cookie", name, st, stateAD(provider, name))
	if err != nil {
		return "", "", err
	}
	return name, value, nil
}

// Bounds on the state cookies of one browser, so that logins started and
// never finished (ten cross-site starts, say) cannot make a Cookie header
// that breaks the callback: a login's return_to is kept only up to
// maxReturnTo bytes (longer: "/"); at most maxLoginsInFlight logins per
// provider are in flight, and their cookies take at most stateBudget bytes
// of the Cookie header its login and callback get; a login start drops the
// oldest to stay within both.
const (
	maxReturnTo       = 1024
	maxLoginsInFlight = 3
	stateBudget       = 3 << 10
)

// statePath is the Path of provider's state cookies: its login, which
// counts them, and its callback, which takes one.
func (h *Handler) statePath(name string) string { return h.cfg.BasePath + "/" + name }

// sealedRequest is the copy of ar the state cookie holds: without the
// authorization URL (the browser has been sent there), of which only the
// response type is read after the callback.
func sealedRequest(ar *oauthkit.AuthRequest) *oauthkit.AuthRequest {
	c := *ar
	c.URL = ""
	if rt := authreq.ResponseTypes(ar.URL); len(rt) > 0 {
		c.URL = "?" + url.Values{"response_type": {strings.Join(rt, " ")}}.Encode()
	}
	return &c
}

// dropOldLogins deletes the state cookies of provider's logins in flight
// that r carries — those that do not open, belong to another browser
// binding or have expired, then the oldest — until, with the new one of
// newSize bytes, at most maxLoginsInFlight remain within stateBudget bytes.
func (h *Handler) dropOldLogins(w http.ResponseWriter, r *http.Request, provider, binding string, newSize int) {
	type flight struct {
		name    string
		size    int
		expires time.Time // zero: does not open, or not this browser's
	}
	var in []flight
	total := newSize
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, h.statePrefix) {
			continue
		}
		f := flight{name: c.Name, size: len(c.Name) + len(c.Value) + 2}
		if raw, err := h.sealer.Open(c.Value, stateAD(provider, c.Name)); err == nil {
			var st loginState
			if json.Unmarshal(raw, &st) == nil && subtle.ConstantTimeCompare([]byte(st.Binding), []byte(binding)) == 1 {
				f.expires = st.Expires
			}
		}
		in = append(in, f)
		total += f.size
	}
	slices.SortFunc(in, func(a, b flight) int { return a.expires.Compare(b.expires) })
	now := h.now()
	for i, n := 0, len(in)+1; i < len(in) && (n > maxLoginsInFlight || total > stateBudget || !now.Before(in[i].expires)); i++ {
		h.deleteCookie(w, r, in[i].name, h.statePath(provider))
		n, total = n-1, total-in[i].size
	}
}

// isImplicit reports whether an authorization URL asks for tokens in the
// fragment (the implicit grant) rather than a code; one that names no
// response type is a code flow.
func isImplicit(authURL string) bool {
	rt := authreq.ResponseTypes(authURL)
	return len(rt) > 0 && !slices.Contains(rt, "code")
}

// takeState finds the state cookie of provider's login with state, deletes
// it (whatever happens next: a replayed callback finds nothing), opens it
// and checks that the login was started in this browser: that the browser's
// binding cookie is the one the state was sealed with (a state cookie
// planted by a sibling subdomain is another browser's, see bindingCookie).
// A callback without a state deletes every state cookie of the provider it
// carries: it can belong to none of them.
func (h *Handler) takeState(w http.ResponseWriter, r *http.Request, provider, state string) (*loginState, *Error) {
	fail := func(err error) (*loginState, *Error) {
		return nil, &Error{Kind: KindNoLogin, Provider: h.knownName(provider), Status: http.StatusBadRequest, Err: err}
	}
	if state == "" {
		for _, c := range r.Cookies() {
			if strings.HasPrefix(c.Name, h.statePrefix) {
				h.deleteState(w, r, provider, c.Name)
			}
		}
		return fail(oauthkit.ErrStateMismatch)
	}
	name := h.stateCookieName(provider, state)
	c, err := r.Cookie(name)
	if err != nil {
		return fail(fmt.Errorf("no state cookie for the callback's state: %w", oauthkit.ErrStateMismatch))
	}
	h.deleteState(w, r, provider, name)
	raw, err := h.sealer.Open(c.Value, stateAD(provider, name))
	if err != nil {
		return fail(fmt.Errorf("state cookie: %w", err))
	}
	var st loginState
	if err := json.Unmarshal(raw, &st); err != nil || st.Request == nil {
		return fail(errors.New("state cookie does not decode"))
	}
	if !h.boundHere(r, &st) {
		return fail(fmt.Errorf("the login was started in another browser (binding cookie missing or different): %w", oauthkit.ErrStateMismatch))
	}
	if !h.now().Before(st.Expires) {
		return nil, &Error{Kind: KindExpired, Provider: provider, Status: http.StatusBadRequest, Err: oauthkit.ErrLoginExpired}
	}
	return &st, nil
}

// deleteState deletes a state cookie of provider: at its Path, and at its
// callback's, where earlier versions of this package set it (a login
// started before an upgrade).
func (h *Handler) deleteState(w http.ResponseWriter, r *http.Request, provider, name string) {
	h.deleteCookie(w, r, name, h.statePath(provider))
	h.deleteCookie(w, r, name, h.callbackPath(provider))
}

func (h *Handler) deleteCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	h.setCookie(w, name, "", path, -time.Second) // MaxAge -1: delete now
}

// setCookie sets every cookie of the handler: name with value at path,
// kept maxAge (in whole seconds; negative: deleted), HttpOnly, Secure as
// the handler's cookies are (see Config.InsecureCookies), SameSite=Lax
// (sent on the provider's top-level redirect back).
func (h *Handler) setCookie(w http.ResponseWriter, name, value, path string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		MaxAge:   int(maxAge / time.Second),
		HttpOnly: true,
		Secure:   h.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// callback finishes a code-flow login, or serves the page that posts an
// implicit grant's fragment back.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	if !h.mayBeProvider(name) {
		h.fail(w, r, &Error{Kind: KindNotFound, Status: http.StatusNotFound, Err: ErrUnknownProvider})
		return
	}
	q := r.URL.Query()
	if !q.Has("state") && !q.Has("code") && !q.Has("error") && h.mayBeImplicit(r, name) {
		h.fragmentPage(w, r, name)
		return
	}
	st, ferr := h.takeState(w, r, name, q.Get("state"))
	if ferr != nil {
		if q.Has("error") {
			ferr.Code = oauthCode(q.Get("error"))
			if !q.Has("state") { // Justimmo documents an error redirect without state
				ferr.Kind, ferr.Status = KindProvider, http.StatusBadGateway
				if ferr.Code == string(oauthkit.ErrAccessDenied) {
					ferr.Kind, ferr.Status = KindDenied, http.StatusForbidden
				}
			}
		}
		h.fail(w, r, ferr)
		return
	}
	if ct, ok := q["tenant"]; ok && (len(ct) != 1 || ct[0] != st.Tenant) {
		// The redirect URL of a tenant's provider may name its tenant
		// (…/callback?tenant=acme): that provider's answer arrives there,
		// and one arriving with another tenant's login is a mix-up (RFC
		// 9700 §4.4) — its code was not issued for the provider this login
		// would send it to — whether or not the answer carries iss.
		h.fail(w, r, &Error{Kind: KindNoLogin, Provider: name, Status: http.StatusBadRequest, Err: fmt.Errorf("the callback names another tenant than its login's: %w", oauthkit.ErrStateMismatch)})
		return
	}
	p, pr, err := h.provider(r, name, st.Tenant)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindNotFound, Provider: name, Status: http.StatusNotFound, Err: err})
		return
	}
	if st.Implicit && q.Has("code") {
		h.fail(w, r, &Error{Kind: KindNoLogin, Provider: name, Status: http.StatusBadRequest, Err: errors.New("a code arrived for a login that asked for tokens")})
		return
	}
	ctx, cancel := context.WithTimeout(pr.Context(), 30*time.Second)
	defer cancel()
	login, err := oauthkit.Complete(ctx, p, st.Request, q)
	h.finish(w, pr, name, st, login, err)
}

// ImplicitCompleter is implemented by providers whose login may return its
// tokens in the redirect's fragment (LicenseSpring with response type
// "token"): the callback serves a small page that posts the fragment back,
// and the handler finishes the login with CompleteImplicit.
type ImplicitCompleter interface {
	CompleteImplicit(ctx context.Context, ar *oauthkit.AuthRequest, fragment string) (*oauthkit.Login, error)
}

// mayBeImplicit: a callback without query parameters, for a provider that
// can finish an implicit login, with a state cookie in flight.
func (h *Handler) mayBeImplicit(r *http.Request, name string) bool {
	hasState := false
	for _, c := range r.Cookies() {
		hasState = hasState || strings.HasPrefix(c.Name, h.statePrefix)
	}
	if !hasState {
		return false
	}
	if h.cfg.Resolve != nil {
		return true // the tenant is in the state, not known yet
	}
	_, ok := h.providers[name].(ImplicitCompleter)
	return ok
}

// maxFragment bounds the posted fragment (two JWTs and a few fields).
const maxFragment = 64 << 10

// implicitCallback finishes an implicit-grant login with the fragment the
// page posted back. CrossOriginProtection has already refused a cross-site
// POST.
func (h *Handler) implicitCallback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	if !h.mayBeProvider(name) {
		h.fail(w, r, &Error{Kind: KindNotFound, Status: http.StatusNotFound, Err: ErrUnknownProvider})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFragment+1024)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, &Error{Kind: KindNoLogin, Provider: h.knownName(name), Status: http.StatusBadRequest, Err: errors.New("the posted fragment does not parse")})
		return
	}
	fragment := strings.TrimPrefix(r.PostForm.Get("fragment"), "#")
	vals, err := url.ParseQuery(fragment)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindNoLogin, Provider: h.knownName(name), Status: http.StatusBadRequest, Err: errors.New("the posted fragment does not parse")})
		return
	}
	st, ferr := h.takeState(w, r, name, vals.Get("state"))
	if ferr != nil {
		if vals.Has("error") {
			ferr.Code = oauthCode(vals.Get("error"))
		}
		h.fail(w, r, ferr)
		return
	}
	p, pr, err := h.provider(r, name, st.Tenant)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindNotFound, Provider: name, Status: http.StatusNotFound, Err: err})
		return
	}
	ic, ok := p.(ImplicitCompleter)
	if !st.Implicit || !ok {
		h.fail(w, r, &Error{Kind: KindNoLogin, Provider: name, Status: http.StatusBadRequest, Err: errors.New("a fragment was posted for a code-flow login")})
		return
	}
	ctx, cancel := context.WithTimeout(pr.Context(), 30*time.Second)
	defer cancel()
	// The implicit grant has no single-use code at the provider to stop a
	// second use of a captured state cookie and fragment (from another
	// browser, on another replica): the state is used once per fleet, in
	// the token store.
	first, err := h.tokens.Once(ctx, usedStateKey(name, st.Tenant, st.Request.State), h.cfg.LoginMaxAge)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindUnavailable, Provider: name, Status: http.StatusServiceUnavailable, Err: fmt.Errorf("web: implicit callback: %w: %w", ErrUnavailable, err)})
		return
	}
	if !first {
		h.fail(w, r, &Error{Kind: KindNoLogin, Provider: name, Status: http.StatusBadRequest, Err: fmt.Errorf("the login's state was used before: %w", oauthkit.ErrStateMismatch)})
		return
	}
	login, err := ic.CompleteImplicit(ctx, st.Request, fragment)
	h.finish(w, pr, name, st, login, err)
}

// usedStateKey is the single-use record of an implicit login's state in
// the token store: a hash, so that no store ever holds the state itself.
func usedStateKey(provider, tenant, state string) string {
	sum := sha256.Sum256([]byte("oauthkit/web used state\x00" + provider + "\x00" + tenant + "\x00" + state))
	return "state\x00" + hex.EncodeToString(sum[:])
}

// finish turns a completed login into a session, or an error into the
// error page.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, name string, st *loginState, login *oauthkit.Login, err error) {
	if err != nil {
		h.fail(w, r, classify(name, err))
		return
	}
	// The new session replaces the browser's current one, which ends now
	// (everywhere: its tokens and index entries leave the store), not when
	// its cookie would have expired.
	if old, _, err := h.endRequestSession(r); err != nil {
		h.fail(w, r, &Error{Kind: KindUnavailable, Provider: name, Status: http.StatusServiceUnavailable, Err: err})
		return
	} else if old != nil {
		h.log.Info("web: session replaced by a new login", "provider", old.Provider, "tenant", old.Tenant, "subject", old.Subject)
	}
	s, err := h.startSession(w, r, st.Tenant, login)
	if err != nil {
		h.fail(w, r, &Error{Kind: KindInternal, Provider: name, Status: http.StatusInternalServerError, Err: err})
		return
	}
	h.clearSignedOut(w, r)
	h.log.Info("web: login completed", "provider", name, "tenant", st.Tenant, "subject", s.Subject)
	http.Redirect(w, r, st.ReturnTo, http.StatusSeeOther)
}
