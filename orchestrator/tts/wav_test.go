package tts

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// wavBytes builds a WAV file with the given format and data length, with an
// optional extra chunk before fmt.
func wavBytes(f Format, data int, extra string) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	if extra != "" {
		b = append(b, extra[:4]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(extra)-4))
		b = append(b, extra[4:]...)
		if len(extra)%2 == 1 {
			b = append(b, 0)
		}
	}
	b = append(b, "fmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, f.AudioFormat)
	b = binary.LittleEndian.AppendUint16(b, f.Channels)
	b = binary.LittleEndian.AppendUint32(b, f.SampleRate)
	b = binary.LittleEndian.AppendUint32(b, f.SampleRate*uint32(f.Channels)*uint32(f.BitsPerSample)/8)
	b = binary.LittleEndian.AppendUint16(b, f.Channels*f.BitsPerSample/8)
	b = binary.LittleEndian.AppendUint16(b, f.BitsPerSample)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(data))
	return append(b, make([]byte, data)...)
}

func TestParseWAV(t *testing.T) {
	good := wavBytes(Telephony, 16000, "")
	f, err := ParseWAV(good)
	if err != nil || !f.IsTelephony() || f.Duration() != time.Second {
		t.Fatalf("telephony WAV: %+v %v", f, err)
	}
	cd := Format{AudioFormat: 1, Channels: 2, SampleRate: 44100, BitsPerSample: 16}
	f, err = ParseWAV(wavBytes(cd, 44100*4/2, "LIST\x01\x02\x03"))
	if err != nil || f != (Format{1, 2, 44100, 16, 88200}) || f.IsTelephony() || f.Duration() != 500*time.Millisecond {
		t.Fatalf("CD WAV with an odd LIST chunk: %+v %v", f, err)
	}
	dataFirst := []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00")
	for name, b := range map[string][]byte{
		"empty":           nil,
		"text":            []byte("hello, this is not a wav file at all"),
		"mp3":             []byte("ID3\x03\x00\x00\x00\x00\x00\x00"),
		"truncated fmt":   good[:24],
		"no data chunk":   good[:36],
		"data before fmt": dataFirst,
		"zero rate":       wavBytes(Format{AudioFormat: 1, Channels: 1, BitsPerSample: 16}, 10, ""),
	} {
		if _, err := ParseWAV(b); !errors.Is(err, ErrNotAudio) {
			t.Errorf("%s: %v, want ErrNotAudio", name, err)
		}
	}
}

// FuzzParseWAV: uploaded files are outside input.
func FuzzParseWAV(f *testing.F) {
	f.Add(wavBytes(Telephony, 100, ""))
	f.Add(wavBytes(Format{3, 2, 48000, 32, 0}, 8, "JUNK\x00"))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fm, err := ParseWAV(b)
		if err == nil && (fm.Channels == 0 || fm.SampleRate == 0) {
			t.Fatalf("accepted a header without audio: %+v", fm)
		}
		_ = fm.Duration()
	})
}

func TestParseVoices(t *testing.T) {
	out := `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)(zh 5)
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 5  yue             --/M      Chinese_(Cantonese) sit/yue              (zh-yue 5)(zh 8)
`
	known := parseVoices(out)
	for _, v := range []string{"cmn-latn-pinyin", "zh-cmn", "en-gb", "en", "yue"} {
		if !known[v] {
			t.Errorf("%s not known", v)
		}
	}
	if known["pty"] || known["language"] || known["fr"] {
		t.Errorf("unexpected names: %v", known)
	}
}
