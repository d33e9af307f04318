//go:build unix

package views

import (
	"bytes"
	"os"
	"testing"
)

// On a terminal (a pseudo-terminal's master side) each stream is painted,
// unless -no-color, NO_COLOR or TERM=dumb says no; a stream that is not a
// terminal stays plain whatever the other is.
func TestNewViewColorOnATerminal(t *testing.T) {
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer tty.Close()
	for _, tc := range []struct {
		noColor bool
		env     []string
		want    bool
	}{
		{false, nil, true},
		{false, []string{"TERM=xterm-256color"}, true},
		{true, nil, false},
		{false, []string{"NO_COLOR=1"}, false},
		{false, []string{"TERM=dumb"}, false},
	} {
		var buf bytes.Buffer
		st, _, _ := testStreams(tc.env...)
		st.Out, st.Err = tty, &buf
		v := NewView(st, tc.noColor)
		if v.outPal.on != tc.want || v.errPal.on {
			t.Errorf("-no-color=%v %v: stdout painted %v (want %v), stderr (a buffer) painted %v", tc.noColor, tc.env, v.outPal.on, tc.want, v.errPal.on)
		}
		st.Out, st.Err = &buf, tty
		if v := NewView(st, tc.noColor); v.errPal.on != tc.want || v.outPal.on {
			t.Errorf("-no-color=%v %v: stderr painted %v (want %v), stdout (a buffer) painted %v", tc.noColor, tc.env, v.errPal.on, tc.want, v.outPal.on)
		}
	}
}
