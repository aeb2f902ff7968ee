package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/audio/wav"
	"github.com/switchboard-cc/switchboard/store"
)

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
	return wavFile(wav.PCM, rate, channels, 16, data)
}

// wavFile is a WAV of data in the given encoding (wav's own writer: the
// parser's tests build theirs by hand).
func wavFile(enc wav.Encoding, rate, channels, bits int, data []byte) []byte {
	return wav.Encode(wav.Format{Encoding: enc, Channels: channels, Rate: rate, Bits: bits}, data)
}

// upload posts raw audio with name and language in the query.
func (e *env) upload(f tenantFix, name, lang string, audio []byte) resp {
	e.t.Helper()
	return e.doRaw("POST", f.base+"/prompts?name="+name+"&language="+lang, f.admin, "audio/wav", audio)
}

func (e *env) doRaw(method, path, token, ctype string, body []byte) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func promptEnv(t *testing.T) (*env, tenantFix, string) {
	e := newEnv(t)
	dir := t.TempDir()
	e.api.prompts = PromptOptions{Dir: dir, MaxBytes: 1 << 20}
	return e, e.flowTenant("acme", 2), dir
}

// TestPromptUploadConvertsToTelephony: a 44.1 kHz stereo WAV is stored as
// 8 kHz mono 16-bit PCM of the same length under the tenant's directory,
// and flows can then name it.
func TestPromptUploadConvertsToTelephony(t *testing.T) {
	e, f, dir := promptEnv(t)
	var p store.Prompt
	e.must(e.upload(f, "welcome", "en", pcmWAV(44100, 2, 1500*time.Millisecond, 440)), 201, &p)
	if p.Name != "welcome" || p.Language != "en" || p.Path != f.id+"/en/welcome.wav" || p.DurationMS != 1500 {
		t.Fatalf("prompt %+v", p)
	}
	b, err := os.ReadFile(filepath.Join(dir, f.id, "en", "welcome.wav"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := wav.Parse(b)
	if err != nil || !w.IsTelephony() || int64(len(b)) != p.SizeBytes || len(w.Data) != 12000*2 {
		t.Fatalf("stored file: %+v %v (%d bytes)", w, err, len(b))
	}
	if peak := peakOf(w); peak < 14000 || peak > 17000 {
		t.Fatalf("the tone's amplitude changed: peak %d, sent 16000", peak)
	}
	// Same name and language again: 409, the file is left alone.
	if r := e.upload(f, "welcome", "en", pcmWAV(8000, 1, time.Second, 440)); r.status != 409 {
		t.Fatalf("duplicate: %s", r)
	}
	again, _ := os.ReadFile(filepath.Join(dir, f.id, "en", "welcome.wav"))
	if !bytes.Equal(again, b) {
		t.Fatal("a refused duplicate replaced the file")
	}
	flow := strings.Replace(salesFlow("main", "x"), `{"text": {"*": "x"}}`, `{"prompt": "welcome"}`, 1)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, flow), 201, &fl)
	if !fl.DraftValid {
		t.Fatalf("flow naming the uploaded prompt: %+v", fl.DraftErrors)
	}
}

func peakOf(w wav.File) int {
	peak := 0
	for i := 0; i+1 < len(w.Data); i += 2 {
		v := int(int16(binary.LittleEndian.Uint16(w.Data[i:])))
		peak = max(peak, v, -v)
	}
	return peak
}

func TestPromptUploadRefusals(t *testing.T) {
	e, f, dir := promptEnv(t)
	cases := []struct {
		name, lang string
		audio      []byte
		status     int
		field, msg string
	}{
		{"notes", "en", []byte("hello, this is not audio"), 422, "file", "not a WAV file"},
		{"empty", "en", nil, 422, "file", "is empty"},
		{"alaw", "en", wavFile(6, 8000, 1, 8, make([]byte, 800)), 422, "file", "encoding 6 is not supported"},
		{"..", "en", pcmWAV(8000, 1, time.Second, 440), 422, "name", "letters, digits"},
		{"ok", "EN!", pcmWAV(8000, 1, time.Second, 440), 422, "language", "language code"},
		{"big", "en", pcmWAV(8000, 1, 70*time.Second, 440), 413, "", "at most 1048576 bytes"},
	}
	for _, c := range cases {
		r := e.upload(f, c.name, c.lang, c.audio)
		if r.status != c.status || !strings.Contains(string(r.body), c.msg) || c.field != "" && !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: want %d naming %q (%s), got %s", c.name, c.status, c.field, c.msg, r)
		}
	}
	var l Page[store.Prompt]
	e.must(e.do("GET", f.base+"/prompts", f.admin, nil), 200, &l)
	entries, _ := os.ReadDir(filepath.Join(dir, f.id, "en"))
	if len(l.Items) != 0 || len(entries) != 0 {
		t.Fatalf("refused uploads left %d prompts and %d files", len(l.Items), len(entries))
	}
	e.api.prompts = PromptOptions{}
	if r := e.upload(f, "x", "en", pcmWAV(8000, 1, time.Second, 440)); r.status != 503 || r.errCode() != "prompts_unconfigured" {
		t.Fatalf("no prompt directory: %s", r)
	}
}

// TestPromptMultipartAndConverter: a multipart upload already in telephony
// format is stored byte for byte; an encoding only the configured converter
// knows goes through it.
func TestPromptMultipartAndConverter(t *testing.T) {
	e, f, dir := promptEnv(t)
	tel := pcmWAV(8000, 1, 500*time.Millisecond, 300)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("name", "bye")
	mw.WriteField("language", "yue")
	fw, _ := mw.CreateFormFile("file", "bye.wav")
	fw.Write(tel)
	mw.Close()
	var p store.Prompt
	e.must(e.doRaw("POST", f.base+"/prompts", f.admin, mw.FormDataContentType(), body.Bytes()), 201, &p)
	if got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.Path))); !bytes.Equal(got, tel) || p.DurationMS != 500 {
		t.Fatalf("telephony upload changed: %d bytes, %+v", len(got), p)
	}
	var calls int
	e.api.prompts.Convert = func(_ context.Context, in []byte) ([]byte, error) {
		calls++
		if len(in) < 50 {
			return nil, errors.New("too short for sox")
		}
		return pcmWAV(8000, 1, 250*time.Millisecond, 300), nil
	}
	e.must(e.upload(f, "alaw", "en", wavFile(6, 8000, 1, 8, make([]byte, 2000))), 201, &p)
	if calls != 1 || p.DurationMS != 250 {
		t.Fatalf("converter calls %d, prompt %+v", calls, p)
	}
	r := e.upload(f, "alaw2", "en", wavFile(6, 8000, 1, 8, make([]byte, 1)))
	if r.status != 422 || !strings.Contains(string(r.body), "too short for sox") {
		t.Fatalf("converter failure: %s", r)
	}
	if r := e.do("GET", f.base+"/prompts/"+p.ID+"/audio", f.admin, nil); r.status != 200 ||
		r.header.Get("Content-Type") != "audio/wav" || !bytes.Equal(r.body, pcmWAV(8000, 1, 250*time.Millisecond, 300)) {
		t.Fatalf("audio download: %d %s, %d bytes", r.status, r.header.Get("Content-Type"), len(r.body))
	}
	var re store.Prompt
	e.must(e.doRaw("PUT", f.base+"/prompts/"+p.ID+"/audio", f.admin, "audio/wav", pcmWAV(16000, 1, 2*time.Second, 300)), 200, &re)
	if re.ID != p.ID || re.DurationMS != 2000 || re.Path != p.Path || re.SizeBytes != 44+32000 {
		t.Fatalf("replaced: %+v", re)
	}
	if r := e.doRaw("PUT", f.base+"/prompts/"+p.ID+"/audio", f.admin, "audio/wav", []byte("text")); r.status != 422 {
		t.Fatalf("replace with text: %s", r)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.Path))); len(got) != 44+32000 {
		t.Fatalf("file after a refused replacement: %d bytes", len(got))
	}
	e.must(e.do("DELETE", f.base+"/prompts/"+p.ID, f.admin, nil), 204, nil)
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p.Path))); !os.IsNotExist(err) {
		t.Fatalf("deleted prompt's file: %v", err)
	}
	e.must(e.do("GET", f.base+"/prompts/"+p.ID, f.admin, nil), 404, nil)
}
