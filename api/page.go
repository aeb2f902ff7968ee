package api

import (
	"strconv"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/store"
)

// Page is every list response: {"items":[...],"next_cursor":...}; next_cursor
// is null on the last page. Cursors are opaque (the store's keyset cursor).
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// parsePage reads ?limit= (1-500, default 50) and ?cursor=. The store checks
// the cursor itself and answers a field error naming "cursor".
func parsePage(c *echo.Context) (store.Page, error) {
	p := store.Page{Limit: store.DefaultLimit, After: c.QueryParam("cursor")}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.MaxLimit {
			return p, errBadField("limit", "must be an integer between 1 and "+strconv.Itoa(store.MaxLimit))
		}
		p.Limit = n
	}
	if len(p.After) > 256 {
		return p, errBadField("cursor", "is not a cursor returned by this API")
	}
	return p, nil
}

// pageFrom converts a store list into the wire page, mapping rows with conv
// (which drops write-only fields such as secrets).
func pageFrom[S, T any](l store.List[S], conv func(S) T) Page[T] {
	p := Page[T]{Items: make([]T, 0, len(l.Items))}
	for _, s := range l.Items {
		p.Items = append(p.Items, conv(s))
	}
	if l.Next != "" {
		next := l.Next
		p.NextCursor = &next
	}
	return p
}
