package tts

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/audio/wav"
	"github.com/switchboard-cc/switchboard/ivrflows"
)

// fakeEngine writes a short telephony WAV and counts renders.
type fakeEngine struct {
	renders atomic.Int32
	fail    error
	delay   time.Duration
}

func (e *fakeEngine) Render(ctx context.Context, text, voice, out string) error {
	e.renders.Add(1)
	time.Sleep(e.delay)
	if e.fail != nil {
		return e.fail
	}
	return os.WriteFile(out, wav.Encode(wav.Telephony, make([]byte, 1600)), 0o644)
}

func TestCacheRendersOncePerVoiceAndText(t *testing.T) {
	eng := &fakeEngine{delay: 20 * time.Millisecond}
	c, err := NewCache(t.TempDir(), eng)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	paths := make([]string, 8)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Synthesize(ctx, "Welcome", "en")
			if err != nil {
				t.Error(err)
			}
			paths[i] = p
		}()
	}
	wg.Wait()
	if n := eng.renders.Load(); n != 1 {
		t.Fatalf("%d renders for one prompt asked 8 times at once", n)
	}
	for _, p := range paths {
		if p != paths[0] {
			t.Fatalf("different paths %v", paths)
		}
	}
	if _, err := CheckFile(paths[0]); err != nil {
		t.Fatal(err)
	}
	again, _ := c.Synthesize(ctx, "Welcome", "en")
	other, _ := c.Synthesize(ctx, "Welcome", "yue")
	if again != paths[0] || other == paths[0] || eng.renders.Load() != 2 {
		t.Fatalf("cache by voice+text: again %s other %s renders %d", again, other, eng.renders.Load())
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir, ".render-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestCacheRejectsBadRequestsAndFailedRenders(t *testing.T) {
	eng := &fakeEngine{}
	c, _ := NewCache(t.TempDir(), eng)
	ctx := context.Background()
	for _, tc := range []struct{ text, voice string }{
		{"", "en"}, {"hi", "-v"}, {"hi", "en; rm -rf"}, {"hi", ""}, {strings.Repeat("x", MaxText+1), "en"}, {"\xff", "en"},
	} {
		if _, err := c.Synthesize(ctx, tc.text, tc.voice); !errors.Is(err, ErrBadRequest) {
			t.Errorf("Synthesize(%.10q, %q) = %v, want ErrBadRequest", tc.text, tc.voice, err)
		}
	}
	eng.fail = errors.New("engine down")
	if _, err := c.Synthesize(ctx, "hi", "en"); err == nil || !strings.Contains(err.Error(), "engine down") {
		t.Fatalf("engine failure: %v", err)
	}
	if _, err := os.Stat(c.Path("hi", "en")); !os.IsNotExist(err) {
		t.Fatal("a failed render was cached")
	}
	eng.fail = nil
	if _, err := c.Synthesize(ctx, "hi", "en"); err != nil {
		t.Fatalf("render after a failure: %v", err)
	}
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install -y espeak-ng sox); skipping the real-engine test", tool)
		}
	}
}

func TestEspeakVoices(t *testing.T) {
	needTools(t, "espeak-ng", "sox")
	eng, err := NewEspeak()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewCache(t.TempDir(), eng)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct{ text, voice string }{
		{"Welcome to Acme. For sales press one.", "en"},
		{"您好，欢迎致电。请按一号键。", "cmn"},
		{"您好，欢迎致电。", "cmn-latn-pinyin"},
		{"你好，歡迎致電。", "yue"},
	} {
		p, err := c.Synthesize(ctx, tc.text, tc.voice)
		if err != nil {
			t.Fatalf("%s: %v", tc.voice, err)
		}
		f, err := CheckFile(p)
		if err != nil {
			t.Fatalf("%s: %v", tc.voice, err)
		}
		if d := f.Duration(); d < 500*time.Millisecond || d > 20*time.Second {
			t.Errorf("%s: %v of audio for %q", tc.voice, d, tc.text)
		}
	}
	if _, err := c.Synthesize(ctx, "hello", "no-such-voice"); !errors.Is(err, ErrBadRequest) {
		t.Errorf("unknown voice: %v, want ErrBadRequest", err)
	}
}

func TestConvertPrompt(t *testing.T) {
	needTools(t, "sox")
	sox, err := NewSox()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	in := filepath.Join(dir, "-upload.wav") // a name that looks like an option
	if out, err := exec.Command(sox.Path, "-n", "-r", "44100", "-c", "2", "-b", "16", in, "synth", "1.5", "sine", "440").CombinedOutput(); err != nil {
		t.Fatalf("making a test tone: %v %s", err, out)
	}
	out := filepath.Join(dir, "prompt.wav")
	f, err := sox.ConvertPrompt(ctx, in, out)
	if err != nil {
		t.Fatal(err)
	}
	if !f.IsTelephony() || f.Duration() < 1400*time.Millisecond || f.Duration() > 1600*time.Millisecond {
		t.Fatalf("converted %+v (%v)", f, f.Duration())
	}
	if _, err := CheckFile(out); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"notes.txt": "this is a text file, not audio", "empty.wav": "",
		"fake.wav": "RIFF....WAVEjunk"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := sox.ConvertPrompt(ctx, p, filepath.Join(dir, "x.wav")); !errors.Is(err, ErrNotAudio) {
			t.Errorf("%s: %v, want ErrNotAudio", name, err)
		}
	}
}

func TestPruneRemovesUnusedRenderings(t *testing.T) {
	eng := &fakeEngine{}
	c, _ := NewCache(t.TempDir(), eng)
	ctx := context.Background()
	old, _ := c.Synthesize(ctx, "balance 12.50", "en")
	kept, _ := c.Synthesize(ctx, "welcome", "en")
	long := time.Now().Add(-48 * time.Hour)
	os.Chtimes(old, long, long)
	os.Chtimes(kept, long, long)
	if _, err := c.Synthesize(ctx, "welcome", "en"); err != nil { // a hit marks it used
		t.Fatal(err)
	}
	n, err := c.Prune(time.Now(), 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("unused rendering kept")
	}
	if _, err := os.Stat(kept); err != nil {
		t.Error("used rendering removed")
	}
	if eng.renders.Load() != 2 {
		t.Errorf("%d renders", eng.renders.Load())
	}
}

func TestFilesMixesRecordingsAndTTS(t *testing.T) {
	c, _ := NewCache(t.TempDir(), &fakeEngine{})
	ctx := context.Background()
	files, err := Files(ctx, c, []ivrflows.PlayItem{{File: "acme/en/welcome.wav"}, {Text: "12.5", Voice: "en"}})
	if err != nil || len(files) != 2 || files[0] != "acme/en/welcome.wav" || files[1] != c.Path("12.5", "en") {
		t.Fatalf("%v %v", files, err)
	}
	if _, err := Files(ctx, c, []ivrflows.PlayItem{{Text: "x", Voice: "-bad"}}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("bad voice: %v", err)
	}
}

// ctxEngine fails with the context's error when it is cancelled mid-render.
type ctxEngine struct {
	fakeEngine
	started chan struct{}
}

func (e *ctxEngine) Render(ctx context.Context, text, voice, out string) error {
	if e.renders.Add(1) == 1 {
		close(e.started)
		<-ctx.Done()
		return ctx.Err()
	}
	return os.WriteFile(out, wav.Encode(wav.Telephony, make([]byte, 1600)), 0o644)
}

func TestWaiterRendersAgainWhenTheFirstCallerHangsUp(t *testing.T) {
	eng := &ctxEngine{started: make(chan struct{})}
	c, _ := NewCache(t.TempDir(), eng)
	first, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Synthesize(first, "hello", "en")
		errc <- err
	}()
	<-eng.started
	got := make(chan error, 1)
	go func() {
		_, err := c.Synthesize(context.Background(), "hello", "en")
		got <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the second caller wait on the first render
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v", err)
	}
	if err := <-got; err != nil {
		t.Fatalf("second caller got the first caller's cancellation: %v", err)
	}
	if n := eng.renders.Load(); n != 2 {
		t.Fatalf("%d renders", n)
	}
}

func TestSoxOnlyReadsRegularFiles(t *testing.T) {
	needTools(t, "sox")
	sox, _ := NewSox()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	for _, in := range []string{"|touch " + marker, "http://example.invalid/a.wav", "-", dir} {
		if _, err := sox.ConvertPrompt(context.Background(), in, filepath.Join(dir, "out.wav")); !errors.Is(err, ErrNotAudio) {
			t.Errorf("%q: %v, want ErrNotAudio", in, err)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("sox ran a command from the input name")
	}
}
