package acd

import "fmt"

// Medium is the channel an interaction arrives on. One queue serves every
// medium (ACC-10); the medium decides which capacity an agent spends on it.
type Medium uint8

// Media the ACD routes.
const (
	Voice    Medium = iota // inbound phone call
	WebCall                // browser voice/video call
	Chat                   // web chat
	Email                  // e-mail
	SMS                    // text message
	Callback               // a caller's kept place; the agent calls back
	Preview                // outbound preview: the agent sees the record, then dials
	numMedia
)

var mediumNames = [numMedia]string{"voice", "webcall", "chat", "email", "sms", "callback", "preview"}

func (m Medium) String() string {
	if m < numMedia {
		return mediumNames[m]
	}
	return fmt.Sprintf("medium(%d)", uint8(m))
}

// Media lists every medium in order.
func Media() []Medium {
	out := make([]Medium, numMedia)
	for i := range out {
		out[i] = Medium(i)
	}
	return out
}

// ParseMedium turns a medium's name into a Medium.
func ParseMedium(s string) (Medium, error) {
	for i, n := range mediumNames {
		if n == s {
			return Medium(i), nil
		}
	}
	return 0, fmt.Errorf("acd: unknown medium %q (want one of %v)", s, mediumNames)
}

// mediumKind groups media by how they occupy an agent: realtime media hold the
// agent's voice path, conversational media are interleaved, deferred media wait.
type mediumKind uint8

const (
	kindRealtime mediumKind = iota
	kindConversational
	kindDeferred
)

func (m Medium) kind() mediumKind {
	switch m {
	case Chat, SMS:
		return kindConversational
	case Email:
		return kindDeferred
	default:
		return kindRealtime
	}
}

// Capacity says how much work of each medium an agent holds at once.
type Capacity struct {
	// Max is the number of interactions per medium (offered + in progress).
	Max [numMedia]uint8
	// VoiceOverChat lets a realtime offer (voice, web call, callback, preview)
	// reach an agent who has chats or SMS in progress. Without it, an agent with
	// any chat work gets no realtime offers. E-mail in progress never blocks a
	// realtime offer. Nothing at all is offered during a realtime interaction.
	VoiceOverChat bool
}

// DefaultCapacity is one realtime interaction, three chats, three SMS and one e-mail.
func DefaultCapacity() Capacity {
	var c Capacity
	for m := Medium(0); m < numMedia; m++ {
		c.Max[m] = 1
	}
	c.Max[Chat], c.Max[SMS] = 3, 3
	return c
}

func (c Capacity) isZero() bool { return c.Max == [numMedia]uint8{} }
