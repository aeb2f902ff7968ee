package fssim

import (
	"context"
	"strings"

	"github.com/google/uuid"
)

// RouteCall places a trunk caller the way a node with mod_xml_curl does: the
// dialplan of in.To in context public is fetched from x (as PlacePhoneCall
// does for a phone's context) and run: each `set` before `socket` becomes a
// channel variable (sb_tenant, the socket token...), `socket` hands the call
// to the address the dialplan names, and the actions after it are the
// fallback; an extension without `socket` (a rejection) runs on the node.
// in.Vars are the channel's variables before routing (as from the caller's
// SIP headers): the dialplan's `set`s override them. in.Fallback is ignored:
// the dialplan has its own.
func (n *Node) RouteCall(ctx context.Context, x XMLCurl, in IncomingCall) (*Call, error) {
	if in.From == "" || in.To == "" {
		return nil, errorf("route call: From and To are required")
	}
	if in.UUID == "" {
		in.UUID = uuid.NewString()
	}
	in.Context = orDefault(in.Context, "public")
	ext, err := x.extension(ctx, n.cfg.Hostname, in.Context, PhoneCall{User: in.From, To: in.To, UUID: in.UUID}, in.Vars)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	for k, v := range in.Vars {
		vars[k] = v
	}
	in.Vars, in.Fallback = vars, nil
	return n.runExtension(ctx, in, ext)
}

// runExtension runs a fetched extension on the call in: `set`s until
// `socket`, which connects to the controller (PlaceCall) with the rest as
// the fallback; an extension without `socket` runs on the node.
func (n *Node) runExtension(ctx context.Context, in IncomingCall, ext []DialplanApp) (*Call, error) {
	for i, a := range ext {
		switch a.App {
		case "set":
			k, v, _ := strings.Cut(a.Arg, "=")
			in.Vars[strings.TrimSpace(k)] = v
			continue
		case "socket":
			in.Fallback = ext[i+1:]
			addr, _, _ := strings.Cut(a.Arg, " ")
			return n.PlaceCall(ctx, addr, in)
		}
		return n.placeExtension(in, ext[i:])
	}
	return n.placeExtension(in, []DialplanApp{{App: "hangup", Arg: "NORMAL_CLEARING"}})
}
