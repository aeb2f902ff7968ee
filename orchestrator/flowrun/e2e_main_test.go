package flowrun

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// officeClock is a Thursday 10:00 in the tenant's +08:00 office hours,
// moving with real time, so the main fixture's hours node takes "open".
type officeClock struct{ start time.Time }

func (c officeClock) Now() time.Time {
	return time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC).Add(time.Since(c.start))
}
func (officeClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// fileTTS names a rendering after its text, without spaces.
type fileTTS struct{}

func (fileTTS) Synthesize(_ context.Context, text, voice string) (string, error) {
	return "/tts/" + voice + "/" + strings.NewReplacer(" ", "_", ",", "").Replace(text) + ".wav", nil
}

// TestE2EMainFixture runs the product's main flow fixture (copied from
// ivrflows/testdata) live: language menu typed into during the barge-in
// welcome, an 8-digit account, the balance from the CRM over HTTP, spoken
// back, then 0 for an agent: the hand-off carries the account and language.
// No agent: voicemail, ended by the caller hanging up.
func TestE2EMainFixture(t *testing.T) {
	doc, err := os.ReadFile("testdata/main_flow.json")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := os.ReadFile("testdata/main_catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/accounts/12345678" || r.Header.Get("Authorization") != "Bearer tenant-secret" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"balance": 12.5}`))
	}))
	defer srv.Close()
	catalog := strings.Replace(string(cat), "https://crm.acme.example/api", srv.URL+"/api", 1)
	prog := compileWith(t, string(doc), catalog)

	e := newE2E(t, func(c *Config) {
		c.HTTP, c.Prompter, c.Clock, c.Lists = NewHTTPClient(true), fileTTS{}, officeClock{time.Now()}, fakeLists{}
	})
	e.runner.cfg.Switch = unconfirmedRecorder{e.sw}
	got := make(chan Outcome, 2)
	e.serve(func(ctx context.Context, call orchestrator.InboundCall) {
		o, err := e.runner.Run(ctx, call, prog, acme)
		got <- o
		if err != nil || o.Kind != HandOffQueue {
			t.Errorf("Run = %+v, %v", o, err)
			return
		}
		o, err = e.runner.Resume(ctx, o.Suspend, ivrflows.QueueResult{Reason: "no agent"})
		if err != nil {
			t.Errorf("Resume: %v", err)
		}
		got <- o
	})
	c := e.place("+8613800000001")
	waitPlayed(t, c, "acme/en/welcome.wav", 1)
	c.Press("1") // English, typed into the welcome
	waitPlayed(t, c, "acme/en/main_menu.wav", 1)
	c.Press("2")
	waitPlayed(t, c, "/tts/en/Please_enter_your_8_digit_account_number.wav", 1)
	c.Press("12345678")
	waitPlayed(t, c, "acme/en/main_menu.wav", 2)
	c.Press("0")
	o := waitOutcome(t, got)
	if o.Queue.Queue != "sales" || o.Queue.Data["account"] != "12345678" || o.Queue.Data["language"] != "en" || o.Queue.Priority != 1 {
		t.Errorf("hand-off %+v", o.Queue)
	}
	if o.Vars["balance"] != 12.5 {
		t.Errorf("vars %v", o.Vars)
	}
	waitRecording(t, c)
	time.Sleep(500 * time.Millisecond) // past unconfirmedRecorder's wait: the message is being recorded
	c.Hangup("NORMAL_CLEARING")
	end := waitOutcome(t, got)
	info := waitDone(t, c)
	if end.Result != ivrflows.OutcomeCallerHangup {
		t.Errorf("end %+v", end)
	}
	e.sinks.mu.Lock()
	vms := slices.Clone(e.sinks.vms)
	e.sinks.mu.Unlock()
	if len(vms) != 1 || vms[0].Mailbox != "general" || !vms[0].Notify {
		t.Errorf("voicemail %+v", vms)
	}
	wantPlayed := []string{"acme/en/welcome.wav", "acme/en/main_menu.wav", "/tts/en/Please_enter_your_8_digit_account_number.wav",
		"file_string:///tts/en/Your_balance_is.wav!/tts/en/12.5.wav", "acme/en/main_menu.wav", beepOnNode(t)}
	if !slices.Equal(info.Played, wantPlayed) {
		t.Errorf("played\n %q\nwant\n %q", info.Played, wantPlayed)
	}
	want := []string{"hours", "blacklist", "welcome", "language", "lang_en", "main_menu", "account", "balance", "say_balance",
		"main_menu", "vip", "queue", "voicemail"}
	if got := e.sinks.nodes(); !slices.Equal(got, want) {
		t.Errorf("trace\n %q\nwant\n %q", got, want)
	}
}

func waitRecording(t *testing.T, c *fssim.Call) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.Info().Recordings) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no recording started; info %+v", c.Info())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
