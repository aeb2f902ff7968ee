package flowrun

import (
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// OnNode hears each node the flow waits in, once per entry, before its
// commands run: the voicemail node is told before its greeting plays.
func TestOnNodeToldEachNodeEntered(t *testing.T) {
	sw, s := newFakeSwitch(), &sinks{}
	r := newTestRunner(t, sw, s, nil)
	ctx, call := sw.call(t)
	var nodes []string
	meta := acme
	meta.OnNode = func(node string, typ ivrflows.NodeType) {
		nodes = append(nodes, node+":"+string(typ))
		if typ == ivrflows.NodeVoicemail && slices.Contains(sw.Log(), "play vm.wav") {
			t.Error("voicemail node told after its greeting started")
		}
	}
	o, err := r.Run(ctx, call, compileFlow(t, queueFlow), meta)
	if err != nil || o.Kind != HandOffQueue {
		t.Fatalf("Run = %+v, %v", o, err)
	}
	if _, err := r.Resume(ctx, o.Suspend, ivrflows.QueueResult{Reason: "no agents"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"queue:queue", "vm:voicemail", "bye:hangup"}; !slices.Equal(nodes, want) {
		t.Fatalf("nodes told %q, want %q", nodes, want)
	}
}
