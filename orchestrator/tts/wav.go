package tts

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"
)

// Format is what a WAV header says about its audio.
type Format struct {
	AudioFormat   uint16 // 1: integer PCM
	Channels      uint16
	SampleRate    uint32
	BitsPerSample uint16
	DataBytes     uint32
}

// Telephony is the format prompts are kept in.
var Telephony = Format{AudioFormat: 1, Channels: 1, SampleRate: 8000, BitsPerSample: 16}

// IsTelephony reports whether f is 8 kHz mono 16-bit PCM.
func (f Format) IsTelephony() bool {
	return f.AudioFormat == 1 && f.Channels == 1 && f.SampleRate == 8000 && f.BitsPerSample == 16
}

// Duration is the length of the audio.
func (f Format) Duration() time.Duration {
	perSec := uint64(f.SampleRate) * uint64(f.Channels) * uint64(f.BitsPerSample) / 8
	if perSec == 0 {
		return 0
	}
	return time.Duration(uint64(f.DataBytes) * uint64(time.Second) / perSec)
}

// maxHeader is how far into a file the fmt and data chunks may start.
const maxHeader = 64 << 10

// ParseWAV reads a RIFF/WAVE header: the fmt chunk and the size of the data
// chunk. Anything else is rejected with ErrNotAudio saying what is wrong.
func ParseWAV(b []byte) (Format, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return Format{}, fmt.Errorf("%w: no RIFF/WAVE header", ErrNotAudio)
	}
	var f Format
	haveFmt := false
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), binary.LittleEndian.Uint32(b[off+4:off+8])
		body := off + 8
		switch id {
		case "fmt ":
			if size < 16 || body+16 > len(b) {
				return Format{}, fmt.Errorf("%w: fmt chunk too short", ErrNotAudio)
			}
			f.AudioFormat = binary.LittleEndian.Uint16(b[body:])
			f.Channels = binary.LittleEndian.Uint16(b[body+2:])
			f.SampleRate = binary.LittleEndian.Uint32(b[body+4:])
			f.BitsPerSample = binary.LittleEndian.Uint16(b[body+14:])
			haveFmt = true
		case "data":
			if !haveFmt {
				return Format{}, fmt.Errorf("%w: data chunk before fmt chunk", ErrNotAudio)
			}
			f.DataBytes = size
			if f.Channels == 0 || f.SampleRate == 0 || f.BitsPerSample == 0 {
				return Format{}, fmt.Errorf("%w: zero channels, rate or sample size", ErrNotAudio)
			}
			return f, nil
		}
		next := uint64(body) + uint64(size) + uint64(size&1) // chunks are word-aligned
		if next > uint64(len(b)) {
			break
		}
		off = int(next)
	}
	return Format{}, fmt.Errorf("%w: no data chunk in the first %d bytes", ErrNotAudio, len(b))
}

// CheckFile parses the header of a WAV file and requires the telephony
// format (8 kHz mono 16-bit PCM).
func CheckFile(path string) (Format, error) {
	fh, err := os.Open(path)
	if err != nil {
		return Format{}, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxHeader))
	if err != nil {
		return Format{}, err
	}
	f, err := ParseWAV(b)
	if err != nil {
		return f, err
	}
	if !f.IsTelephony() {
		return f, fmt.Errorf("%w: %d Hz, %d channels, %d bits; want 8000 Hz mono 16-bit PCM",
			ErrNotAudio, f.SampleRate, f.Channels, f.BitsPerSample)
	}
	return f, nil
}
