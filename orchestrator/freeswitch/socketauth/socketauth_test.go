package socketauth

import "testing"

func TestToken(t *testing.T) {
	a := Token("fs1", "a-long-node-secret-1")
	if len(a) != 64 {
		t.Fatalf("token %q: want 64 hex digits", a)
	}
	if a != Token("fs1", "a-long-node-secret-1") {
		t.Fatal("token is not deterministic")
	}
	for name, other := range map[string]string{
		"other node, same secret": Token("fs2", "a-long-node-secret-1"),
		"same node, new secret":   Token("fs1", "a-long-node-secret-2"),
		// The label and the name are not simply concatenated with the secret.
		"name moved into secret": Token("", "a-long-node-secret-1fs1"),
	} {
		if other == a || Equal(other, a) {
			t.Errorf("%s: same token %s", name, a)
		}
	}
	if !Equal(a, Token("fs1", "a-long-node-secret-1")) || Equal("", a) {
		t.Error("Equal is wrong")
	}
}
