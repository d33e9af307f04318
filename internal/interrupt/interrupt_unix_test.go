//go:build unix

package interrupt

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/views"
	"github.com/hashicorp/go-hclog"
)

// SIGTERM, which testscript's kill cannot send, stops as SIGINT does.
func TestCatchInterruptsHandlesSIGTERM(t *testing.T) {
	i := Catch(context.Background(), views.NewView(views.Streams{Err: new(bytes.Buffer)}, true))
	defer i.Release()
	stop, end := i.Graceful(time.Hour, hclog.NewNullLogger(), nil)
	defer end()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stop:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not stop gracefully")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-i.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a second SIGTERM did not stop at once")
	}
}
