package unisignin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// User is a UniSignIn user's profile, from GET /oauth/v2/user.
//
// The vendor documents the request but not the answer's shape
// (docs/vendors/unisignin.md#user-profile), so it is read leniently: the
// object itself or wrapped in "data" (as Laravel API resources answer); the
// id from "id" (else "sub", else "user_id") as a number or a string; the
// name from "name", else "first_name"/"last_name" (or "firstName"/"lastName")
// joined. Fields of an unexpected type are skipped. Raw keeps the answer as
// it came, for whatever else the organization's profile holds.
type User struct {
	ID        string // a number or a string in the answer, kept as its text
	Email     string
	Name      string
	FirstName string
	LastName  string
	Raw       json.RawMessage
}

// User fetches the profile of the user tok belongs to:
// GET {BaseURL}/oauth/v2/user?client_id=… with the access token as Bearer
// (docs/vendors/unisignin.md#user-profile). A profile without an id is
// [oauthkit.ErrMalformedResponse].
func (p *Provider) User(ctx context.Context, tok *oauth2.Token) (*User, error) {
	u := p.server.Endpoints.UserInfoURL + "?" + url.Values{"client_id": {p.cfg.ClientID}}.Encode()
	user, _, err := oauthwire.GetProfile(ctx, p.server.HTTP, name, "user", u, tok, parseUser, p.cfg.ClientSecret.Reveal())
	return user, err
}

// FetchUserInfo implements [oauthkit.UserInfoFetcher]: the profile's id is
// the Subject, and Raw holds the profile object.
func (p *Provider) FetchUserInfo(ctx context.Context, tok *oauth2.Token) (*oauthkit.UserInfo, error) {
	u, err := p.User(ctx, tok)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(profileObject(u.Raw), &m); err != nil {
		return nil, fmt.Errorf("%s: user: %w", name, oauthkit.ErrMalformedResponse)
	}
	return &oauthkit.UserInfo{Subject: u.ID, Email: u.Email, Name: u.Name, Raw: m}, nil
}

func parseUser(raw json.RawMessage) (*User, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(profileObject(raw), &m); err != nil {
		return nil, errors.New("user profile is not a JSON object")
	}
	u := &User{Raw: append(json.RawMessage(nil), raw...)}
	for _, k := range []string{"id", "sub", "user_id"} {
		var id oauthwire.ID
		if json.Unmarshal(m[k], &id) == nil && id != "" {
			u.ID = redact.Text(string(id))
			break
		}
	}
	if u.ID == "" {
		return nil, errors.New("user profile has no id")
	}
	u.Email = str(m, "email")
	u.FirstName = str(m, "first_name", "firstName", "given_name")
	u.LastName = str(m, "last_name", "lastName", "family_name")
	u.Name = str(m, "name")
	if u.Name == "" {
		u.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return u, nil
}

// profileObject returns the object under "data" when the answer is wrapped
// in one and has no id of its own, else the answer.
func profileObject(raw json.RawMessage) json.RawMessage {
	var wrap struct {
		ID   json.RawMessage `json:"id"`
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &wrap) == nil && wrap.ID == nil && bytes.HasPrefix(bytes.TrimSpace(wrap.Data), []byte("{")) {
		return wrap.Data
	}
	return raw
}

// str returns the first of keys that holds a JSON string.
func str(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s != "" {
			return redact.Text(s)
		}
	}
	return ""
}
