package oauthwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxExpiresIn bounds expires_in (ten years): larger values are not a
// lifetime any server means, and would overflow a time.Duration.
const maxExpiresIn = 10 * 365 * 24 * 3600

// ParseToken parses a successful token response (RFC 6749 §5.1), JSON or
// form-encoded, and sets Expiry as now + expires_in. expires_in may be a
// number or a numeric string; absent or zero means the token has no known
// expiry. Every field stays reachable through [oauth2.Token.Extra], with
// the same value types x/oauth2 gives (float64 for JSON numbers).
//
// The errors never quote the body: it holds tokens.
func ParseToken(contentType string, body []byte, now time.Time) (*oauth2.Token, error) {
	var (
		extra any
		get   func(key string) (any, bool)
	)
	if IsForm(contentType) {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errors.New("form-encoded token response does not parse")
		}
		extra = vals
		get = func(k string) (any, bool) { v, ok := vals[k]; return firstOf(v), ok }
	} else {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, errors.New("token response is not a JSON object")
		}
		extra = m
		get = func(k string) (any, bool) { v, ok := m[k]; return v, ok && v != nil }
	}

	access, err := optionalString(get, "access_token")
	if err != nil {
		return nil, err
	}
	if access == "" {
		return nil, errors.New("token response has no access_token")
	}
	tok := &oauth2.Token{AccessToken: access}
	if tok.TokenType, err = optionalString(get, "token_type"); err != nil {
		return nil, err
	}
	if tok.RefreshToken, err = optionalString(get, "refresh_token"); err != nil {
		return nil, err
	}
	if _, err = optionalString(get, "id_token"); err != nil {
		return nil, err
	}
	if tok.ExpiresIn, err = expiresIn(get); err != nil {
		return nil, err
	}
	if tok.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok.WithExtra(extra), nil
}

func firstOf(vs []string) any {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

func optionalString(get func(string) (any, bool), key string) (string, error) {
	v, ok := get(key)
	if !ok {
		return "", nil
	}
	s, isString := v.(string)
	if !isString {
		return "", fmt.Errorf("token response field %s is not a string", key)
	}
	return s, nil
}

// expiresIn reads expires_in as a JSON number or a numeric string (PayPal
// and some league/oauth2-server versions send a string).
func expiresIn(get func(string) (any, bool)) (int64, error) {
	v, ok := get("expires_in")
	if !ok {
		return 0, nil
	}
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return 0, nil
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, errors.New("token response field expires_in is not a number")
		}
	default:
		return 0, errors.New("token response field expires_in is not a number")
	}
	if math.IsNaN(f) || f < 0 || f > maxExpiresIn {
		return 0, errors.New("token response field expires_in is out of range")
	}
	return int64(f), nil
}
