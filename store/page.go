package store

import (
	"encoding/base64"
	"strings"
)

// Page asks for one page of a list: up to Limit rows after the opaque cursor
// After (empty for the first page). Lists are keyset-paginated on the UUIDv7
// id, so pages are stable while rows are added.
type Page struct {
	After string
	Limit int
}

// Limits applied to Page.Limit.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List is one page of results; Next is the cursor of the following page,
// empty on the last one.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// All reads every page of a list (for the controller's own snapshots, not
// for API answers, which stay paginated).
func All[T any](page func(Page) (List[T], error)) ([]T, error) {
	var out []T
	p := Page{Limit: MaxLimit}
	for {
		l, err := page(p)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.Next == "" {
			return out, nil
		}
		p.After = l.Next
	}
}

const (
	cursorPrefix   = "c1:"
	cursorAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id))
}

// keyset returns the id to start after and the limit to use.
func (p Page) keyset() (after string, limit int, err error) {
	limit = p.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return "", 0, invalid("limit", "must be between 1 and 500")
	}
	if p.After == "" {
		return "", limit, nil
	}
	if strings.Trim(p.After, cursorAlphabet) != "" { // the decoder would skip \r and \n
		return "", 0, invalid("cursor", "is not a cursor returned by this API")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(p.After)
	id, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if err != nil || !ok || id == "" || len(id) > 64 || strings.Trim(id, "0123456789abcdef-") != "" {
		return "", 0, invalid("cursor", "is not a cursor returned by this API")
	}
	return id, limit, nil
}

// pageOf trims rows fetched with limit+1 to limit and sets Next.
func pageOf[T any](rows []T, limit int, id func(T) string) List[T] {
	out := List[T]{Items: rows}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(rows) > limit {
		out.Items = rows[:limit]
		out.Next = encodeCursor(id(rows[limit-1]))
	}
	return out
}
