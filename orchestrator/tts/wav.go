package tts

import (
	"fmt"
	"io"
	"os"

	"github.com/switchboard-cc/switchboard/audio/wav"
)

// maxHeader is how far into a file the fmt and data chunks may start.
const maxHeader = 64 << 10

// CheckFile parses the header of a WAV file (package wav, from its first 64
// KiB) and requires the telephony format (8 kHz mono 16-bit PCM). The
// file's Duration is that of the whole file; its Data only what the first
// 64 KiB held.
func CheckFile(path string) (wav.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return wav.File{}, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxHeader))
	if err != nil {
		return wav.File{}, err
	}
	f, err := wav.ParseHeader(b)
	if err != nil {
		return f, fmt.Errorf("%w: %w", ErrNotAudio, err)
	}
	if !f.IsTelephony() {
		return f, fmt.Errorf("%w: %d Hz, %d channels, %d bits; want 8000 Hz mono 16-bit PCM",
			ErrNotAudio, f.Rate, f.Channels, f.Bits)
	}
	return f, nil
}
