package flowrun

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotReadOnly is a statement refused on a read-only data source.
var ErrNotReadOnly = errors.New("flowrun: sql: statement is not read-only")

// readOnlyFirst are the statements a read-only data source runs.
var readOnlyFirst = map[string]bool{"select": true, "with": true, "values": true}

// writeWords may not appear as bare words in a read-only statement: writes
// (also inside a WITH, which PostgreSQL allows), DDL, SELECT INTO, procedure
// calls, session and transaction control, SQLite's ATTACH and PRAGMA. String
// literals, quoted identifiers and comments are skipped, so a value such as
// 'update' is fine. The read-only transaction is the second wall.
var writeWords = map[string]bool{
	"insert": true, "update": true, "delete": true, "merge": true, "upsert": true, "drop": true,
	"alter": true, "create": true, "truncate": true, "grant": true, "revoke": true, "copy": true,
	"call": true, "exec": true, "execute": true, "do": true, "lock": true, "vacuum": true,
	"analyze": true, "attach": true, "detach": true, "pragma": true, "into": true, "set": true,
	"reindex": true, "refresh": true, "listen": true, "notify": true, "load": true, "comment": true,
	"begin": true, "commit": true, "rollback": true, "savepoint": true, "release": true,
	"prepare": true, "deallocate": true, "discard": true, "reset": true, "cluster": true,
	"checkpoint": true, "security": true,
}

// CheckReadOnly accepts one SELECT, WITH or VALUES statement with no
// writing keyword; the error names what is wrong.
func CheckReadOnly(query string) error {
	words, err := sqlWords(query)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotReadOnly, err)
	}
	if len(words) == 0 {
		return fmt.Errorf("%w: empty statement", ErrNotReadOnly)
	}
	if !readOnlyFirst[words[0]] {
		return fmt.Errorf("%w: it starts with %q (SELECT, WITH or VALUES only)", ErrNotReadOnly, words[0])
	}
	for _, w := range words {
		if writeWords[w] {
			return fmt.Errorf("%w: %q is not allowed", ErrNotReadOnly, strings.ToUpper(w))
		}
	}
	return nil
}

// sqlWords returns the bare words of a statement in lower case, skipping
// literals, quoted identifiers, parameters and comments. A ';' before the
// end (a second statement) and anything unterminated are errors.
func sqlWords(q string) ([]string, error) {
	var words []string
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case isWordStart(c):
			j := i + 1
			for j < len(q) && isWordPart(q[j]) {
				j++
			}
			words = append(words, strings.ToLower(q[i:j]))
			i = j
		case c == '\'' || c == '"' || c == '`':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated %c quote", c)
			}
			i += j + 2 // '' inside a literal reads as two literals: same words
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				return words, nil
			}
			i += j + 1
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return nil, errors.New("unterminated /* comment")
			}
			i += j + 4
		case c == '$':
			n, err := skipDollar(q[i:])
			if err != nil {
				return nil, err
			}
			i += n
		case c == ';':
			if strings.Trim(q[i:], "; \t\r\n") != "" {
				return nil, errors.New("more than one statement")
			}
			return words, nil
		default:
			i++
		}
	}
	return words, nil
}

// skipDollar skips a $1 parameter or a PostgreSQL $tag$...$tag$ string.
func skipDollar(q string) (int, error) {
	j := 1
	for j < len(q) && q[j] >= '0' && q[j] <= '9' {
		j++
	}
	if j > 1 {
		return j, nil
	}
	for j < len(q) && isWordPart(q[j]) {
		j++
	}
	if j >= len(q) || q[j] != '$' {
		return j, nil // a lone $: not a string
	}
	tag := q[:j+1]
	end := strings.Index(q[j+1:], tag)
	if end < 0 {
		return 0, fmt.Errorf("unterminated %s string", tag)
	}
	return j + 1 + end + len(tag), nil
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' }
