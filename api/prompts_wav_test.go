package api

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

func TestToTelephonyFormats(t *testing.T) {
	floatData := make([]byte, 48000*4/2) // 0.5 s of 48 kHz mono float
	for i := range len(floatData) / 4 {
		binary.LittleEndian.PutUint32(floatData[4*i:], math.Float32bits(float32(0.5*math.Sin(2*math.Pi*440*float64(i)/48000))))
	}
	pcm8 := make([]byte, 11025) // 1 s of 11025 Hz 8-bit silence (unsigned: 128)
	for i := range pcm8 {
		pcm8[i] = 128
	}
	pcm24 := make([]byte, 16000*3*2/4) // 0.25 s of 16 kHz stereo 24-bit
	for _, c := range []struct {
		name string
		wav  []byte
		dur  time.Duration
		peak [2]int
	}{
		{"float 48k", wavFile(wavFloat, 48000, 1, 32, floatData), 500 * time.Millisecond, [2]int{15000, 17500}},
		{"8-bit 11k", wavFile(wavPCM, 11025, 1, 8, pcm8), time.Second, [2]int{0, 0}},
		{"24-bit stereo 16k", wavFile(wavPCM, 16000, 2, 24, pcm24), 250 * time.Millisecond, [2]int{0, 0}},
		{"16-bit 22k", pcmWAV(22050, 1, 2*time.Second, 1000), 2 * time.Second, [2]int{14000, 16500}},
	} {
		w, err := parseWAV(c.wav)
		if err != nil || !w.convertible() {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := parseWAV(toTelephony(w))
		if err != nil || !out.telephony() {
			t.Fatalf("%s: output %+v %v", c.name, out, err)
		}
		if d := out.Duration() - c.dur; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: duration %v, want %v", c.name, out.Duration(), c.dur)
		}
		if p := peakOf(out); p < c.peak[0] || p > c.peak[1] {
			t.Errorf("%s: peak %d, want %v", c.name, p, c.peak)
		}
	}
}

func TestParseWAVRejects(t *testing.T) {
	good := pcmWAV(8000, 1, 10*time.Millisecond, 440)
	mutate := func(off int, v uint16) []byte {
		b := append([]byte(nil), good...)
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	for name, b := range map[string][]byte{
		"short":           good[:10],
		"not RIFF":        append([]byte("RIFX"), good[4:]...),
		"no data":         good[:36],
		"empty data":      wavFile(wavPCM, 8000, 1, 16, nil),
		"zero channels":   mutate(22, 0),
		"12 bits":         mutate(34, 12),
		"bad block align": mutate(32, 3),
		"data before fmt": append([]byte("RIFF\x10\x00\x00\x00WAVEdata\x02\x00\x00\x00\x00\x00"), good[12:]...),
	} {
		if _, err := parseWAV(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// FuzzParseWAV: any upload either is refused or yields whole frames that
// convert to a telephony file that parses back.
func FuzzParseWAV(f *testing.F) {
	f.Add(pcmWAV(8000, 1, 5*time.Millisecond, 440))
	f.Add(pcmWAV(44100, 2, 3*time.Millisecond, 440))
	f.Add(wavFile(wavFloat, 16000, 1, 32, make([]byte, 64)))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := parseWAV(b)
		if err != nil {
			return
		}
		if len(w.Data) == 0 || len(w.Data)%w.BlockAlign != 0 {
			t.Fatalf("data of %d bytes, block %d", len(w.Data), w.BlockAlign)
		}
		if !w.convertible() || len(w.Data) > 1<<16 {
			return
		}
		out, err := parseWAV(toTelephony(w))
		if err != nil || !out.telephony() {
			t.Fatalf("conversion of %+v: %v", w.Format, err)
		}
	})
}

// TestParseWAVAccepts: files real tools write, beyond the canonical header.
func TestParseWAVAccepts(t *testing.T) {
	good := pcmWAV(8000, 1, 10*time.Millisecond, 440)
	streamed := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(streamed[40:], 0xFFFFFFFF) // recorder never set the data size
	padded := append([]byte("RIFF\x00\x00\x00\x00WAVELIST\x03\x00\x00\x00abc\x00"), good[12:]...)
	ext := wavFile(wavExtensible, 16000, 1, 32, make([]byte, 64))
	ext = append(ext[:16:16], append([]byte{40, 0, 0, 0}, ext[20:36]...)...)
	ext = append(ext, append([]byte{22, 0, 32, 0, 4, 0, 0, 0, wavFloat, 0}, make([]byte, 14)...)...)
	ext = append(ext, append([]byte("data\x40\x00\x00\x00"), make([]byte, 64)...)...)
	for name, b := range map[string][]byte{"streamed": streamed, "padded chunk": padded, "extensible float": ext} {
		w, err := parseWAV(b)
		if err != nil || !w.convertible() || len(w.Data) == 0 {
			t.Errorf("%s: %+v %v", name, w, err)
		}
	}
	if w, _ := parseWAV(ext); w.Format != wavFloat {
		t.Errorf("extensible sub-format read as %d", w.Format)
	}
}
