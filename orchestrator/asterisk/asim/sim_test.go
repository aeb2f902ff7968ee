package asim

import (
	"net/http"
	"testing"
	"time"
)

// TestDropClosesWebSocketsAndRefuses: node loss closes the events
// WebSocket and refuses requests until Restore.
func TestDropClosesWebSocketsAndRefuses(t *testing.T) {
	s := startReplaySim(t, Config{})
	rec := listen(t, s, "switchboard")
	s.Drop()
	select {
	case <-rec.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the events WebSocket stayed open after Drop")
	}
	req, _ := http.NewRequest("GET", s.URL()+"/channels", nil)
	req.SetBasicAuth("sb", "sbpass")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /channels while dropped = %d, want 503", resp.StatusCode)
	}
	s.Restore()
	listen(t, s, "switchboard")
}
