package justimmo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// User is who an access token acts for: the Justimmo user and their tenant
// (docs/vendors/justimmo.md#current-user). The ids are numbers in the answer,
// kept as their decimal text: a user id is a string in every vendor package.
type User struct {
	ID       string
	TenantID string // empty when the answer names no tenant
}

// User returns the user and tenant of a user's access token:
// GET {APIURL}/oauth/user/current with the token as Bearer
// (docs/vendors/justimmo.md#current-user). A client-credentials token acts
// for no user; the server refuses it.
func (p *Provider) User(ctx context.Context, tok *oauth2.Token) (*User, error) {
	u, _, err := p.user(ctx, tok)
	return u, err
}

// FetchUserInfo implements [oauthkit.UserInfoFetcher]: Subject is the user
// id; Raw holds the answer ("id", "tenant"). Justimmo sends no email or name.
func (p *Provider) FetchUserInfo(ctx context.Context, tok *oauth2.Token) (*oauthkit.UserInfo, error) {
	u, raw, err := p.user(ctx, tok)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: current user: %w", name, oauthkit.ErrMalformedResponse)
	}
	return &oauthkit.UserInfo{Subject: u.ID, Raw: m}, nil
}

func (p *Provider) user(ctx context.Context, tok *oauth2.Token) (*User, json.RawMessage, error) {
	return oauthwire.GetProfile(ctx, p.server.HTTP, name, "current user", p.server.Endpoints.UserInfoURL, tok, parseUser, p.cfg.ClientSecret.Reveal())
}

// parseUser reads the documented answer, {"id":1234,"tenant":{"id":5678}}:
// ids are numbers or numeric strings, and keys must match exactly
// (encoding/json's struct decoding would also take "ID" or "iD" for "id",
// so that the id read could differ from the one a caller sees in Raw).
func parseUser(raw json.RawMessage) (*User, error) {
	const shape = "current user is not {\"id\": …, \"tenant\": {\"id\": …}}"
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errors.New(shape)
	}
	id, err := int64ID(m["id"])
	switch {
	case errors.Is(err, errNotInt64):
		return nil, errors.New("current user id is not a 64-bit integer")
	case err != nil:
		return nil, errors.New(shape)
	case id == "":
		return nil, errors.New("current user has no id")
	}
	u := &User{ID: id}
	if t := m["tenant"]; t != nil && !bytes.Equal(bytes.TrimSpace(t), []byte("null")) {
		var tm map[string]json.RawMessage
		if err := json.Unmarshal(t, &tm); err != nil {
			return nil, errors.New(shape)
		}
		switch u.TenantID, err = int64ID(tm["id"]); {
		case errors.Is(err, errNotInt64):
			return nil, errors.New("tenant id is not a 64-bit integer")
		case err != nil:
			return nil, errors.New(shape)
		}
	}
	return u, nil
}

var errNotInt64 = errors.New("id is not a 64-bit integer")

// int64ID reads a JSON id (absent or null: "") as a 64-bit integer in
// canonical decimal.
func int64ID(raw json.RawMessage) (string, error) {
	if raw == nil {
		return "", nil
	}
	var id oauthwire.ID
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", err
	}
	if id == "" {
		return "", nil
	}
	// Only the canonical decimal: "-0", "+5" or "007" would be read as
	// another text than the answer's, and the ID must be the one in Raw.
	n, err := id.Int64()
	if err != nil || strconv.FormatInt(n, 10) != string(id) {
		return "", errNotInt64
	}
	return string(id), nil
}
