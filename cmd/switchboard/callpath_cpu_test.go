package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime/pprof"
	"testing"
	"time"
)

// CPU by side: the benchmark runs fssim's goroutines (and the load it
// drives) under the pprof label side=fssim and the controller's under
// side=controller (goroutines inherit their creator's labels), records a CPU
// profile and sums its samples by label. Unlabelled samples are the runtime
// (GC workers, timer goroutines) and the test itself. The profile is decoded
// with a minimal protobuf reader: only samples and the string table matter.

// labelled runs f with the goroutine label side=name.
func labelled(side string, f func()) {
	pprof.Do(context.Background(), pprof.Labels("side", side), func(context.Context) { f() })
}

// cpuProfile records a CPU profile until the returned stop is called, which
// returns the CPU time by side ("" for unlabelled). It fails when another
// CPU profile runs (go test -cpuprofile).
func cpuProfile() (stop func() (map[string]time.Duration, error), err error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, err
	}
	return func() (map[string]time.Duration, error) {
		pprof.StopCPUProfile()
		return cpuBySide(buf.Bytes())
	}, nil
}

// profSample is one CPU sample: its CPU nanoseconds and its labels as
// string-table indexes (key, value, key, value...).
type profSample struct {
	nanos  int64
	labels []uint64
}

func cpuBySide(gz []byte) (map[string]time.Duration, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var strs []string
	var samples []profSample
	err = protoFields(raw, func(num int, _ uint64, data []byte) error {
		switch num {
		case 2: // Profile.sample
			s, err := parseSample(data)
			samples = append(samples, s)
			return err
		case 6: // Profile.string_table
			strs = append(strs, string(data))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for _, s := range samples {
		side := ""
		for i := 0; i+1 < len(s.labels); i += 2 {
			if k, v := s.labels[i], s.labels[i+1]; k < uint64(len(strs)) && v < uint64(len(strs)) && strs[k] == "side" {
				side = strs[v]
			}
		}
		out[side] += time.Duration(s.nanos)
	}
	return out, nil
}

// parseSample reads Sample{value = 2 (packed int64), label = 3 (Label{key = 1, str = 2})}.
// A CPU profile's values are (samples, nanoseconds).
func parseSample(b []byte) (profSample, error) {
	var s profSample
	var values []uint64
	err := protoFields(b, func(num int, v uint64, data []byte) error {
		switch {
		case num == 2 && data == nil:
			values = append(values, v)
		case num == 2:
			return packedVarints(data, func(x uint64) { values = append(values, x) })
		case num == 3:
			var key, str uint64
			err := protoFields(data, func(n int, x uint64, _ []byte) error {
				switch n {
				case 1:
					key = x
				case 2:
					str = x
				}
				return nil
			})
			s.labels = append(s.labels, key, str)
			return err
		}
		return nil
	})
	if len(values) >= 2 {
		s.nanos = int64(values[1])
	}
	return s, err
}

var errProto = errors.New("malformed protobuf")

// protoFields calls f for each field of a protobuf message: varints with v,
// length-delimited fields with data (nil for others); fixed-size are skipped.
func protoFields(b []byte, f func(num int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errProto
		}
		b = b[n:]
		num, wt := int(tag>>3), tag&7
		var err error
		switch wt {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errProto
			}
			b, err = b[n:], f(num, v, nil)
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errProto
			}
			data := b[n : n+int(l)]
			b, err = b[n+int(l):], f(num, 0, data)
		case 1, 5:
			size := map[uint64]int{1: 8, 5: 4}[wt]
			if len(b) < size {
				return errProto
			}
			b = b[size:]
		default:
			return errProto
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func packedVarints(b []byte, f func(uint64)) error {
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errProto
		}
		f(v)
		b = b[n:]
	}
	return nil
}

func TestCPUBySide(t *testing.T) {
	stop, err := cpuProfile()
	if err != nil {
		t.Skipf("CPU profile: %v", err)
	}
	// Spin until the process has been given 300 ms of CPU, not for 300 ms
	// of wall time: on a loaded machine (make stress) the goroutine may
	// get almost none of a wall-clock window, and the profile then holds
	// no sample at all (it failed so once).
	spin := func(d time.Duration) {
		for end := processCPU() + d; processCPU() < end; {
		}
	}
	labelled("busy", func() {
		done := make(chan struct{})
		go func() { spin(300 * time.Millisecond); close(done) }() // inherits the label
		<-done
	})
	sides, err := stop()
	if err != nil {
		t.Fatal(err)
	}
	if sides["busy"] < 30*time.Millisecond || sides["controller"] != 0 {
		t.Fatalf("300 ms of spinning under side=busy: got %v", sides)
	}
	if err := protoFields([]byte{0x12, 0x05, 0x01}, func(int, uint64, []byte) error { return nil }); err == nil {
		t.Fatal("a truncated length-delimited field must be refused")
	}
}
