package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Telephony is the format prompts are kept in: 8 kHz mono 16-bit PCM.
var Telephony = Format{Encoding: PCM, Channels: 1, Rate: 8000, Bits: 16}

// ErrUnsupported: ToTelephony cannot convert this encoding (A-law, µ-law,
// ADPCM...); an external converter such as sox can.
var ErrUnsupported = errors.New("WAV encoding not convertible here")

// IsTelephony reports whether f is already what the switches play.
func (f Format) IsTelephony() bool { return f == Telephony }

// Convertible reports whether ToTelephony converts audio in format f.
func (f Format) Convertible() bool {
	return f.Encoding == PCM || f.Encoding == Float && f.Bits == 32
}

// ToTelephony converts the PCM or float audio in f.Data to Telephony: the
// channels are averaged, the rate changed by linear interpolation (after a
// moving-average low-pass when downsampling, enough for speech prompts).
func ToTelephony(f File) (File, error) {
	if !f.Convertible() {
		return File{}, fmt.Errorf("%w: encoding %d", ErrUnsupported, f.Encoding)
	}
	mono := f.mono()
	if f.Rate > Telephony.Rate {
		mono = lowPass(mono, f.Rate/Telephony.Rate)
	}
	n := max(int(int64(len(mono))*int64(Telephony.Rate)/int64(f.Rate)), 1)
	data := make([]byte, 2*n)
	for i := range n {
		pos := float64(i) * float64(f.Rate) / float64(Telephony.Rate)
		j := int(pos)
		v := mono[min(j, len(mono)-1)]
		if j+1 < len(mono) {
			v += (mono[j+1] - v) * (pos - float64(j))
		}
		s := int16(math.Max(-32768, math.Min(32767, math.Round(v*32767))))
		binary.LittleEndian.PutUint16(data[2*i:], uint16(s))
	}
	return File{Format: Telephony, Data: data, DataSize: int64(len(data))}, nil
}

// mono returns the samples as floats in [-1, 1], channels averaged.
func (f File) mono() []float64 {
	size, frame := f.Bits/8, f.FrameSize()
	out := make([]float64, len(f.Data)/frame)
	for i := range out {
		var sum float64
		for ch := range f.Channels {
			off := i*frame + ch*size
			sum += f.sample(f.Data[off : off+size])
		}
		out[i] = sum / float64(f.Channels)
	}
	return out
}

func (f Format) sample(b []byte) float64 {
	switch {
	case f.Encoding == Float:
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		if math.IsNaN(v) {
			return 0
		}
		return math.Max(-1, math.Min(1, v))
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
