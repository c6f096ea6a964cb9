package oauthwire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OpIntrospect names a token introspection request (RFC 7662) in errors.
const OpIntrospect = "introspect"

// Introspection is an introspection answer (RFC 7662 §2.2). Only Active is
// required of the server; every other member is as the server sent it, and
// Raw holds them all.
type Introspection struct {
	Active    bool
	Scope     []string
	ClientID  string
	Username  string
	TokenType string
	Expiry    time.Time // exp; zero when absent
	IssuedAt  time.Time // iat
	NotBefore time.Time // nbf
	Subject   string
	Audience  []string
	Issuer    string
	ID        string // jti
	Raw       map[string]any
}

// Introspect asks the server about r.Token (RFC 7662 §2.1): a form-encoded
// POST of token and token_type_hint with the client's authentication, as
// for [Client.Revoke]. An answer that is not a JSON object with a boolean
// active is [oauthkit.ErrMalformedResponse]. An inactive token is not an
// error: Active is false and nothing else is reported (§2.2: the server
// SHOULD NOT say more about it).
func (c *Client) Introspect(ctx context.Context, r Revocation) (*Introspection, error) {
	if r.Token == "" {
		return nil, errors.New(c.Provider + ": " + OpIntrospect + ": empty token")
	}
	params := url.Values{"token": {r.Token}}
	if r.Hint != "" {
		params.Set("token_type_hint", r.Hint)
	}
	x, err := c.send(ctx, &Request{
		Op: OpIntrospect, TokenURL: r.URL, Params: params, ClientID: r.ClientID,
		Secret: r.Secret, Auth: r.Auth, Assertion: r.Assertion, Advise: r.Advise,
	})
	if err != nil {
		return nil, err
	}
	var in *Introspection
	switch {
	case x.err != nil:
		err = x.call(c.Provider).TransportError(x.resp, x.err)
	case x.resp.StatusCode/100 != 2:
		err = x.call(c.Provider).ResponseError(x.resp)
	default:
		var perr error
		if in, perr = ParseIntrospection(x.resp.Body); perr != nil {
			err = x.call(c.Provider).Malformed(x.resp, perr)
		}
	}
	c.report(ctx, OpIntrospect, x.start, x.resp, x.attempts, x.err != nil, err)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// ParseIntrospection parses an introspection answer. Its errors never quote
// the body.
func ParseIntrospection(body []byte) (*Introspection, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errors.New("introspection answer is not a JSON object")
	}
	active, ok := m["active"].(bool)
	if !ok {
		return nil, errors.New("introspection answer has no boolean active")
	}
	if !active {
		return &Introspection{Raw: map[string]any{"active": false}}, nil
	}
	in := &Introspection{Active: true, Raw: m}
	str := func(k string) string { s, _ := m[k].(string); return s }
	in.ClientID, in.Username, in.TokenType = str("client_id"), str("username"), str("token_type")
	in.Subject, in.Issuer, in.ID = str("sub"), str("iss"), str("jti")
	in.Scope = strings.Fields(str("scope"))
	for k, t := range map[string]*time.Time{"exp": &in.Expiry, "iat": &in.IssuedAt, "nbf": &in.NotBefore} {
		switch v := m[k].(type) {
		case nil:
		case float64:
			*t = time.Unix(int64(v), 0)
		default:
			return nil, fmt.Errorf("introspection answer's %s is not a number", k)
		}
	}
	switch v := m["aud"].(type) {
	case nil:
	case string:
		in.Audience = []string{v}
	case []any:
		for _, a := range v {
			s, ok := a.(string)
			if !ok {
				return nil, errors.New("introspection answer's aud is not a list of strings")
			}
			in.Audience = append(in.Audience, s)
		}
	default:
		return nil, errors.New("introspection answer's aud is neither a string nor a list")
	}
	return in, nil
}
