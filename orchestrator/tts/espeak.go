package tts

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Voices maps flow language codes to espeak-ng voices. The plain "cmn" voice
// reads Chinese characters badly; cmn-latn-pinyin reads them well.
var Voices = map[string]string{"en": "en", "cmn": "cmn-latn-pinyin", "zh": "cmn-latn-pinyin", "yue": "yue"}

// Espeak is the offline Engine: espeak-ng renders, sox resamples.
type Espeak struct {
	Path string // the espeak-ng binary
	Sox  *Sox
	// known voices: espeak-ng silently uses its default voice for a name
	// it does not know, so unknown names are refused here.
	known map[string]bool
}

// NewEspeak finds espeak-ng and sox on PATH; ErrUnavailable if missing.
func NewEspeak() (*Espeak, error) {
	p, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, fmt.Errorf("%w: espeak-ng (apt-get install espeak-ng)", ErrUnavailable)
	}
	sox, err := NewSox()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(p, "--voices").Output()
	if err != nil {
		return nil, fmt.Errorf("%w: espeak-ng --voices: %v", ErrUnavailable, err)
	}
	return &Espeak{Path: p, Sox: sox, known: parseVoices(string(out))}, nil
}

// parseVoices reads `espeak-ng --voices`: the language column and the
// languages in parentheses are the names -v accepts.
func parseVoices(out string) map[string]bool {
	known := map[string]bool{}
	for _, line := range strings.Split(out, "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		known[strings.ToLower(fields[1])] = true
		for _, f := range fields[2:] {
			if strings.HasPrefix(f, "(") {
				known[strings.ToLower(strings.TrimPrefix(f, "("))] = true
			}
		}
	}
	return known
}

// Render speaks text with espeak-ng (text on stdin, so it is never taken for
// an option) and converts the result to the telephony format at out.
func (e *Espeak) Render(ctx context.Context, text, voice, out string) error {
	if v, ok := Voices[voice]; ok {
		voice = v
	}
	if err := checkRequest(text, voice); err != nil {
		return err
	}
	if !e.known[voice] {
		return fmt.Errorf("%w: espeak-ng has no voice %q", ErrBadRequest, voice)
	}
	raw := out + ".espeak.wav"
	defer os.Remove(raw)
	cmd := exec.CommandContext(ctx, e.Path, "-v", voice, "--stdin", "-w", raw)
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("espeak-ng voice %s: %v: %s", voice, err, strings.TrimSpace(stderr.String()))
	}
	return e.Sox.ToTelephony(ctx, raw, out)
}
