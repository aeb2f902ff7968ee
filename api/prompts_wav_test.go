package api

import "github.com/switchboard-cc/switchboard/audio/wav"

// The names prompts_test.go reads stored prompt files with. The parser, the
// conversion and their unit and fuzz tests are in package audio/wav.

const wavPCM = int(wav.PCM)

type wavInfo struct{ wav.File }

func parseWAV(b []byte) (wavInfo, error) {
	f, err := wav.Parse(b)
	return wavInfo{f}, err
}

func (w wavInfo) telephony() bool { return w.IsTelephony() }
