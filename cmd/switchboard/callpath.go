package main

import (
	"context"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
)

// startCallPath runs inbound calls from fs through the call sessions.
func (c *controller) startCallPath(ctx context.Context, fs *freeswitch.Adapter) error {
	c.log.Warn("inbound calls are not wired to the ACD yet")
	return nil
}
