package tts

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/audio/wav"
)

// MaxPromptLength is the longest prompt file accepted.
const MaxPromptLength = 10 * time.Minute

// Sox converts audio with the sox program.
type Sox struct {
	Path string // the sox binary
}

// NewSox finds sox on PATH.
func NewSox() (*Sox, error) {
	p, err := exec.LookPath("sox")
	if err != nil {
		return nil, fmt.Errorf("%w: sox (apt-get install sox)", ErrUnavailable)
	}
	return &Sox{Path: p}, nil
}

// ToTelephony converts any audio file sox reads into 8 kHz mono 16-bit WAV.
func (s *Sox) ToTelephony(ctx context.Context, in, out string) error {
	return s.run(ctx, in, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "wav", out)
}

func (s *Sox) run(ctx context.Context, in string, args ...string) error {
	// sox reads "|command" as a pipe from a program, URLs through wget and
	// "-" as stdin: only ever hand it an existing regular file.
	if fi, err := os.Stat(in); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %q is not a file", ErrNotAudio, in)
	}
	if !strings.HasPrefix(in, "/") {
		in = "./" + in // never an option, a pipe or a URL
	}
	cmd := exec.CommandContext(ctx, s.Path, append([]string{"-V1", in}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "can't determine type") || strings.Contains(msg, "can't open input") ||
			strings.Contains(msg, "no handler") || strings.Contains(msg, "header") {
			return fmt.Errorf("%w: %s", ErrNotAudio, msg)
		}
		return fmt.Errorf("sox: %v: %s", err, msg)
	}
	return nil
}

// ConvertPrompt checks an uploaded prompt file and writes it to out as 8 kHz
// mono 16-bit WAV. Files sox cannot read as audio, files without sound and
// files longer than MaxPromptLength are rejected with ErrNotAudio.
func (s *Sox) ConvertPrompt(ctx context.Context, in, out string) (wav.File, error) {
	tmp := out + ".tmp.wav"
	defer os.Remove(tmp)
	if err := s.ToTelephony(ctx, in, tmp); err != nil {
		return wav.File{}, err
	}
	f, err := CheckFile(tmp) // a file without sound is refused by the WAV parser
	if err != nil {
		return f, err
	}
	if f.Duration() > MaxPromptLength {
		return f, fmt.Errorf("%w: %v long; at most %v", ErrNotAudio, f.Duration().Round(time.Second), MaxPromptLength)
	}
	return f, os.Rename(tmp, out)
}
