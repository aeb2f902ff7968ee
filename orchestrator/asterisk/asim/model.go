package asim

import (
	"fmt"
	"strings"
	"time"
)

// tsLayout is ARI's timestamp format: ms resolution, numeric zone (+0000).
const tsLayout = "2006-01-02T15:04:05.000-0700"

type callerID struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

type dialplan struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int    `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

// channelJSON is ARI's Channel model, fields in Asterisk's order.
type channelJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	State        string   `json:"state"`
	ProtocolID   string   `json:"protocol_id"`
	Caller       callerID `json:"caller"`
	Connected    callerID `json:"connected"`
	AccountCode  string   `json:"accountcode"`
	Dialplan     dialplan `json:"dialplan"`
	CreationTime string   `json:"creationtime"`
	Language     string   `json:"language"`
}

// origin says how a channel came to be; it decides which end-of-life
// events the app sees (captures 02-05, 09).
type origin int

const (
	originDialplan origin = iota + 1 // a caller that ran Stasis() in the dialplan
	originARI                        // POST /channels, /channels/create
	originSnoop                      // POST /channels/{id}/snoop
)

type channel struct {
	json       channelJSON
	origin     origin
	app        string // the Stasis app that controls (or originated) it
	inStasis   bool
	args       []string
	vars       map[string]string
	created    time.Time
	bridge     string // the bridge it is in, "" if none
	playback   string // the playback running on it
	endpoint   string // "PJSIP/2001" for ARI-created channels
	phone      *phone // the far end, for ARI-created channels to a phone
	caller     *Call  // the far end, for dialplan callers
	dialling   bool   // dial in progress (ARI-created)
	timers     []*time.Timer
	viaCreate  bool // POST /channels/create
	dialCaller bool // named as caller= of a /dial (capture 04b)
	explicit   bool // the app holds an explicit channel: subscription (capture 09)
	gone       bool
	held       bool
	dialString string
	snoopOf    string      // the spied channel, for snoop channels
	queue      []*playback // playbacks waiting for the current one (ARI queues them)
}

type bridge struct {
	ID       string
	Name     string
	Type     string
	Channels []string
	Created  time.Time
}

func (b *bridge) json(tech string) map[string]any {
	chans := append([]string{}, b.Channels...)
	return map[string]any{"id": b.ID, "technology": tech, "bridge_type": b.Type, "bridge_class": "stasis",
		"creator": "Stasis", "name": b.Name, "channels": chans, "creationtime": b.Created.Format(tsLayout),
		"video_mode": "talker"}
}

type playback struct {
	ID, Media, Target, State string
	timer                    *time.Timer
}

func (p *playback) json() map[string]any {
	return map[string]any{"id": p.ID, "media_uri": p.Media, "target_uri": p.Target, "language": "en", "state": p.State}
}

type recording struct {
	Name, Format, Target, State string
	started                     time.Time
}

func (r *recording) json() map[string]any {
	return map[string]any{"name": r.Name, "format": r.Format, "state": r.State, "target_uri": r.Target}
}

// causeText is Asterisk's ast_cause2str for the causes asim produces.
func causeText(c int) string {
	switch c {
	case 0:
		return "Unknown"
	case 1:
		return "Unallocated (unassigned) number"
	case 16:
		return "Normal Clearing"
	case 17:
		return "User busy"
	case 18:
		return "No user responding"
	case 19:
		return "User alerting, no answer"
	case 21:
		return "Call Rejected"
	case 34:
		return "Circuit/channel congestion"
	}
	return fmt.Sprintf("Unknown cause %d", c)
}

// reasonCause maps DELETE /channels' reason names to Q.850 causes (ARI's
// channels.c: ast_str_to_cause-like table).
var reasonCause = map[string]int{"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 18,
	"rejected": 21, "unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28, "codec_mismatch": 58,
	"interworking": 127, "failure": 38, "answered_elsewhere": 26}

func splitEndpoint(ep string) (tech, res string) {
	tech, res, _ = strings.Cut(ep, "/")
	return tech, res
}
