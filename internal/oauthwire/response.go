package oauthwire

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// maxExpiresIn bounds expires_in (ten years): larger values are not a
// lifetime any server means, and would overflow a time.Duration.
const maxExpiresIn = 10 * 365 * 24 * 3600

// ParseToken parses a successful token response (RFC 6749 §5.1), JSON or
// form-encoded. Every field stays reachable through [oauth2.Token.Extra],
// with the same value types x/oauth2 gives (float64 for JSON numbers).
//
// token_type must be Bearer, in any case (RFC 6749 §5.1: case-insensitive);
// absent means Bearer. Any other type (DPoP, mac, …) is refused with a
// [*TokenTypeError]: such a token is useless without the proof of possession
// this library does not make.
//
// expires_in sets Expiry = now + expires_in. The rule, case by case:
//   - absent, null or an empty string: the server states no lifetime, and
//     Expiry stays zero (x/oauth2's "no known expiry");
//   - a JSON number or a numeric string ("3599", " 60 ", "59.9"): fractions
//     are cut to whole seconds (the earlier expiry is the safe side), and
//     the result must be at least 1 second and at most ten years;
//   - anything else is an error: 0 and values under one second (a token
//     expired on arrival, which must not read as "never expires"), negative
//     values, NaN, infinities, a value over ten years, a string that is not
//     a number, a bool or an object.
//
// The errors never quote the body: it holds tokens.
func ParseToken(contentType string, body []byte, now time.Time) (*oauth2.Token, error) {
	return parseToken(contentType, body, now, "")
}

// ExtraDPoPJKT is the extra under which a DPoP-bound token keeps the
// thumbprint (RFC 7638) of the key it is bound to.
const ExtraDPoPJKT = "oauthkit_dpop_jkt"

// parseToken is ParseToken; with jkt, the thumbprint of the key whose DPoP
// proof the request carried, it also accepts token_type DPoP (RFC 9449
// §5) and keeps jkt in such a token's extras.
func parseToken(contentType string, body []byte, now time.Time, jkt string) (*oauth2.Token, error) {
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
		m, err := decodeObject(body)
		if err != nil {
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
	if tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "Bearer") && !(jkt != "" && strings.EqualFold(tok.TokenType, "DPoP")) {
		return nil, &TokenTypeError{Type: tok.TokenType}
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
	// Every path above that stated a lifetime set one; a zero ExpiresIn here
	// means the server stated none.
	bindExtra(extra, jkt != "" && strings.EqualFold(tok.TokenType, "DPoP"), jkt)
	return tok.WithExtra(extra), nil
}

// bindExtra sets (bound) or removes ExtraDPoPJKT in a parsed response, so
// that only a DPoP token the request asked for carries it: never one the
// server named.
func bindExtra(extra any, bound bool, jkt string) {
	switch m := extra.(type) {
	case map[string]any:
		delete(m, ExtraDPoPJKT)
		if bound {
			m[ExtraDPoPJKT] = jkt
		}
	case url.Values:
		m.Del(ExtraDPoPJKT)
		if bound {
			m.Set(ExtraDPoPJKT, jkt)
		}
	}
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
	if math.IsNaN(f) || f < 1 || f > maxExpiresIn {
		// f < 1 also refuses 0 and fractions of a second: cut to whole
		// seconds they would be 0, which reads as "no known expiry".
		return 0, errors.New("token response field expires_in is out of range (1 second to 10 years)")
	}
	return int64(f), nil
}

// TokenTypeError is the reason a token response is refused when its
// token_type is not Bearer. The error it ends up in is an [*oauthkit.Error]
// with [oauthkit.ErrMalformedResponse]; errors.As finds this one too.
type TokenTypeError struct {
	Type string // as the server sent it
}

func (e *TokenTypeError) Error() string {
	return fmt.Sprintf("token_type %q is not Bearer; only Bearer tokens are supported", redact.Text(e.Type))
}
