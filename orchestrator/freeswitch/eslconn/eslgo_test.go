package eslconn

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"
)

// TestEslgoConnectionMismatches is the evidence for wrapping eslgo: its
// connection writes a command, releases the write lock, then takes whichever
// reply arrives next from a shared channel, so concurrent callers receive
// each other's replies. The same load on Conn gives zero mismatches
// (TestNoMismatchedReplies).
func TestEslgoConnectionMismatches(t *testing.T) {
	if testing.Short() {
		t.Skip("evidence test")
	}
	srv := startFake(t, echoHandler)
	conn, err := eslgo.Dial(srv.Addr(), "ClueCon", func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const callers, each = 1000, 8
	var wrong, total atomic.Int64
	var wg sync.WaitGroup
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				token := fmt.Sprintf("g%d-%d", g, i)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				r, err := conn.SendCommand(ctx, command.API{Command: "echo", Arguments: token})
				cancel()
				if err != nil {
					continue
				}
				total.Add(1)
				if string(r.Body) != token+"\n" {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("eslgo: %d of %d replies went to the wrong caller", wrong.Load(), total.Load())
	if wrong.Load() == 0 {
		t.Skip("eslgo happened not to mix replies up this run")
	}
}
