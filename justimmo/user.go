package justimmo

import (
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

// currentUser is the documented answer, {"id":1234,"tenant":{"id":5678}};
// the ids are read as numbers or numeric strings.
type currentUser struct {
	ID     oauthwire.ID `json:"id"`
	Tenant *struct {
		ID oauthwire.ID `json:"id"`
	} `json:"tenant"`
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

func parseUser(raw json.RawMessage) (*User, error) {
	var cu currentUser
	if err := json.Unmarshal(raw, &cu); err != nil {
		return nil, errors.New("current user is not {\"id\": …, \"tenant\": {\"id\": …}}")
	}
	if cu.ID == "" {
		return nil, errors.New("current user has no id")
	}
	id, err := cu.ID.Int64()
	if err != nil {
		return nil, errors.New("current user id is not a 64-bit integer")
	}
	u := &User{ID: strconv.FormatInt(id, 10)}
	if cu.Tenant != nil && cu.Tenant.ID != "" {
		tenant, err := cu.Tenant.ID.Int64()
		if err != nil {
			return nil, errors.New("tenant id is not a 64-bit integer")
		}
		u.TenantID = strconv.FormatInt(tenant, 10)
	}
	return u, nil
}
