package store

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

// TestAllFollowsCursorsToTheEnd: All asks page after page with the cursor
// the previous one returned, and stops on the first error.
func TestAllFollowsCursorsToTheEnd(t *testing.T) {
	var asked []string
	pages := func(p Page) (List[int], error) {
		asked = append(asked, p.After)
		n, _ := strconv.Atoi(p.After)
		if p.Limit != MaxLimit {
			t.Fatalf("limit %d", p.Limit)
		}
		l := List[int]{Items: []int{n, n + 1}}
		if n < 4 {
			l.Next = strconv.Itoa(n + 2)
		}
		return l, nil
	}
	got, err := All(pages)
	if err != nil || !slices.Equal(got, []int{0, 1, 2, 3, 4, 5}) || !slices.Equal(asked, []string{"", "2", "4"}) {
		t.Fatalf("got %v %v, asked %q", got, err, asked)
	}
	boom := errors.New("boom")
	if _, err := All(func(Page) (List[int], error) { return List[int]{}, boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
}
