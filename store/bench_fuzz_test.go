package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// FuzzCursor: a client-supplied cursor either decodes to the id it encodes
// or is refused with ErrInvalid; it never panics.
func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor("01a21967-a1d1-7013-b179-d85010c6db5d"), 10)
	f.Add("", 0)
	f.Add("YzE6", 501)
	f.Add("!!!", -1)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		after, n, err := Page{After: cursor, Limit: limit}.keyset()
		if err != nil {
			if !errorsIsInvalid(err) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if n < 1 || n > MaxLimit {
			t.Fatalf("limit %d accepted", n)
		}
		if cursor != "" && encodeCursor(after) != cursor {
			t.Fatalf("cursor %q decoded to %q which re-encodes differently", cursor, after)
		}
	})
}

func errorsIsInvalid(err error) bool { return errors.Is(err, ErrInvalid) }

// BenchmarkListAgents100 lists one page of 100 agents (with skills and
// queues) of one tenant among two.
func BenchmarkListAgents100(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchListAgents(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchListAgents(b, openPostgres(b)) })
}

func benchListAgents(b *testing.B, s *Store) {
	a := mkTenant(b, s, "a.example.com", 200)
	other := mkTenant(b, s, "b.example.com", 200)
	sk, err := s.CreateSkill(ctx, admin1, a.ID, SkillInput{Name: "english"})
	must(b, err)
	qu, err := s.CreateQueue(ctx, admin1, a.ID, QueueInput{Name: "sales", Strategy: "longest_idle"})
	must(b, err)
	for i := range 100 {
		u := mkUser(b, s, a.ID, tenancy.RoleAgent)
		_, err := s.CreateAgent(ctx, admin1, a.ID, AgentInput{UserID: u.ID, Extension: fmt.Sprint(1000 + i), SIPPassword: "password1",
			Skills: []AgentSkill{{sk.ID, 5}}, Queues: []AgentQueue{{qu.ID, 1}}})
		must(b, err)
		mkAgent(b, s, other.ID, fmt.Sprint(1000+i))
	}
	b.ResetTimer()
	for b.Loop() {
		l, err := s.ListAgents(ctx, a.ID, Page{Limit: 100})
		if err != nil || len(l.Items) != 100 || len(l.Items[99].Skills) != 1 {
			b.Fatalf("ListAgents: %d items, %v", len(l.Items), err)
		}
	}
}

// FuzzInputValidation: what the validators of client input accept is safe
// to store and hand to the switch: numbers are '+' and digits, extensions a
// small alphabet, node addresses carry a host and a port.
func FuzzInputValidation(f *testing.F) {
	f.Add("+8657100", "1001", "10.0.0.5:8021")
	f.Add("12ab", "a b", "http://pbx:8088/ari")
	f.Add("+", "1001\n", "[::1]:1")
	f.Fuzz(func(t *testing.T, number, ext, addr string) {
		in := AccessNumberInput{Number: number, EntryKind: EntryQueue, EntryAlias: "q"}
		if in.validate() == nil && strings.Trim(strings.TrimPrefix(number, "+"), "0123456789") != "" {
			t.Fatalf("number %q accepted", number)
		}
		if checkExtension(ext) == nil && strings.ContainsAny(ext, " :@;\r\n\x00") {
			t.Fatalf("extension %q accepted", ext)
		}
		for _, kind := range []NodeKind{NodeFreeSWITCH, NodeAsterisk} {
			if checkNodeAddress(kind, addr) == nil && (strings.ContainsAny(addr, " \r\n\x00") || !strings.Contains(addr, ":")) {
				t.Fatalf("%s address %q accepted", kind, addr)
			}
		}
	})
}
