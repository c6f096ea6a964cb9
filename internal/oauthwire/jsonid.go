package oauthwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// ID is an identifier in a vendor's JSON answer that may be a number or a
// string ({"id": 1234} or {"id": "1234"}), kept as its text. Numbers keep
// every digit: an id beyond 2^53 is not rounded through a float64. null or an
// absent field leave the ID empty.
type ID string

// UnmarshalJSON accepts a JSON string, an integer or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*id = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("id is neither a string nor a number")
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		if _, uerr := strconv.ParseUint(n.String(), 10, 64); uerr != nil {
			return errors.New("id is not an integer")
		}
	}
	*id = ID(n.String())
	return nil
}

// Int64 returns the ID as an int64, for vendors whose ids are numbers.
func (id ID) Int64() (int64, error) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return 0, errors.New("id is not a 64-bit integer")
	}
	return n, nil
}
