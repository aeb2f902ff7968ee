package freeswitch

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the package when a test made the adapter read an event
// header its connections do not decode: the read saw "absent" whatever the
// switch sent (see eventHeaders).
func TestMain(m *testing.M) {
	code := m.Run()
	if missed := eventHeaders.Missed(); len(missed) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the adapter read event headers that eventHeaders does not keep: %q\n", missed)
		code = 1
	}
	os.Exit(code)
}
