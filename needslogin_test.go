package oauthkit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

const leagueInvalidRequest = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."

func TestNeedsLogin(t *testing.T) {
	refresh := func(status int, code, desc, message, hint string) *oauthkit.Error {
		return &oauthkit.Error{Provider: "unisignin", Op: "refresh", StatusCode: status, Code: code, Description: desc, Message: message, Hint: hint}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		// Dead refresh tokens.
		{"league 7 revoked (401)", refresh(401, "invalid_request", "", "The refresh token is invalid.", "Token has been revoked"), true},
		{"league 7 expired (401)", refresh(401, "invalid_request", "", "The refresh token is invalid.", "Token has expired"), true},
		{"league 7 undecryptable (401)", refresh(401, "invalid_request", "", "The refresh token is invalid.", "Cannot decrypt the refresh token"), true},
		{"league 7, 400 with message only", refresh(400, "invalid_request", "", "The refresh token is invalid.", ""), true},
		{"Justimmo expired (400)", refresh(400, "invalid_request", "", leagueInvalidRequest, "Refresh token has expired"), true},
		{"Justimmo expired (401)", refresh(401, "invalid_request", "", leagueInvalidRequest, "Refresh token has expired"), true},
		{"refresh token revoked in description", refresh(400, "invalid_request", "Refresh token has been revoked", "", ""), true},
		{"league 8 invalid_grant", refresh(400, "invalid_grant", "The refresh token is invalid.", "The refresh token is invalid.", "Token has expired"), true},
		{"league 9 invalid_grant", refresh(400, "invalid_grant", "The refresh token is invalid.", "", "Token is not linked to client"), true},
		{"RFC 6749 invalid_grant, bare", refresh(400, "invalid_grant", "", "", ""), true},
		{"invalid_grant with 401", refresh(401, "invalid_grant", "", "", ""), true},
		{"wrapped", fmt.Errorf("tokencache: refresh user 42: %w", refresh(400, "invalid_grant", "", "", "")), true},
		{"joined", errors.Join(errors.New("other"), refresh(400, "invalid_grant", "", "", "")), true},

		// No refresh token at all.
		{"no refresh token", oauthkit.ErrNoRefreshToken, true},
		{"no refresh token, wrapped", fmt.Errorf("tokencache: fetch: %w", oauthkit.ErrNoRefreshToken), true},

		// Not a dead refresh token.
		{"nil", nil, false},
		{"network error", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, false},
		{"deadline", fmt.Errorf("unisignin: refresh: %w", context.DeadlineExceeded), false},
		{"canceled", context.Canceled, false},
		{"invalid_client", refresh(401, "invalid_client", "Client authentication failed", "Client authentication failed", ""), false},
		{"missing parameter", refresh(400, "invalid_request", "", leagueInvalidRequest, "Check the `refresh_token` parameter"), false},
		{"invalid_request, other hint", refresh(400, "invalid_request", "", leagueInvalidRequest, "Check the `client_id` parameter"), false},
		{"invalid_scope", refresh(400, "invalid_scope", "", "The requested scope is invalid, unknown, or malformed", "Check the `admin` scope"), false},
		{"unsupported_grant_type", refresh(400, "unsupported_grant_type", "", "", ""), false},
		{"server_error 500", refresh(500, "server_error", "", "", ""), false},
		{"invalid_grant with 500", refresh(500, "invalid_grant", "", "", ""), false},
		{"503 page", refresh(503, "", "", "", ""), false},
		{"temporarily_unavailable", refresh(503, "temporarily_unavailable", "", "", ""), false},
		{"malformed 200", &oauthkit.Error{Provider: "unisignin", Op: "refresh", StatusCode: 200, Err: oauthkit.ErrMalformedResponse}, false},
		{"too large", &oauthkit.Error{Provider: "unisignin", Op: "refresh", StatusCode: 400, Code: "invalid_grant", Err: oauthkit.ErrResponseTooLarge}, false},
		{"exchange invalid_grant", &oauthkit.Error{Provider: "justimmo", Op: "exchange", StatusCode: 400, Code: "invalid_grant"}, false},
		{"exchange expired code", &oauthkit.Error{Provider: "justimmo", Op: "exchange", StatusCode: 400, Code: "invalid_request", Message: leagueInvalidRequest, Hint: "Authorization code has expired"}, false},
		{"wrong password", &oauthkit.Error{Provider: "unisignin", Op: "password", StatusCode: 400, Code: "invalid_grant"}, false},
		{"client credentials invalid_grant", &oauthkit.Error{Provider: "webuntis", Op: "client credentials", StatusCode: 400, Code: "invalid_grant"}, false},
		{"access_denied at authorize", &oauthkit.Error{Provider: "justimmo", Op: "authorize", Code: "access_denied"}, false},
		{"state mismatch", oauthkit.ErrStateMismatch, false},
		{"login attempt expired", fmt.Errorf("x: %w", oauthkit.ErrLoginExpired), false},
		{"unsupported", fmt.Errorf("x: %w", errors.ErrUnsupported), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := oauthkit.NeedsLogin(tt.err); got != tt.want {
				t.Errorf("NeedsLogin(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestNeedsLoginForEveryVendorsEmptyRefreshToken: a stored login without a
// refresh token can only be renewed by logging in again, so every vendor's
// Refresh(ctx, "") answers an error that NeedsLogin is true for.
func TestNeedsLoginForEveryVendorsEmptyRefreshToken(t *testing.T) {
	w := webuntistest.NewServer(webuntistest.Options{})
	t.Cleanup(w.Close)
	u := unisignintest.NewServer(unisignintest.Options{})
	t.Cleanup(u.Close)
	j := justimmotest.NewServer(justimmotest.Options{})
	t.Cleanup(j.Close)
	l := licensespringtest.NewServer(licensespringtest.Options{})
	t.Cleanup(l.Close)
	must := func(p oauthkit.Provider, err error) oauthkit.Provider {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, p := range []oauthkit.Provider{
		must(webuntis.New(w.Config())),
		must(unisignin.New(u.Config())),
		must(justimmo.New(j.Config())),
		must(licensespring.New(l.Config())),
	} {
		t.Run(p.Name(), func(t *testing.T) {
			_, err := p.Refresh(context.Background(), "")
			if !errors.Is(err, oauthkit.ErrNoRefreshToken) || !oauthkit.NeedsLogin(err) {
				t.Errorf("Refresh(ctx, \"\") = %v; want an error wrapping ErrNoRefreshToken, for which NeedsLogin is true", err)
			}
		})
	}
}

// A web app refreshes a user's token; when the refresh token is dead it
// sends the user to log in again, and otherwise treats the failure as
// temporary.
func ExampleNeedsLogin() {
	// What Refresh returns for a dead refresh token: league/oauth2-server ≤ 7
	// (Justimmo, as its document shows it), league ≥ 8 (UniSignIn) — and for
	// two failures that are not the user's.
	errs := []error{
		&oauthkit.Error{Provider: "justimmo", Op: "refresh", StatusCode: 400, Code: "invalid_request",
			Message: leagueInvalidRequest, Hint: "Refresh token has expired"},
		&oauthkit.Error{Provider: "unisignin", Op: "refresh", StatusCode: 400, Code: "invalid_grant",
			Description: "The refresh token is invalid.", Hint: "Token has been revoked"},
		&oauthkit.Error{Provider: "unisignin", Op: "refresh", StatusCode: 503},
		fmt.Errorf("unisignin: refresh: %w", context.DeadlineExceeded),
	}
	for _, err := range errs {
		if oauthkit.NeedsLogin(err) {
			fmt.Println("log in again:", err)
		} else {
			fmt.Println("try later:   ", err)
		}
	}
	// Output:
	// log in again: justimmo: refresh: invalid_request (HTTP 400): message: The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.; hint: Refresh token has expired
	// log in again: unisignin: refresh: invalid_grant (HTTP 400): The refresh token is invalid.; hint: Token has been revoked
	// try later:    unisignin: refresh: unexpected response (HTTP 503)
	// try later:    unisignin: refresh: context deadline exceeded
}
