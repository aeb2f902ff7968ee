package wav

import (
	"encoding/binary"
	"errors"
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
		{"float 48k", wavFile(Float, 48000, 1, 32, floatData), 500 * time.Millisecond, [2]int{15000, 17500}},
		{"8-bit 11k", wavFile(PCM, 11025, 1, 8, pcm8), time.Second, [2]int{0, 0}},
		{"24-bit stereo 16k", wavFile(PCM, 16000, 2, 24, pcm24), 250 * time.Millisecond, [2]int{0, 0}},
		{"16-bit 22k", pcmWAV(22050, 1, 2*time.Second, 1000), 2 * time.Second, [2]int{14000, 16500}},
		{"16-bit stereo 44k", pcmWAV(44100, 2, 1500*time.Millisecond, 440), 1500 * time.Millisecond, [2]int{14000, 17000}},
	} {
		w, err := Parse(c.wav)
		if err != nil || !w.Convertible() {
			t.Fatalf("%s: %v", c.name, err)
		}
		tel, err := ToTelephony(w)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := Parse(Encode(tel.Format, tel.Data))
		if err != nil || !out.IsTelephony() {
			t.Fatalf("%s: output %+v %v", c.name, out.Format, err)
		}
		if d := out.Duration() - c.dur; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: duration %v, want %v", c.name, out.Duration(), c.dur)
		}
		if p := peakOf(out); p < c.peak[0] || p > c.peak[1] {
			t.Errorf("%s: peak %d, want %v", c.name, p, c.peak)
		}
	}
}

func TestToTelephonyRefusesOtherEncodings(t *testing.T) {
	alaw, err := Parse(wavFile(6, 8000, 1, 8, make([]byte, 800)))
	if err != nil || alaw.Convertible() {
		t.Fatalf("A-law: %+v %v", alaw.Format, err)
	}
	if _, err := ToTelephony(alaw); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("A-law converted: %v", err)
	}
	if (Format{Float, 1, 8000, 64}).Convertible() {
		t.Fatal("64-bit float is not convertible")
	}
}

func peakOf(w File) int {
	peak := 0
	for i := 0; i+1 < len(w.Data); i += 2 {
		v := int(int16(binary.LittleEndian.Uint16(w.Data[i:])))
		peak = max(peak, v, -v)
	}
	return peak
}
