package flowrun

import (
	"context"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/tts"
)

var _ Prompter = (*tts.Cache)(nil)

// wavEngine writes 100 ms of 8 kHz mono 16-bit silence and counts renders.
type wavEngine struct{ renders atomic.Int32 }

func (e *wavEngine) Render(_ context.Context, text, voice, out string) error {
	e.renders.Add(1)
	const n = 800 * 2
	h := make([]byte, 44+n)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+n)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], 8000)
	binary.LittleEndian.PutUint32(h[28:], 16000)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], n)
	return os.WriteFile(out, h, 0o644)
}

// TestTTSCacheRendersOncePerText runs text prompts through the real
// tts.Cache: the switch plays the cached file, rendered once for two calls.
func TestTTSCacheRendersOncePerText(t *testing.T) {
	eng := &wavEngine{}
	cache, err := tts.NewCache(t.TempDir(), eng)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"id": "main", "name": "T", "start": "p", "nodes": [
	  {"id": "p", "type": "play", "params": {"prompts": [{"text": {"*": "Welcome to Acme"}}]}, "exits": {"next": "h"}},
	  {"id": "h", "type": "hangup", "params": {}}]}`
	prog := compileFlow(t, doc)
	for i := 0; i < 2; i++ {
		sw, s := newFakeSwitch(), &sinks{}
		r := newTestRunner(t, sw, s, func(c *Config) { c.Prompter = cache })
		ctx, call := sw.call(t)
		if _, err := r.Run(ctx, call, prog, acme); err != nil {
			t.Fatal(err)
		}
		want := "play " + cache.Path("Welcome to Acme", "en")
		if !slices.Contains(sw.Log(), want) || !strings.HasSuffix(want, ".wav") {
			t.Errorf("log %q, want %q", sw.Log(), want)
		}
	}
	if n := eng.renders.Load(); n != 1 {
		t.Errorf("%d renders, want 1 for the same text", n)
	}
}
