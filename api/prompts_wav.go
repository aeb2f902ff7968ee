package api

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// WAV handling for prompt uploads: FreeSWITCH plays 8 kHz mono 16-bit PCM
// without transcoding. Uploads are parsed here (outside input: fuzzed by
// FuzzParseWAV); PCM and float WAVs of any rate and channel count are
// converted in process; other encodings need PromptOptions.Convert.

// Target format of stored prompts.
const (
	promptRate     = 8000
	promptChannels = 1
	promptBits     = 16
)

// WAV format tags.
const (
	wavPCM        = 1
	wavFloat      = 3
	wavExtensible = 0xFFFE
)

// errNotWAV: the upload is not a RIFF/WAVE file we can read.
var errNotWAV = errors.New("not a WAV file")

// wavInfo is what parseWAV learnt: the format and the sample data.
type wavInfo struct {
	Format     int
	Channels   int
	Rate       int
	Bits       int
	BlockAlign int
	Data       []byte // whole frames only
}

// Duration of the audio.
func (w wavInfo) Duration() time.Duration {
	frames := len(w.Data) / w.BlockAlign
	return time.Duration(frames) * time.Second / time.Duration(w.Rate)
}

// telephony reports whether the file is already what FreeSWITCH plays.
func (w wavInfo) telephony() bool {
	return w.Format == wavPCM && w.Rate == promptRate && w.Channels == promptChannels && w.Bits == promptBits
}

// parseWAV reads a RIFF/WAVE file's fmt and data chunks.
func parseWAV(b []byte) (wavInfo, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return wavInfo{}, fmt.Errorf("%w: it does not start with a RIFF/WAVE header", errNotWAV)
	}
	var w wavInfo
	var haveFmt bool
	for rest := b[12:]; len(rest) >= 8; {
		id, size := string(rest[0:4]), int64(binary.LittleEndian.Uint32(rest[4:8]))
		body := rest[8:]
		if size > int64(len(body)) {
			if id != "data" {
				return wavInfo{}, fmt.Errorf("%w: chunk %q is cut short", errNotWAV, id)
			}
			size = int64(len(body)) // streamed files leave the data size unset
		}
		switch id {
		case "fmt ":
			if err := w.readFmt(body[:size]); err != nil {
				return wavInfo{}, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return wavInfo{}, fmt.Errorf("%w: data chunk before the fmt chunk", errNotWAV)
			}
			w.Data = body[:size-size%int64(w.BlockAlign)]
			if len(w.Data) == 0 {
				return wavInfo{}, fmt.Errorf("%w: it holds no audio", errNotWAV)
			}
			return w, nil
		}
		rest = body[min(size+size%2, int64(len(body))):]
	}
	return wavInfo{}, fmt.Errorf("%w: no fmt and data chunks", errNotWAV)
}

func (w *wavInfo) readFmt(f []byte) error {
	if len(f) < 16 {
		return fmt.Errorf("%w: fmt chunk is %d bytes, need 16", errNotWAV, len(f))
	}
	w.Format = int(binary.LittleEndian.Uint16(f[0:2]))
	w.Channels = int(binary.LittleEndian.Uint16(f[2:4]))
	w.Rate = int(binary.LittleEndian.Uint32(f[4:8]))
	w.BlockAlign = int(binary.LittleEndian.Uint16(f[12:14]))
	w.Bits = int(binary.LittleEndian.Uint16(f[14:16]))
	if w.Format == wavExtensible && len(f) >= 26 {
		w.Format = int(binary.LittleEndian.Uint16(f[24:26])) // sub-format GUID starts with the tag
	}
	switch {
	case w.Channels < 1 || w.Channels > 8:
		return fmt.Errorf("%w: %d channels (1 to 8 allowed)", errNotWAV, w.Channels)
	case w.Rate < 4000 || w.Rate > 192000:
		return fmt.Errorf("%w: sample rate %d Hz (4000 to 192000 allowed)", errNotWAV, w.Rate)
	case w.Bits < 8 || w.Bits > 32 || w.Bits%8 != 0:
		return fmt.Errorf("%w: %d bits per sample", errNotWAV, w.Bits)
	case w.BlockAlign != w.Channels*w.Bits/8:
		return fmt.Errorf("%w: block align %d does not match %d channels of %d bits", errNotWAV, w.BlockAlign, w.Channels, w.Bits)
	}
	return nil
}

// convertible reports whether toTelephony can convert w in process.
func (w wavInfo) convertible() bool {
	return w.Format == wavPCM || w.Format == wavFloat && w.Bits == 32
}

// toTelephony converts PCM or float audio to 8 kHz mono 16-bit PCM: the
// channels are averaged, the rate changed by linear interpolation (after a
// moving-average low-pass when downsampling, enough for speech prompts).
func toTelephony(w wavInfo) []byte {
	mono := w.mono()
	if w.Rate > promptRate {
		mono = lowPass(mono, w.Rate/promptRate)
	}
	n := int(int64(len(mono)) * promptRate / int64(w.Rate))
	out := make([]int16, max(n, 1))
	for i := range out {
		pos := float64(i) * float64(w.Rate) / promptRate
		j := int(pos)
		v := mono[min(j, len(mono)-1)]
		if j+1 < len(mono) {
			v += (mono[j+1] - v) * (pos - float64(j))
		}
		out[i] = int16(math.Max(-32768, math.Min(32767, math.Round(v*32767))))
	}
	return encodeWAV(out)
}

// mono returns the samples as floats in [-1, 1], channels averaged.
func (w wavInfo) mono() []float64 {
	size := w.Bits / 8
	frames := len(w.Data) / w.BlockAlign
	out := make([]float64, frames)
	for i := range frames {
		var sum float64
		for ch := range w.Channels {
			off := i*w.BlockAlign + ch*size
			sum += w.sample(w.Data[off : off+size])
		}
		out[i] = sum / float64(w.Channels)
	}
	return out
}

func (w wavInfo) sample(b []byte) float64 {
	switch {
	case w.Format == wavFloat:
		f := float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		if math.IsNaN(f) {
			return 0
		}
		return math.Max(-1, math.Min(1, f))
	case len(b) == 1:
		return (float64(b[0]) - 128) / 128 // 8-bit PCM is unsigned
	}
	var v int32
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | int32(b[i])
	}
	shift := 32 - 8*len(b)
	v = v << shift >> shift // sign-extend
	return float64(v) / float64(int64(1)<<(8*len(b)-1))
}

// lowPass averages each sample with its k-1 predecessors.
func lowPass(in []float64, k int) []float64 {
	if k <= 1 {
		return in
	}
	out := make([]float64, len(in))
	var sum float64
	for i, v := range in {
		sum += v
		if i >= k {
			sum -= in[i-k]
		}
		out[i] = sum / float64(min(i+1, k))
	}
	return out
}

// encodeWAV writes 8 kHz mono 16-bit PCM samples as a WAV file.
func encodeWAV(samples []int16) []byte {
	data := len(samples) * 2
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], wavPCM)
	binary.LittleEndian.PutUint16(b[22:], promptChannels)
	binary.LittleEndian.PutUint32(b[24:], promptRate)
	binary.LittleEndian.PutUint32(b[28:], promptRate*promptChannels*promptBits/8)
	binary.LittleEndian.PutUint16(b[32:], promptChannels*promptBits/8)
	binary.LittleEndian.PutUint16(b[34:], promptBits)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}
