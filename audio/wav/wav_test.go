package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

// wavFile builds a canonical WAV by hand (not with Encode, which it checks).
func wavFile(enc Encoding, rate, channels, bits int, data []byte) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + len(data)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(enc))
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * bits / 8))
	le(uint16(channels * bits / 8))
	le(uint16(bits))
	b.WriteString("data")
	le(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// pcmWAV builds a WAV of a sine tone: rate Hz, channels, 16-bit PCM.
func pcmWAV(rate, channels int, d time.Duration, hz float64) []byte {
	frames := int(d * time.Duration(rate) / time.Second)
	data := make([]byte, frames*channels*2)
	for i := range frames {
		v := int16(16000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
		for ch := range channels {
			binary.LittleEndian.PutUint16(data[(i*channels+ch)*2:], uint16(v))
		}
	}
	return wavFile(PCM, rate, channels, 16, data)
}

// TestParseAccepts: files real tools write, beyond the canonical header.
func TestParseAccepts(t *testing.T) {
	good := pcmWAV(8000, 1, 10*time.Millisecond, 440)
	streamed := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(streamed[40:], 0xFFFFFFFF) // recorder never set the data size
	padded := append([]byte("RIFF\x00\x00\x00\x00WAVELIST\x03\x00\x00\x00abc\x00"), good[12:]...)
	ext := wavFile(extensible, 16000, 1, 32, make([]byte, 64))
	ext = append(ext[:16:16], append([]byte{40, 0, 0, 0}, ext[20:36]...)...)
	ext = append(ext, append([]byte{22, 0, 32, 0, 4, 0, 0, 0, byte(Float), 0}, make([]byte, 14)...)...)
	ext = append(ext, append([]byte("data\x40\x00\x00\x00"), make([]byte, 64)...)...)
	cd := wavFile(PCM, 44100, 2, 16, make([]byte, 44100*4/2))
	for _, c := range []struct {
		name string
		b    []byte
		want Format
		dur  time.Duration
	}{
		{"telephony", good, Telephony, 10 * time.Millisecond},
		{"CD stereo", cd, Format{PCM, 2, 44100, 16}, 500 * time.Millisecond},
		{"streamed", streamed, Telephony, 10 * time.Millisecond},
		{"padded chunk", padded, Telephony, 10 * time.Millisecond},
		{"extensible float", ext, Format{Float, 1, 16000, 32}, time.Millisecond},
	} {
		f, err := Parse(c.b)
		if err != nil || f.Format != c.want || f.Duration() != c.dur || f.DataSize != int64(len(f.Data)) {
			t.Errorf("%s: %+v (%v) %v; want %+v, %v", c.name, f.Format, f.Duration(), err, c.want, c.dur)
		}
	}
}

// TestParseRejects: the messages are what uploaders see, word for word.
func TestParseRejects(t *testing.T) {
	good := pcmWAV(8000, 1, 10*time.Millisecond, 440)
	mutate := func(off int, v uint16) []byte {
		b := append([]byte(nil), good...)
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	shortFmt := append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00"), good[36:]...)
	for _, c := range []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "it does not start with a RIFF/WAVE header"},
		{"short", good[:10], "it does not start with a RIFF/WAVE header"},
		{"not RIFF", append([]byte("RIFX"), good[4:]...), "it does not start with a RIFF/WAVE header"},
		{"mp3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00"), "it does not start with a RIFF/WAVE header"},
		{"truncated fmt", good[:24], `chunk "fmt " is cut short`},
		{"no data", good[:36], "no fmt and data chunks"},
		{"empty data", wavFile(PCM, 8000, 1, 16, nil), "it holds no audio"},
		{"data before fmt", append([]byte("RIFF\x10\x00\x00\x00WAVEdata\x02\x00\x00\x00\x00\x00"), good[12:]...), "data chunk before the fmt chunk"},
		{"fmt of 4 bytes", shortFmt, "fmt chunk is 4 bytes, need 16"},
		{"zero channels", mutate(22, 0), "0 channels (1 to 8 allowed)"},
		{"zero rate", wavFile(PCM, 0, 1, 16, make([]byte, 10)), "sample rate 0 Hz (4000 to 192000 allowed)"},
		{"12 bits", mutate(34, 12), "12 bits per sample"},
		{"bad block align", mutate(32, 3), "block align 3 does not match 1 channels of 16 bits"},
	} {
		_, err := Parse(c.b)
		if !errors.Is(err, ErrNotWAV) || err.Error() != "not a WAV file: "+c.msg {
			t.Errorf("%s: %v, want ErrNotWAV: %s", c.name, err, c.msg)
		}
	}
}

// TestParseHeader: the start of a long file says how long the whole plays.
func TestParseHeader(t *testing.T) {
	long := wavFile(PCM, 8000, 1, 16, make([]byte, 16000*90)) // 90 s
	f, err := ParseHeader(long[:64<<10])
	if err != nil || !f.IsTelephony() || f.DataSize != 16000*90 || f.Duration() != 90*time.Second || len(f.Data) != 64<<10-44 {
		t.Fatalf("header of a 90 s file: %+v (%v) %v", f.Format, f.Duration(), err)
	}
	if f, err := ParseHeader(long[:44]); err != nil || f.Duration() != 90*time.Second || len(f.Data) != 0 {
		t.Fatalf("bare header: %+v %v", f, err)
	}
	if _, err := Parse(long[:44]); !errors.Is(err, ErrNotWAV) {
		t.Fatalf("a bare header parsed as a whole file: %v", err)
	}
	if _, err := ParseHeader(wavFile(PCM, 8000, 1, 16, nil)); !errors.Is(err, ErrNotWAV) {
		t.Fatalf("a header declaring no audio: %v", err)
	}
}

// TestEncode: the canonical 44-byte header, byte for byte, and odd data padded.
func TestEncode(t *testing.T) {
	data := []byte{1, 2, 3, 4, 5, 6}
	if got, want := Encode(Telephony, data), wavFile(PCM, 8000, 1, 16, data); !bytes.Equal(got, want) {
		t.Fatalf("Encode\n got %q\nwant %q", got, want)
	}
	odd := Encode(Format{PCM, 1, 11025, 8}, []byte{1, 2, 3})
	if len(odd) != 48 || binary.LittleEndian.Uint32(odd[4:]) != 40 || binary.LittleEndian.Uint32(odd[40:]) != 3 {
		t.Fatalf("odd data: %q", odd)
	}
	if f, err := Parse(odd); err != nil || !bytes.Equal(f.Data, []byte{1, 2, 3}) {
		t.Fatalf("odd data back: %+v %v", f, err)
	}
}

// FuzzParse: any input is refused with ErrNotWAV or yields whole frames
// that encode and parse back to the same file, and convert to a telephony
// file that parses back; reading it as a header agrees.
func FuzzParse(f *testing.F) {
	f.Add(pcmWAV(8000, 1, 5*time.Millisecond, 440))
	f.Add(pcmWAV(44100, 2, 3*time.Millisecond, 440))
	f.Add(wavFile(Float, 16000, 1, 32, make([]byte, 64)))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, herr := ParseHeader(b)
		if herr != nil && !errors.Is(herr, ErrNotWAV) {
			t.Fatalf("header error without ErrNotWAV: %v", herr)
		}
		w, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrNotWAV) {
				t.Fatalf("error without ErrNotWAV: %v", err)
			}
			return
		}
		if len(w.Data) == 0 || len(w.Data)%w.FrameSize() != 0 || w.DataSize != int64(len(w.Data)) {
			t.Fatalf("data of %d bytes (size %d), frame %d", len(w.Data), w.DataSize, w.FrameSize())
		}
		if herr != nil || h.Format != w.Format || h.DataSize < w.DataSize || !bytes.Equal(h.Data, w.Data) {
			t.Fatalf("header read %+v %v, whole file %+v", h.Format, herr, w.Format)
		}
		if again, err := Parse(Encode(w.Format, w.Data)); err != nil || again.Format != w.Format || !bytes.Equal(again.Data, w.Data) {
			t.Fatalf("encoded and parsed back: %+v %v", again.Format, err)
		}
		if !w.Convertible() || len(w.Data) > 1<<16 {
			return
		}
		tel, err := ToTelephony(w)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := Parse(Encode(tel.Format, tel.Data)); err != nil || !out.IsTelephony() {
			t.Fatalf("conversion of %+v: %v", w.Format, err)
		}
	})
}
