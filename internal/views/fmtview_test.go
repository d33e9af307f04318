package views

import (
	"bytes"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	for _, tc := range []struct {
		name, a, b, want string
	}{
		{"change in the middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"two hunks", "a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n", "A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n",
			"@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B\n"},
		{"append", "x\n", "x\ny\n", "@@ -1 +1,2 @@\n x\n+y\n"},
		{"from empty", "", "x\n", "@@ -0,0 +1 @@\n+x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			writeUnifiedDiff(&buf, "f", []byte(tc.a), []byte(tc.b))
			want := "--- old/f\n+++ new/f\n" + tc.want
			if buf.String() != want {
				t.Errorf("diff:\n%s\nwant:\n%s", buf.String(), want)
			}
		})
	}
}
