package mastodon

import (
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
