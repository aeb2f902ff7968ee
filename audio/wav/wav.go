// Package wav reads and writes RIFF/WAVE audio and converts it to the format
// prompts are kept in (Telephony: 8 kHz mono 16-bit PCM, which FreeSWITCH and
// Asterisk play without transcoding). Tenants' uploads and TTS engines'
// output are outside input, so every WAV the product reads goes through this
// one parser, which is fuzzed (FuzzParse). It is pure: bytes in, values out;
// no I/O, no logging, no goroutines (archtest keeps it so).
//
// Imported by api (prompt uploads) and orchestrator/tts (checking rendered
// and converted prompt files); it imports only the standard library.
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrNotWAV: the input is not a RIFF/WAVE file this package reads. Its
// messages say what is wrong and are safe to show to whoever sent the file.
var ErrNotWAV = errors.New("not a WAV file")

// Encoding is a WAV format tag.
type Encoding uint16

// Encodings this package converts; any other tag is parsed and reported.
const (
	PCM        Encoding = 1 // integer PCM: 8-bit unsigned, 16/24/32-bit signed
	Float      Encoding = 3 // IEEE float
	extensible Encoding = 0xFFFE
)

// Format is what a fmt chunk says about the audio.
type Format struct {
	Encoding Encoding // for WAVE_FORMAT_EXTENSIBLE, the sub-format's tag
	Channels int
	Rate     int // frames per second
	Bits     int // per sample: 8, 16, 24 or 32
}

// FrameSize is the bytes of one frame (one sample of every channel).
func (f Format) FrameSize() int { return f.Channels * f.Bits / 8 }

// File is a parsed WAV file.
type File struct {
	Format
	// Data is the audio as whole frames: a sub-slice of the parsed input.
	Data []byte
	// DataSize is the length of the audio in bytes: len(Data) from Parse;
	// from ParseHeader the size the data chunk declares, of which the input
	// may hold only the start.
	DataSize int64
}

// Duration is how long the audio plays.
func (f File) Duration() time.Duration {
	frames, rate := f.DataSize/int64(f.FrameSize()), int64(f.Rate)
	return time.Duration(frames/rate)*time.Second + time.Duration(frames%rate)*time.Second/time.Duration(rate)
}

// Parse reads a whole WAV file: its fmt chunk and the frames of its data
// chunk. A data chunk declaring more bytes than follow is taken as a stream
// whose size was never filled in: the frames present are the audio.
func Parse(b []byte) (File, error) { return parse(b, false) }

// ParseHeader reads the start of a WAV file (enough to hold its fmt chunk
// and the data chunk's header, e.g. the first 64 KiB): DataSize is what the
// data chunk declares, Data the frames of it present in b.
func ParseHeader(b []byte) (File, error) { return parse(b, true) }

func parse(b []byte, header bool) (File, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return File{}, fmt.Errorf("%w: it does not start with a RIFF/WAVE header", ErrNotWAV)
	}
	var f File
	haveFmt := false
	for rest := b[12:]; len(rest) >= 8; {
		id, size := string(rest[0:4]), int64(binary.LittleEndian.Uint32(rest[4:8]))
		body := rest[8:]
		if id == "data" {
			if !haveFmt {
				return File{}, fmt.Errorf("%w: data chunk before the fmt chunk", ErrNotWAV)
			}
			return f.withData(body, size, header)
		}
		if size > int64(len(body)) {
			return File{}, fmt.Errorf("%w: chunk %q is cut short", ErrNotWAV, id)
		}
		if id == "fmt " {
			var err error
			if f.Format, err = readFmt(body[:size]); err != nil {
				return File{}, err
			}
			haveFmt = true
		}
		rest = body[min(size+size%2, int64(len(body))):] // chunks are word-aligned
	}
	return File{}, fmt.Errorf("%w: no fmt and data chunks", ErrNotWAV)
}

// withData takes the data chunk's whole frames from body, which follows a
// chunk header declaring size bytes.
func (f File) withData(body []byte, size int64, header bool) (File, error) {
	frame := int64(f.FrameSize())
	n := min(size, int64(len(body)))
	f.Data = body[:n-n%frame]
	f.DataSize = int64(len(f.Data))
	if header {
		f.DataSize = size
	}
	if f.DataSize < frame {
		return File{}, fmt.Errorf("%w: it holds no audio", ErrNotWAV)
	}
	return f, nil
}

// readFmt reads and checks a fmt chunk's body.
func readFmt(c []byte) (Format, error) {
	if len(c) < 16 {
		return Format{}, fmt.Errorf("%w: fmt chunk is %d bytes, need 16", ErrNotWAV, len(c))
	}
	f := Format{
		Encoding: Encoding(binary.LittleEndian.Uint16(c[0:2])),
		Channels: int(binary.LittleEndian.Uint16(c[2:4])),
		Rate:     int(binary.LittleEndian.Uint32(c[4:8])),
		Bits:     int(binary.LittleEndian.Uint16(c[14:16])),
	}
	blockAlign := int(binary.LittleEndian.Uint16(c[12:14]))
	if f.Encoding == extensible && len(c) >= 26 {
		f.Encoding = Encoding(binary.LittleEndian.Uint16(c[24:26])) // the sub-format GUID starts with the tag
	}
	switch {
	case f.Channels < 1 || f.Channels > 8:
		return Format{}, fmt.Errorf("%w: %d channels (1 to 8 allowed)", ErrNotWAV, f.Channels)
	case f.Rate < 4000 || f.Rate > 192000:
		return Format{}, fmt.Errorf("%w: sample rate %d Hz (4000 to 192000 allowed)", ErrNotWAV, f.Rate)
	case f.Bits < 8 || f.Bits > 32 || f.Bits%8 != 0:
		return Format{}, fmt.Errorf("%w: %d bits per sample", ErrNotWAV, f.Bits)
	case blockAlign != f.FrameSize():
		return Format{}, fmt.Errorf("%w: block align %d does not match %d channels of %d bits", ErrNotWAV, blockAlign, f.Channels, f.Bits)
	}
	return f, nil
}

// Encode writes data, whole frames in format f, as a WAV file with the
// canonical 44-byte header.
func Encode(f Format, data []byte) []byte {
	pad := len(data) % 2 // chunks are word-aligned
	b := make([]byte, 44, 44+len(data)+pad)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+len(data)+pad))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], uint16(f.Encoding))
	binary.LittleEndian.PutUint16(b[22:], uint16(f.Channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(f.Rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(f.Rate*f.FrameSize()))
	binary.LittleEndian.PutUint16(b[32:], uint16(f.FrameSize()))
	binary.LittleEndian.PutUint16(b[34:], uint16(f.Bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(len(data)))
	b = append(b, data...)
	if pad == 1 {
		b = append(b, 0)
	}
	return b
}
