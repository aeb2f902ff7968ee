package eslconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/internal/fakefs"
)

// echoHandler answers "api echo X" with X, "bgapi echo X" with a reply then a
// BACKGROUND_JOB carrying X (sometimes the event first, as FreeSWITCH may),
// "api slow X" after 100 ms, and "api hang" never.
func echoHandler(s *fakefs.Session, cmd *esl.Frame) {
	verb, rest, _ := strings.Cut(cmd.Line, " ")
	what, arg, _ := strings.Cut(rest, " ")
	switch {
	case verb == "api" && what == "echo":
		s.Write(fakefs.APIResponseFrame(arg + "\n"))
	case verb == "api" && what == "slow":
		time.Sleep(100 * time.Millisecond)
		s.Write(fakefs.APIResponseFrame(arg + "\n"))
	case verb == "api" && what == "hang":
	case verb == "api" && what == "huge": // declares 64 MiB, sends 3 bytes
		s.WriteRaw([]byte("Content-Type: api/response\nContent-Length: 67108864\n\n+OK"))
	case verb == "api" && what == "fail":
		s.Write(fakefs.APIResponseFrame("-ERR " + arg + "\n"))
	case verb == "bgapi" && what == "echo":
		job := cmd.Get("Job-UUID")
		reply := fakefs.ReplyFrame("+OK Job-UUID: "+job, "Job-UUID", job)
		ev := fakefs.EventFrame(arg, "Event-Name", "BACKGROUND_JOB", "Job-UUID", job, "Job-Command", "echo")
		if rand.IntN(2) == 0 {
			s.Write(ev, reply)
		} else {
			s.Write(reply, ev)
		}
	case verb == "event":
		s.Reply("+OK event listener enabled json")
	default:
		s.Reply("-ERR command not found")
	}
}

func startFake(t testing.TB, h fakefs.Handler) *fakefs.Server {
	t.Helper()
	srv, err := fakefs.Start("ClueCon", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func dial(t testing.TB, srv *fakefs.Server, opts Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, srv.Addr(), "ClueCon", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestDialAuth(t *testing.T) {
	srv := startFake(t, echoHandler)
	ctx := context.Background()
	if _, err := Dial(ctx, srv.Addr(), "wrong", Options{}); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "-ERR invalid") {
		t.Fatalf("wrong password: %v", err)
	}
	c := dial(t, srv, Options{})
	if out, err := c.API(ctx, "echo hello world"); err != nil || out != "hello world" {
		t.Fatalf("api: %q %v", out, err)
	}
	_, err := c.API(ctx, "fail No such channel!")
	var re *ReplyError
	if !errors.As(err, &re) || re.Text != "-ERR No such channel!" {
		t.Fatalf("-ERR reply: %v", err)
	}
}

// TestNoMismatchedReplies is the hard requirement: 1,000 goroutines issue api
// and bgapi commands with unique payloads on one connection, some giving up
// early; every answer must be the caller's own. Every command shares one
// deadline, so a lost reply fails the test in seconds instead of hanging it
// to the suite's timeout.
func TestNoMismatchedReplies(t *testing.T) {
	srv := startFake(t, echoHandler)
	c := dial(t, srv, Options{})
	const callers, each = 1000, 8
	const deadline = 20 * time.Second // about 1 s under -race on a loaded 2-core machine
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var wrong, done atomic.Int64
	var wg sync.WaitGroup
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				token := fmt.Sprintf("g%d-i%d", g, i)
				var out string
				var err error
				switch i % 4 {
				case 0, 1:
					out, err = c.API(ctx, "echo "+token)
				case 2:
					out, err = c.BgAPI(ctx, "echo "+token)
				case 3: // give up almost at once; must not shift anyone's reply
					short, cancel := context.WithTimeout(ctx, time.Duration(rand.IntN(200))*time.Microsecond)
					out, err = c.API(short, "echo "+token)
					cancel()
					if err != nil && ctx.Err() == nil {
						continue
					}
				}
				if ctx.Err() != nil {
					return // reported once below
				}
				if err != nil {
					t.Errorf("%s: %v", token, err)
					return
				}
				done.Add(1)
				if out != token {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	st := c.Stats()
	if ctx.Err() != nil {
		t.Fatalf("commands still unanswered after %v (a reply was lost or the connection hung): %d answered, stats %+v",
			deadline, done.Load(), st)
	}
	t.Logf("%d answered, stats %+v", done.Load(), st)
	if wrong.Load() != 0 || st.Mismatches != 0 || st.UnexpectedReplies != 0 {
		t.Fatalf("%d mismatched replies of %d; stats %+v", wrong.Load(), done.Load(), st)
	}
	if done.Load() < callers*each*3/4 {
		t.Fatalf("only %d answered", done.Load())
	}
}

func TestAbandonedCommandKeepsItsReply(t *testing.T) {
	srv := startFake(t, echoHandler)
	c := dial(t, srv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.API(ctx, "slow A"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow: %v", err)
	}
	if out, err := c.API(context.Background(), "echo B"); err != nil || out != "B" {
		t.Fatalf("next command got %q, %v; want B (the late reply A must be absorbed)", out, err)
	}
}

func TestFIFOOrderOfWaiters(t *testing.T) {
	var order []string
	var mu sync.Mutex
	srv := startFake(t, func(s *fakefs.Session, cmd *esl.Frame) {
		mu.Lock()
		order = append(order, fakefs.Arg(cmd))
		mu.Unlock()
		echoHandler(s, cmd)
	})
	c := dial(t, srv, Options{})
	go c.API(context.Background(), "slow first")
	time.Sleep(20 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); c.API(context.Background(), "echo "+strconv.Itoa(i)) }()
		time.Sleep(5 * time.Millisecond) // queue them in a known order
	}
	wg.Wait()
	want := "slow first,echo 0,echo 1,echo 2,echo 3,echo 4"
	if got := strings.Join(order, ","); got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
}

func TestConnectionLossFailsWaiters(t *testing.T) {
	srv := startFake(t, echoHandler)
	c := dial(t, srv, Options{})
	errs := make(chan error, 3)
	for range 3 {
		go func() { _, err := c.API(context.Background(), "hang"); errs <- err }()
	}
	time.Sleep(20 * time.Millisecond)
	srv.DropAll()
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("waiter got %v, want ErrClosed", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("waiter not released after connection loss")
		}
	}
	<-c.Done()
	if _, err := c.BgAPI(context.Background(), "echo x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("bgapi after close: %v", err)
	}
}

func TestEventsKeepWireOrder(t *testing.T) {
	const n = 5000
	srv := startFake(t, func(s *fakefs.Session, cmd *esl.Frame) {
		s.Reply("+OK event listener enabled json")
		for i := 1; i <= n; i++ {
			s.Write(fakefs.EventFrame("", "Event-Name", "DTMF", "Unique-ID", "u"+strconv.Itoa(i%7),
				"Event-Sequence", strconv.Itoa(i)))
		}
	})
	got := make(chan uint64, n)
	c := dial(t, srv, Options{OnEvent: func(e *esl.Event) { got <- e.Seq() }})
	if _, err := c.Run(context.Background(), eventCmd("DTMF")); err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= n; i++ {
		select {
		case s := <-got:
			if s != i {
				t.Fatalf("event %d arrived as #%d", s, i)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d events", i-1)
		}
	}
}

func TestReplyWatchdogClosesHungConnection(t *testing.T) {
	srv := startFake(t, echoHandler)
	c := dial(t, srv, Options{ReplyTimeout: 50 * time.Millisecond})
	if _, err := c.API(context.Background(), "hang"); !errors.Is(err, ErrClosed) {
		t.Fatalf("hung command: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("connection not closed")
	}
}

// TestReplyWatchdogTimesEachCommand: the one watchdog timer of a connection
// gives every command its own ReplyTimeout from when it was written: slow
// replies one after another, together far longer than ReplyTimeout, each
// within it, keep the connection; then a command never answered closes it.
func TestReplyWatchdogTimesEachCommand(t *testing.T) {
	srv := startFake(t, echoHandler)
	c := dial(t, srv, Options{ReplyTimeout: 400 * time.Millisecond})
	for i := range 6 { // 100 ms each
		if out, err := c.API(context.Background(), "slow "+strconv.Itoa(i)); err != nil || out != strconv.Itoa(i) {
			t.Fatalf("slow command %d: %q %v", i, out, err)
		}
	}
	if _, err := c.API(context.Background(), "hang"); !errors.Is(err, ErrClosed) {
		t.Fatalf("hung command: %v", err)
	}
}

// TestOversizedFrameClosesConnection: a frame over its cap ends the
// connection with a log line naming the peer and the cap, and fails the
// command waiting for it.
func TestOversizedFrameClosesConnection(t *testing.T) {
	srv := startFake(t, echoHandler)
	logs := &syncbuf.Buffer{}
	c := dial(t, srv, Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, err := c.API(context.Background(), "huge"); !errors.Is(err, ErrClosed) {
		t.Fatalf("command answered by an oversized frame: %v", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), esl.ErrTooLarge) {
		t.Fatalf("connection ended with %v, want ErrTooLarge", c.Err())
	}
	for _, want := range []string{"level=ERROR", "beyond the limits", "esl_peer=" + srv.Addr(), "exceeds 16777216"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestEventsDecodeOnlyTheirHeaders: with Options.Events a connection decodes
// the headers named and the body, BgAPI still finds its BACKGROUND_JOB by
// Job-UUID, and replies read into the reader's reused buffers reach their
// commands intact.
func TestEventsDecodeOnlyTheirHeaders(t *testing.T) {
	srv := startFake(t, func(s *fakefs.Session, cmd *esl.Frame) {
		if strings.HasPrefix(cmd.Line, "event") {
			s.Reply("+OK event listener enabled json")
			s.Write(fakefs.EventFrame("", "Event-Name", "DTMF", "Unique-ID", "u1", "DTMF-Digit", "5"))
			return
		}
		echoHandler(s, cmd)
	})
	set := esl.NewHeaderSet("Job-UUID", "Unique-ID")
	got := make(chan *esl.Event, 1)
	c := dial(t, srv, Options{Events: set, OnEvent: func(e *esl.Event) { got <- e }})
	for i := range 20 {
		token := strings.Repeat("x", i*100) // replies of many sizes through the shared buffer
		if out, err := c.BgAPI(context.Background(), "echo "+token); err != nil || out != token {
			t.Fatalf("bgapi: %q, %v", out, err)
		}
		if out, err := c.API(context.Background(), "echo "+token); err != nil || out != token {
			t.Fatalf("api: %q, %v", out, err)
		}
	}
	if _, err := c.Run(context.Background(), eventCmd("DTMF")); err != nil {
		t.Fatal(err)
	}
	e := <-got
	if e.Name() != "DTMF" || e.UUID() != "u1" || e.Get("DTMF-Digit") != "" {
		t.Fatalf("decoded %q", e.Headers())
	}
	if m := set.Missed(); len(m) != 1 || m[0] != "DTMF-Digit" {
		t.Fatalf("missed %v", m)
	}
}

func TestEventsMustKeepJobUUID(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	defer a.Close()
	defer func() {
		if r := recover(); !strings.Contains(fmt.Sprint(r), "Job-UUID") {
			t.Fatalf("a header set without Job-UUID: recovered %v", r)
		}
	}()
	New(a, Options{Events: esl.NewHeaderSet("Unique-ID")}).Close()
}

// TestRunAllPipelines: RunAll writes every command before reading any reply
// (the server here answers only once all three have arrived, which a
// command-by-command client never gets to), matches the replies in order,
// reports a -ERR for its own command only, and passes the turn on.
func TestRunAllPipelines(t *testing.T) {
	var mu sync.Mutex
	var held []*esl.Frame
	srv := startFake(t, func(s *fakefs.Session, cmd *esl.Frame) {
		var r *esl.Frame
		switch {
		case strings.HasPrefix(cmd.Line, "event "):
			r = fakefs.ReplyFrame("+OK event listener enabled json")
		case strings.HasPrefix(cmd.Line, "filter "):
			r = fakefs.ReplyFrame("-ERR invalid syntax")
		case strings.HasPrefix(cmd.Line, "api echo "):
			r = fakefs.APIResponseFrame(strings.TrimPrefix(cmd.Line, "api echo ") + "\n")
		default:
			r = fakefs.ReplyFrame("-ERR command not found")
		}
		mu.Lock()
		held = append(held, r)
		out := held
		if len(held) < 3 {
			out = nil
		} else {
			held = nil
		}
		mu.Unlock()
		s.Write(out...)
	})
	c := dial(t, srv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	replies, errs := c.RunAll(ctx, eventCmd("CHANNEL_ANSWER"), command.Filter{EventHeader: "Unique-ID"},
		command.API{Command: "echo", Arguments: "hi"})
	if errs[0] != nil || replies[0].ReplyText() != "+OK event listener enabled json" {
		t.Errorf("event: %v %v", replies[0], errs[0])
	}
	var re *ReplyError
	if !errors.As(errs[1], &re) || re.Text != "-ERR invalid syntax" || !strings.HasPrefix(re.Command, "filter Unique-ID") || replies[1] == nil {
		t.Errorf("filter: %v %v", replies[1], errs[1])
	}
	if errs[2] != nil || string(replies[2].Body) != "hi\n" {
		t.Errorf("api: %v %v", replies[2], errs[2])
	}
	if got := c.Stats().Commands; got != 3 {
		t.Errorf("Stats.Commands = %d, want 3", got)
	}
	// The next commands go in the same way after the batch.
	if _, errs := c.RunAll(ctx, command.API{Command: "echo", Arguments: "a"}, command.API{Command: "echo", Arguments: "b"},
		command.API{Command: "echo", Arguments: "c"}); errs[0] != nil || errs[2] != nil {
		t.Errorf("second batch: %v", errs)
	}
}

// TestRunAllConnectionLost: the replies that never come are errors, each.
func TestRunAllConnectionLost(t *testing.T) {
	srv := startFake(t, func(s *fakefs.Session, cmd *esl.Frame) {
		if cmd.Line == "api echo first" {
			s.Write(fakefs.APIResponseFrame("first\n"))
			return
		}
		s.Close()
	})
	c := dial(t, srv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	replies, errs := c.RunAll(ctx, command.API{Command: "echo", Arguments: "first"},
		command.API{Command: "echo", Arguments: "second"}, command.API{Command: "echo", Arguments: "third"})
	if errs[0] != nil || string(replies[0].Body) != "first\n" {
		t.Errorf("first: %v %v", replies[0], errs[0])
	}
	for i := 1; i < 3; i++ {
		if !errors.Is(errs[i], ErrClosed) || replies[i] != nil {
			t.Errorf("reply %d: %v %v, want ErrClosed", i, replies[i], errs[i])
		}
	}
}

// TestBgAPIWrongReplies: a bgapi refused (-ERR reply, no job) or answered
// for another Job-UUID fails at once, as a ReplyError or ErrMismatch; the
// connection goes on.
func TestBgAPIWrongReplies(t *testing.T) {
	srv := startFake(t, func(s *fakefs.Session, cmd *esl.Frame) {
		switch cmd.Line {
		case "bgapi nosuch":
			s.Reply("-ERR nosuch Command not found!")
		case "bgapi otherjob":
			s.Write(fakefs.ReplyFrame("+OK Job-UUID: x", "Job-UUID", "x"))
		default:
			echoHandler(s, cmd)
		}
	})
	c := dial(t, srv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var re *ReplyError
	if _, err := c.BgAPI(ctx, "nosuch"); !errors.As(err, &re) || !strings.Contains(re.Text, "Command not found") {
		t.Fatalf("refused bgapi: %v", err)
	}
	if _, err := c.BgAPI(ctx, "otherjob"); !errors.Is(err, ErrMismatch) || c.Stats().Mismatches != 1 {
		t.Fatalf("bgapi answered for another job: %v, stats %+v", err, c.Stats())
	}
	if out, err := c.BgAPI(ctx, "echo after"); err != nil || out != "after" {
		t.Fatalf("bgapi after them: %q %v", out, err)
	}
}

// TestKeptReplyWakesNobody: a reply its command's filter does not keep
// (a bgapi's good +OK) releases the turn without reaching the command.
func TestKeptReplyWakesNobody(t *testing.T) {
	srv := startFake(t, echoHandler)
	c := dial(t, srv, Options{})
	p, err := c.sendKeeping(context.Background(), "api echo dropped", func(*esl.Frame) bool { return false },
		func(w *esl.Writer) error { return w.WriteCommand("api echo dropped") })
	if err != nil {
		t.Fatal(err)
	}
	if out, err := c.API(context.Background(), "echo next"); err != nil || out != "next" {
		t.Fatalf("the command after it: %q %v", out, err)
	}
	if len(p.ch) != 0 {
		t.Fatalf("the reply not kept reached its command: %d waiting", len(p.ch))
	}
}
