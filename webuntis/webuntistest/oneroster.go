package webuntistest

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// The fake's OneRoster 1.1 API (docs/vendors/webuntis.md#apis):
// GET {URL}/ims/oneroster/v1p1/users and /classes, with a Bearer token the
// fake issued, paginated with limit (default 100, at most 1000) and offset,
// the total in X-Total-Count. The data is the school the token was issued
// for: Untis' API URL is shared, the token says which school. A token that
// is unknown, expired or revoked ([Server.RevokeTokens]) is answered 401
// with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3.1).

// Default roster sizes of a tenant.
const (
	defaultUsers   = 30
	defaultClasses = 6
)

// issue stores a token for tenant t, numbered so that RevokeTokens can
// refuse it.
func (s *Server) issue(t Tenant, rec fakeidp.Issued) string {
	s.mu.Lock()
	s.issued++
	n := s.issued
	s.mu.Unlock()
	rec.Extra = map[string]string{"tenant": t.ID, "n": strconv.FormatUint(n, 10)}
	return s.tokens.Issue(rec)
}

// RevokeTokens revokes every token issued so far for the tenant, before
// it expires: the OneRoster endpoints answer them 401 with
// error="invalid_token", as a resource server does after a revocation. New
// tokens work.
func (s *Server) RevokeTokens(tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[tenant] = s.issued
}

// ResetPassword gives the tenant a new platform password, as a RESET in
// Untis does, and returns the tenant with it: the old password no longer
// gets a token (tokens issued with it stay valid until they expire). Send
// the RESET event with [Server.SendTenantCredentials].
func (s *Server) ResetPassword(tenant string) (Tenant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[tenant]
	if !ok {
		return Tenant{}, false
	}
	t.Password = fakeidp.Random(24)
	s.tenants[tenant] = t
	return t, true
}

// TenantByID returns a tenant by its id.
func (s *Server) TenantByID(id string) (Tenant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[id]
	return t, ok
}

// oneRoster serves one OneRoster collection ("users" or "classes") of the
// token's tenant.
func (s *Server) oneRoster(collection string) func(http.ResponseWriter, *http.Request, Tenant) {
	return func(w http.ResponseWriter, r *http.Request, _ Tenant) {
		tok, ok := fakeidp.Bearer(r)
		if !ok {
			// RFC 6750 §3.1: no error code for a request without a token.
			w.Header().Set("WWW-Authenticate", `Bearer realm="oneroster"`)
			fakeidp.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "missing bearer token"})
			return
		}
		t, ok := s.tokenTenant(tok)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="oneroster", error="invalid_token"`)
			fakeidp.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "token is unknown, expired or revoked"})
			return
		}
		limit, offset, ok := page(r)
		if !ok {
			fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "limit and offset must be non-negative integers, limit at most 1000")
			return
		}
		total, item := t.Users, user
		if total == 0 {
			total = defaultUsers
		}
		if collection == "classes" {
			total, item = t.Classes, class
			if total == 0 {
				total = defaultClasses
			}
		}
		items := []map[string]any{}
		for i := offset; i < total && i < offset+limit; i++ {
			items = append(items, item(t.ID, i))
		}
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		fakeidp.WriteJSON(w, http.StatusOK, map[string]any{collection: items})
	}
}

// tokenTenant returns the tenant of a valid, unrevoked token.
func (s *Server) tokenTenant(tok string) (Tenant, bool) {
	rec, ok := s.tokens.Lookup(tok, s.now.Now())
	if !ok {
		return Tenant{}, false
	}
	n, err := strconv.ParseUint(rec.Extra["n"], 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, known := s.tenants[rec.Extra["tenant"]]
	if err != nil || !known || n <= s.revoked[t.ID] {
		return Tenant{}, false
	}
	return t, true
}

// page reads limit and offset (OneRoster 1.1 §3.4: limit defaults to 100).
func page(r *http.Request) (limit, offset int, ok bool) {
	q := r.URL.Query()
	limit, offset = 100, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return 0, 0, false
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, false
		}
	}
	return limit, offset, true
}

var (
	givenNames  = []string{"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Niklaus"}
	familyNames = []string{"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Wirth"}
)

func user(tenant string, i int) map[string]any {
	role := "student"
	if i%10 == 9 {
		role = "teacher"
	}
	return map[string]any{
		"sourcedId":  fmt.Sprintf("%s-u-%d", tenant, i+1),
		"status":     "active",
		"givenName":  givenNames[i%len(givenNames)],
		"familyName": familyNames[i%len(familyNames)],
		"role":       role,
		"orgs":       []map[string]any{{"sourcedId": tenant, "type": "org"}},
	}
}

func class(tenant string, i int) map[string]any {
	return map[string]any{
		"sourcedId": fmt.Sprintf("%s-c-%d", tenant, i+1),
		"status":    "active",
		"title":     fmt.Sprintf("Class %d%c", 5+i/4, 'a'+rune(i%4)),
		"classType": "homeroom",
		"school":    map[string]any{"sourcedId": tenant, "type": "org"},
	}
}
