// Package capture loads the real FreeSWITCH wire captures in
// testdata/freeswitch (see the README there) for tests of the ESL codec and
// the adapter: per connection, the chunks FreeSWITCH sent and the chunks the
// client sent, in order. Only tests of orchestrator/freeswitch import it.
package capture

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Line is one line of a capture file.
type Line struct {
	T    float64 `json:"t"`
	Conn string  `json:"conn"`
	Dir  string  `json:"dir"` // send, recv, accept, close
	Data string  `json:"data"`
}

// File is a parsed capture.
type File struct {
	Name  string
	Lines []Line
}

// Dir returns the absolute path of testdata/freeswitch in the repository.
func Dir() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "..", "..", "testdata", "freeswitch")
}

// Load reads the capture called name (e.g. "01-inbound-basics.jsonl").
func Load(name string) (*File, error) {
	fh, err := os.Open(filepath.Join(Dir(), name))
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f := &File{Name: name}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		f.Lines = append(f.Lines, l)
	}
	return f, sc.Err()
}

// ESLFiles lists the ESL capture files (all but the xml_curl HTTP one).
func ESLFiles() ([]string, error) {
	all, err := filepath.Glob(filepath.Join(Dir(), "*.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range all {
		if b := filepath.Base(p); !strings.HasSuffix(b, "-http.jsonl") {
			out = append(out, b)
		}
	}
	return out, nil
}

// Conns returns the connection names in order of first appearance.
func (f *File) Conns() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range f.Lines {
		if !seen[l.Conn] {
			seen[l.Conn] = true
			out = append(out, l.Conn)
		}
	}
	return out
}

// Chunks returns the data chunks of one connection in one direction ("send"
// or "recv"). Every capture has at most one connection per name.
func (f *File) Chunks(conn, dir string) []string {
	var out []string
	for _, l := range f.Lines {
		if l.Conn == conn && l.Dir == dir {
			out = append(out, l.Data)
		}
	}
	return out
}

// Stream concatenates Chunks: the exact byte stream of that direction.
func (f *File) Stream(conn, dir string) string {
	return strings.Join(f.Chunks(conn, dir), "")
}

// ChunkReader returns the chunks as an io.Reader that yields exactly one
// chunk per Read (or less when p is short), so frames span reads as they did
// on the wire.
func ChunkReader(chunks []string) *Reader { return &Reader{chunks: chunks} }

// Reader replays chunks, one per Read call.
type Reader struct {
	chunks []string
	cur    string
}

func (r *Reader) Read(p []byte) (int, error) {
	for r.cur == "" {
		if len(r.chunks) == 0 {
			return 0, eof
		}
		r.cur, r.chunks = r.chunks[0], r.chunks[1:]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

var eof = io.EOF
