package unisignin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
//
// ID is the user's identity (it becomes [oauthkit.UserInfo.Subject], which
// keys sessions and "log out everywhere"), so it is never altered: a JSON
// string is kept byte for byte, a number in its canonical decimal form. An
// id that is empty, longer than [MaxUserIDLen] bytes, or holds control
// characters or invalid UTF-8 is refused with [ErrInvalidUserID] rather
// than cleaned up, since a cleaned id could name another user. Email, Name,
// FirstName and LastName are for display only: they are sanitized (trimmed,
// control characters collapsed, length bounded) and must not be used to
// identify the user.
type User struct {
	ID        string // exactly as in the answer (a number in canonical decimal form)
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

// MaxUserIDLen is the longest profile id, in bytes, the library accepts as a
// Subject.
const MaxUserIDLen = 255

// ErrInvalidUserID reports a profile whose id cannot serve as a Subject: an
// empty id, one longer than [MaxUserIDLen] bytes, or one holding control
// characters or invalid UTF-8. It wraps [oauthkit.ErrMalformedResponse]; the
// error never quotes the id.
var ErrInvalidUserID = fmt.Errorf("%w: user profile id is not usable as a subject", oauthkit.ErrMalformedResponse)

func parseUser(raw json.RawMessage) (*User, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(profileObject(raw), &m); err != nil {
		return nil, errors.New("user profile is not a JSON object")
	}
	u := &User{Raw: append(json.RawMessage(nil), raw...)}
	for _, k := range []string{"id", "sub", "user_id"} {
		var id oauthwire.ID
		if json.Unmarshal(m[k], &id) == nil && id != "" {
			s, err := subject(m[k], string(id))
			if err != nil {
				return nil, fmt.Errorf("%q: %w", k, err)
			}
			u.ID = s
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

// subject returns the profile id as the Subject: a JSON string exactly as
// decoded, a JSON integer in canonical decimal form (so -0 is 0), or
// [ErrInvalidUserID] when it is empty, longer than [MaxUserIDLen] bytes, or
// holds a control character or invalid UTF-8 (which decoding turns into
// U+FFFD, so two different ids would meet). The error names the rule
// broken, never the id.
func subject(field json.RawMessage, id string) (string, error) {
	if t := bytes.TrimSpace(field); len(t) > 0 && t[0] != '"' {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			id = strconv.FormatInt(n, 10)
		} else if n, err := strconv.ParseUint(id, 10, 64); err == nil {
			id = strconv.FormatUint(n, 10)
		}
	}
	switch {
	case id == "":
		return "", fmt.Errorf("%w: empty", ErrInvalidUserID)
	case len(id) > MaxUserIDLen:
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidUserID, MaxUserIDLen)
	}
	for _, r := range id {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return "", fmt.Errorf("%w: holds a control character or invalid UTF-8", ErrInvalidUserID)
		}
	}
	return id, nil
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

// str returns the first of keys that holds a JSON string, sanitized for
// display (redact.Text): never an identity.
func str(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s != "" {
			return redact.Text(s)
		}
	}
	return ""
}
