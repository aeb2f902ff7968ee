package freeswitch

import (
	"fmt"
	"strings"
)

// SofiaEntry is one row of `sofia status`: a profile, alias or gateway.
type SofiaEntry struct {
	Name  string // "internal", "external::carrier1"
	Type  string // "profile", "alias", "gateway"
	Data  string // SIP URI
	State string // "RUNNING (0)", "REGED", "NOREG", "FAIL_WAIT"...
}

// ParseSofiaStatus parses the table `sofia status` prints: a header row, rows
// of four tab-separated, space-padded columns between "=" rules, and a
// summary line. Lines that are not rows are skipped; a row with the wrong
// number of columns is an error naming it.
func ParseSofiaStatus(out string) ([]SofiaEntry, error) {
	if strings.HasPrefix(out, "-ERR") {
		return nil, fmt.Errorf("freeswitch: sofia status: %s", strings.TrimSpace(out))
	}
	var rows []SofiaEntry
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "====") {
			inTable = !inTable
			continue
		}
		if !inTable || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			return nil, fmt.Errorf("freeswitch: sofia status: row %.80q has %d columns, want 4", line, len(cols))
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if cols[0] == "" || cols[1] == "" {
			return nil, fmt.Errorf("freeswitch: sofia status: row %.80q has no name or type", line)
		}
		rows = append(rows, SofiaEntry{Name: cols[0], Type: cols[1], Data: cols[2], State: cols[3]})
	}
	if inTable {
		return nil, fmt.Errorf("freeswitch: sofia status: table not closed")
	}
	return rows, nil
}
