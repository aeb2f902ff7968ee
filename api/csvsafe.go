package api

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CSV exports are opened in spreadsheets, and a cell that a spreadsheet reads
// as a formula runs when the file is opened (OWASP "CSV Injection"). Every
// cell of every export goes through csvSafe, not only the columns that hold
// outside input today.

// csvSafe prefixes v with a single quote when a spreadsheet could read it as
// a formula, so it stays text:
//   - v starts with =, +, -, @, TAB, CR or LF (OWASP's list, plus LF, which
//     some importers strip like CR);
//   - v starts with whitespace, and its first non-space character is one of
//     = + - @ (importers that trim cells would otherwise see the formula);
//   - either of the above with the full-width forms ＝ ＋ － ＠, which some
//     spreadsheets fold to ASCII.
//
// Phone numbers are prefixed too: '+15550100. Left alone, a spreadsheet
// turns +15550100 into the number 15550100 (the + lost) and +8613800000001
// into 8.6138E+12 (digits lost); as text they keep every character. One rule
// with no exceptions is also one less place for a formula to hide. A program
// reading the export removes one leading ' from a cell that starts with '.
func csvSafe(v string) string {
	if v == "" {
		return v
	}
	first, _ := utf8.DecodeRuneInString(v)
	switch first {
	case '\t', '\r', '\n':
		return "'" + v
	}
	if trimmed := strings.TrimLeftFunc(v, unicode.IsSpace); trimmed != "" {
		r, _ := utf8.DecodeRuneInString(trimmed)
		if formulaStart(r) {
			return "'" + v
		}
	}
	return v
}

// formulaStart reports a character that starts a spreadsheet formula.
func formulaStart(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠':
		return true
	}
	return false
}

// safeCSV is the one CSV writer of exports: every cell it writes goes
// through csvSafe.
type safeCSV struct{ w *csv.Writer }

func newSafeCSV(w io.Writer) safeCSV { return safeCSV{csv.NewWriter(w)} }

// Write writes one record with every cell defused.
func (s safeCSV) Write(row []string) error {
	safe := make([]string, len(row))
	for i, v := range row {
		safe[i] = csvSafe(v)
	}
	return s.w.Write(safe)
}

// Flush writes buffered records and returns the first error of any write.
func (s safeCSV) Flush() error {
	s.w.Flush()
	return s.w.Error()
}
