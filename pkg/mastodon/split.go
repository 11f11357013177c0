package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
)

var errNotArray = errors.New("not a JSON array")

// splitArray returns the elements of a JSON array as raw values without
// validating them again: b must be a body that has just been decoded as an
// array (into the statuses). Keeping each status's JSON through
// json.Unmarshal into []json.RawMessage would scan the page twice more.
// It still rejects what is not shaped as one array.
func splitArray(b []byte) ([]json.RawMessage, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, errNotArray
	}
	i = skipSpace(b, i+1)
	var out []json.RawMessage
	if i < len(b) && b[i] == ']' {
		if skipSpace(b, i+1) != len(b) {
			return nil, errNotArray
		}
		return out, nil
	}
	for {
		end, err := valueEnd(b, i)
		if err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(b[i:end]))
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, errNotArray
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			if skipSpace(b, i+1) != len(b) {
				return nil, errNotArray
			}
			return out, nil
		default:
			return nil, errNotArray
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns where the value starting at i ends: after its closing
// bracket or quote, or at the next delimiter for a literal or number.
func valueEnd(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch c := b[j]; c {
		case '"':
			j++
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return 0, errNotArray
			}
			if depth == 0 {
				return j + 1, nil
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return j, nil // the end of a literal before the array's ']'
			}
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, errNotArray
}

// Members calls fn with the value of every member of the JSON object b whose
// name is name, compared as encoding/json compares a field's name (ignoring
// case), in order: decoding each into one value is what decoding b into a
// struct with that one field does, without scanning the rest of b again.
// Like splitArray it is for a body that has just been decoded. It returns
// false, having called nothing, when b is not an object or a member's name
// holds an escape; the caller then decodes b whole.
func Members(b []byte, name string, fn func(json.RawMessage)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	var found []json.RawMessage
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] != '}' {
		if b[i] != '"' {
			return false
		}
		end := i + 1
		for end < len(b) && b[end] != '"' {
			if b[end] == '\\' {
				return false
			}
			end++
		}
		key := b[i+1 : min(end, len(b))]
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vEnd, err := valueEnd(b, i)
		if err != nil || vEnd == i {
			return false
		}
		if bytes.EqualFold(key, []byte(name)) {
			found = append(found, json.RawMessage(b[i:vEnd]))
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == '}' {
				return false // a trailing comma
			}
		}
	}
	if i >= len(b) {
		return false
	}
	for _, v := range found {
		fn(v)
	}
	return true
}
