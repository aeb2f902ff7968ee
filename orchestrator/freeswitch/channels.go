package freeswitch

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Channel is one row of `show channels as json`.
type Channel struct {
	UUID      string `json:"uuid"`
	Direction string `json:"direction"`
	Name      string `json:"name"`
	State     string `json:"state"`
	CallState string `json:"callstate"`
	CIDNum    string `json:"cid_num"`
	Dest      string `json:"dest"`
	App       string `json:"application"`
}

// ParseChannels parses the output of `show channels as json`. FreeSWITCH
// prints `{"row_count": 0}` (with a space, no rows) when idle and a compact
// object with "rows" otherwise; both are handled, and row_count must agree
// with the rows given.
func ParseChannels(out string) ([]Channel, error) {
	var doc struct {
		RowCount *int      `json:"row_count"`
		Rows     []Channel `json:"rows"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &doc); err != nil {
		return nil, fmt.Errorf("freeswitch: show channels: %w (output %.80q)", err, out)
	}
	if doc.RowCount == nil {
		return nil, fmt.Errorf("freeswitch: show channels: no row_count in %.80q", out)
	}
	if *doc.RowCount != len(doc.Rows) {
		return nil, fmt.Errorf("freeswitch: show channels: row_count %d but %d rows", *doc.RowCount, len(doc.Rows))
	}
	for i, r := range doc.Rows {
		if r.UUID == "" {
			return nil, fmt.Errorf("freeswitch: show channels: row %d has no uuid", i)
		}
	}
	return doc.Rows, nil
}
