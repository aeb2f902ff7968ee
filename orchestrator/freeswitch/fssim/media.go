package fssim

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// mediaDuration is how long one playback argument lasts: tone_stream and
// silence_stream durations come from the URL, files from Config.FileDuration.
// file_string://a!b plays each part.
func (n *Node) mediaDuration(arg string) time.Duration {
	if rest, ok := strings.CutPrefix(arg, "file_string://"); ok {
		var d time.Duration
		for _, p := range strings.Split(rest, "!") {
			d += n.mediaDuration(p)
		}
		return d
	}
	if d, ok := toneDuration(arg); ok {
		return d
	}
	return n.cfg.FileDuration
}

var toneRE = regexp.MustCompile(`%\((\d+),(\d+)(?:,[^)]*)?\)`)

// endlessMedia is how long a tone or silence that never ends lasts.
const endlessMedia = 1000 * time.Hour

// toneDuration parses tone_stream://[L=n;]%(on,off,freq)...[;loops=n] and
// silence_stream://ms. It reports false for anything else. loops=-1 (and a
// negative silence) never ends (mod_tone_stream: switch_buffer_set_loops).
func toneDuration(arg string) (time.Duration, bool) {
	if ms, ok := strings.CutPrefix(arg, "silence_stream://"); ok {
		ms, _, _ = strings.Cut(ms, ",")
		v, err := strconv.Atoi(ms)
		if err != nil {
			return 0, false
		}
		if v < 0 {
			return endlessMedia, true
		}
		return time.Duration(v) * time.Millisecond, true
	}
	spec, ok := strings.CutPrefix(arg, "tone_stream://")
	if !ok {
		return 0, false
	}
	times := 1
	if i := strings.Index(strings.ToLower(spec), ";loops="); i >= 0 {
		n, err := strconv.Atoi(spec[i+len(";loops="):])
		if err == nil && n < 0 {
			return endlessMedia, true
		}
		if err == nil && n > 0 {
			times = n
		}
		spec = spec[:i]
	}
	loops := times
	if strings.HasPrefix(spec, "L=") {
		l, rest, _ := strings.Cut(spec[2:], ";")
		if v, err := strconv.Atoi(l); err == nil && v > 0 {
			loops = v * times
		}
		spec = rest
	}
	var total time.Duration
	for _, m := range toneRE.FindAllStringSubmatch(spec, -1) {
		on, _ := strconv.Atoi(m[1])
		off, _ := strconv.Atoi(m[2])
		total += time.Duration(on+off) * time.Millisecond
	}
	return total * time.Duration(loops), true
}

// play plays one argument with PLAYBACK_START/STOP; it reports whether it
// played to the end (false: hangup, uuid_break or a digit when stopOnDigit).
func (n *Node) play(ch *channel, a *runningApp, file string, stopOnDigit bool) bool {
	n.locked(func() {
		e := n.chanEventLocked(ch, "PLAYBACK_START", true, header{"Playback-File-Type", fileType(file)}, header{"Playback-File-Path", file})
		_ = e
		ch.info.Played = append(ch.info.Played, file)
	})
	stop, release := n.interrupted(ch, a)
	defer release()
	var digit <-chan struct{}
	if stopOnDigit {
		digit = ch.digitCh
		if n.bufferedDigits(ch) > 0 {
			n.locked(func() {
				n.chanEventLocked(ch, "PLAYBACK_STOP", true, header{"Playback-File-Type", fileType(file)}, header{"Playback-File-Path", file}, header{"Playback-Status", "break"})
			})
			return false
		}
	}
	left := n.dur(n.mediaDuration(file))
	t := time.NewTimer(left)
	defer t.Stop()
	done, status := false, "break"
	for paused := true; paused; {
		paused = false
		start := time.Now()
		select {
		case <-t.C:
			done, status = true, "done"
		case <-stop:
		case <-digit:
			n.requeueDigitSignal(ch)
		case <-ch.nest:
			// applications queued meanwhile run inside it; it goes on
			// after them for what was left (runInsideLocked)
			t.Stop()
			left -= time.Since(start)
			if n.runNested(ch, a) {
				t.Reset(max(left, 0))
				paused = true
			} else if n.parkedAway(ch) {
				status = "done" // switch_ivr_park_session: not ready (capture 14)
			}
		}
	}
	n.locked(func() {
		d := n.mediaDuration(file)
		ch.vars.set("playback_seconds", strconv.Itoa(int(d.Seconds())))
		ch.vars.set("playback_ms", strconv.Itoa(int(d.Milliseconds())))
		n.chanEventLocked(ch, "PLAYBACK_STOP", true, header{"Playback-File-Type", fileType(file)}, header{"Playback-File-Path", file}, header{"Playback-Status", status})
	})
	return done
}

// playable reports whether file can be opened on the node (resources.go).
func (n *Node) playable(file string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.playableLocked(file)
}

func fileType(f string) string {
	if t, _, ok := strings.Cut(f, "://"); ok {
		return t
	}
	return "file"
}

// appPlayback is playback; a hangup during it answers PLAYBACK ERROR as in
// scenario 05, a finished or stopped one FILE PLAYED, a source that cannot
// be opened (a local stream that does not run) FILE NOT FOUND at once.
func appPlayback(n *Node, ch *channel, a *runningApp) string {
	if !n.playable(a.arg) {
		return "FILE NOT FOUND"
	}
	n.play(ch, a, a.arg, false)
	var live bool
	n.locked(func() { live = ch.live() && !ch.parkPending })
	if !live {
		return "PLAYBACK ERROR"
	}
	return "FILE PLAYED"
}

// parkedAway reports whether a bridge application run inside a media
// application parked the channel.
func (n *Node) parkedAway(ch *channel) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return ch.parkPending
}

func (n *Node) bufferedDigits(ch *channel) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(ch.digits)
}

// requeueDigitSignal puts back the digit wake-up a prompt consumed, so the
// collector sees the digit too.
func (n *Node) requeueDigitSignal(ch *channel) {
	select {
	case ch.digitCh <- struct{}{}:
	default:
	}
}

// pressLocked is one DTMF digit from the caller: a DTMF event and the digit
// in the channel's buffer.
func (n *Node) pressLocked(ch *channel, d byte) {
	if !ch.live() {
		return
	}
	e := n.newEventLocked("DTMF", "", "switch_channel.c", "switch_channel_dequeue_dtmf", 0)
	e.uuid = ch.uuid
	ch.channelData(e, false)
	e.add("DTMF-Digit", string(d))
	e.add("DTMF-Duration", "2000")
	e.add("DTMF-Source", "RTP")
	n.emitLocked(e)
	ch.digits = append(ch.digits, d)
	ch.info.DTMF += string(d)
	select {
	case ch.digitCh <- struct{}{}:
	default:
	}
}

// pgdArgs are play_and_get_digits's arguments:
// min max tries timeout terminators file invalid_file var regexp [digit_timeout].
type pgdArgs struct {
	min, max, tries                     int
	timeout, digitTimeout               time.Duration
	terminators, file, invalid, varName string
	re                                  *regexp.Regexp
}

func parsePGD(arg string) (pgdArgs, error) {
	f := strings.Fields(arg)
	if len(f) < 7 {
		return pgdArgs{}, errorf("play_and_get_digits %q: want at least 7 arguments", arg)
	}
	p := pgdArgs{min: atoiDefault(f[0], 0), max: atoiDefault(f[1], 128), tries: atoiDefault(f[2], 1),
		timeout: time.Duration(atoiDefault(f[3], 5000)) * time.Millisecond, terminators: f[4],
		file: f[5], invalid: f[6]}
	if p.terminators == "none" {
		p.terminators = ""
	}
	if p.invalid == "silence_stream://0" || p.invalid == "none" {
		p.invalid = ""
	}
	p.varName = "digits"
	if len(f) > 7 {
		p.varName = f[7]
	}
	if len(f) > 8 {
		re, err := regexp.Compile(f[8])
		if err != nil {
			return p, errorf("play_and_get_digits regexp %q: %v", f[8], err)
		}
		p.re = re
	}
	p.digitTimeout = p.timeout
	if len(f) > 9 {
		p.digitTimeout = time.Duration(atoiDefault(f[9], int(p.timeout.Milliseconds()))) * time.Millisecond
	}
	if p.tries < 1 {
		p.tries = 1
	}
	return p, nil
}

// appPlayAndGetDigits plays the prompt (a digit stops it), collects up to
// max digits until a terminator or timeout, validates, and retries. The
// result goes to the variable (empty on failure) and read_result.
func appPlayAndGetDigits(n *Node, ch *channel, a *runningApp) string {
	p, err := parsePGD(a.arg)
	if err != nil {
		return "_none_"
	}
	result, term := "", ""
	ok := false
	for try := 0; try < p.tries && !ok; try++ {
		if p.file != "" {
			n.play(ch, a, p.file, true)
		}
		var live bool
		result, term, live = n.collect(ch, a, p)
		if !live {
			break
		}
		ok = len(result) >= p.min && len(result) <= p.max && (p.re == nil || p.re.MatchString(result))
		if !ok && p.invalid != "" && try+1 < p.tries {
			n.play(ch, a, p.invalid, true)
		}
	}
	n.locked(func() {
		if ok {
			ch.vars.set(p.varName, result)
			ch.vars.set("read_result", "success")
		} else {
			ch.vars.set(p.varName, "")
			ch.vars.set("read_result", "failure")
		}
		if term != "" {
			ch.vars.set("read_terminator_used", term)
		} else {
			ch.vars.unset("read_terminator_used")
		}
	})
	return "_none_"
}

// collect takes digits from the buffer as they come.
func (n *Node) collect(ch *channel, a *runningApp, p pgdArgs) (string, string, bool) {
	stop, release := n.interrupted(ch, a)
	defer release()
	var got []byte
	wait := p.timeout
	for {
		n.mu.Lock()
		for len(ch.digits) > 0 {
			d := ch.digits[0]
			ch.digits = ch.digits[1:]
			if strings.IndexByte(p.terminators, d) >= 0 {
				n.mu.Unlock()
				return string(got), string(d), true
			}
			got = append(got, d)
			if len(got) >= p.max {
				n.mu.Unlock()
				return string(got), "", true
			}
		}
		live := ch.live()
		n.mu.Unlock()
		if !live {
			return string(got), "", false
		}
		if len(got) > 0 {
			wait = p.digitTimeout
		}
		t := time.NewTimer(n.dur(wait))
		select {
		case <-ch.digitCh:
			t.Stop()
		case <-t.C:
			return string(got), "", true
		case <-stop:
			t.Stop()
			return string(got), "", false
		}
	}
}

// Press is one scripted key press of a simulated caller.
type Press struct {
	After time.Duration // after the answer, or after the previous press
	Digit byte
}

// Presses turns "12#" into presses spaced by gap, the first one gap after
// the answer.
func Presses(digits string, gap time.Duration) []Press {
	var ps []Press
	for i := 0; i < len(digits); i++ {
		ps = append(ps, Press{After: gap, Digit: digits[i]})
	}
	return ps
}

// startDTMFScriptLocked plays the caller's scripted digits after answer.
func (n *Node) startDTMFScriptLocked(ch *channel) {
	script := ch.info.script
	if len(script) == 0 {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for _, p := range script {
			if !n.sleep(p.After, ch.hungup) {
				return
			}
			n.locked(func() { n.pressLocked(ch, p.Digit) })
		}
	}()
}

// speakPerChar is how long the simulated TTS engine takes per character.
const speakPerChar = 60 * time.Millisecond

// appSpeak is speak "engine|voice|text": no media events, it lasts in
// proportion to the text (at least 300 ms), a hangup or uuid_break ends it.
func appSpeak(n *Node, ch *channel, a *runningApp) string {
	parts := strings.SplitN(a.arg, "|", 3)
	if len(parts) != 3 || parts[2] == "" {
		return "-ERR speak: want engine|voice|text"
	}
	d := max(time.Duration(len(parts[2]))*speakPerChar, 300*time.Millisecond)
	n.locked(func() { ch.info.Played = append(ch.info.Played, "speak:"+parts[2]) })
	stop, release := n.interrupted(ch, a)
	defer release()
	n.sleep(d, stop)
	return "_none_"
}
