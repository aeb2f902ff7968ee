package tts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Errors callers test with errors.Is.
var (
	ErrUnavailable = errors.New("tts engine not installed")
	ErrBadRequest  = errors.New("bad tts request")
	ErrNotAudio    = errors.New("not an audio file")
)

// MaxText is the longest text rendered at once (characters).
const MaxText = 2000

// Provider gives a playable prompt file for text spoken in voice.
type Provider interface {
	// Synthesize returns the path of an 8 kHz mono 16-bit PCM WAV file.
	Synthesize(ctx context.Context, text, voice string) (string, error)
}

// Engine renders text in voice into an 8 kHz mono 16-bit WAV at out. Cache
// calls it once per (voice, text); out is a fresh temporary path.
type Engine interface {
	Render(ctx context.Context, text, voice, out string) error
}

var voiceRe = regexp.MustCompile(`^[a-z][a-z0-9+_-]{0,63}$`)

// Cache renders each (voice, text) once and keeps the WAV in Dir under the
// hash of both, so a prompt spoken on every call costs one render.
type Cache struct {
	Dir    string
	Engine Engine

	mu       sync.Mutex
	inflight map[string]*render
}

// render is one render in progress; others asking for it wait on done.
type render struct {
	done chan struct{}
	err  error
}

// NewCache creates dir if needed.
func NewCache(dir string, e Engine) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tts cache: %w", err)
	}
	return &Cache{Dir: dir, Engine: e}, nil
}

// Path is where the rendering of (voice, text) is kept.
func (c *Cache) Path(text, voice string) string {
	sum := sha256.Sum256([]byte(voice + "\x00" + text))
	return filepath.Join(c.Dir, voice+"-"+hex.EncodeToString(sum[:16])+".wav")
}

// Synthesize returns the cached file, rendering it first if needed.
// Concurrent requests for the same prompt share one render.
func (c *Cache) Synthesize(ctx context.Context, text, voice string) (string, error) {
	if err := checkRequest(text, voice); err != nil {
		return "", err
	}
	path := c.Path(text, voice)
	if _, err := os.Stat(path); err == nil {
		now := time.Now()
		_ = os.Chtimes(path, now, now) // mark it used, for Prune; best effort
		return path, nil
	}
	for {
		r, first := c.claim(path)
		if first {
			r.err = c.renderTo(ctx, text, voice, path)
			c.release(path, r)
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
		// Another caller's render stopped because that caller hung up: ours
		// is still wanted, so render again.
		if !first && r.err != nil && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
			continue
		}
		if r.err != nil {
			return "", r.err
		}
		return path, nil
	}
}

func checkRequest(text, voice string) error {
	switch {
	case !voiceRe.MatchString(voice):
		return fmt.Errorf("%w: voice %q is not a voice name", ErrBadRequest, voice)
	case text == "" || !utf8.ValidString(text):
		return fmt.Errorf("%w: text is empty or not UTF-8", ErrBadRequest)
	case utf8.RuneCountInString(text) > MaxText:
		return fmt.Errorf("%w: text longer than %d characters", ErrBadRequest, MaxText)
	}
	return nil
}

func (c *Cache) claim(path string) (*render, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.inflight[path]; ok {
		return r, false
	}
	if c.inflight == nil {
		c.inflight = map[string]*render{}
	}
	r := &render{done: make(chan struct{})}
	c.inflight[path] = r
	return r, true
}

func (c *Cache) release(path string, r *render) {
	c.mu.Lock()
	delete(c.inflight, path)
	c.mu.Unlock()
	close(r.done)
}

// renderTo renders into a temporary file and renames it into place, so a
// cached file is always complete.
func (c *Cache) renderTo(ctx context.Context, text, voice, path string) error {
	tmp, err := os.CreateTemp(c.Dir, ".render-*.wav")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := c.Engine.Render(ctx, text, voice, tmp.Name()); err != nil {
		return err
	}
	if _, err := CheckFile(tmp.Name()); err != nil {
		return fmt.Errorf("tts engine output: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// Prune removes cached renderings not used since before now-unused, so
// prompts with changing values ("your balance is 12.50") do not fill the
// disk. The application calls it from its housekeeping timer; it returns
// how many files it removed.
func (c *Cache) Prune(now time.Time, unused time.Duration) (int, error) {
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".wav") {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(now.Add(-unused)) {
			continue
		}
		if os.Remove(filepath.Join(c.Dir, e.Name())) == nil {
			removed++
		}
	}
	return removed, nil
}
