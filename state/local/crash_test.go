package local_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// crashChildEnv makes the test binary a child that writes state at the path
// it names until it is killed.
const crashChildEnv = "ATTACHFORM_CRASH_CHILD"

// crashSeedEnv replays a crash test run: its kill points come from the seed.
const crashSeedEnv = "ATTACHFORM_CRASH_SEED"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// crashChild is one run: it takes the lock (which the OS took back from the
// run killed before it), reads the state, then writes it again and again
// with a growing serial, printing each serial once its write returned —
// that is, once it is durable.
func crashChild(path string) int {
	ctx := context.Background()
	b := local.New(path)
	if err := b.Lock(ctx, state.NewLockInfo("crash-test", "test")); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		return 2
	}
	st, err := b.Read(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		return 2
	}
	if st == nil {
		st = state.New()
	}
	for range 1_000_000 { // a bound, should the parent die first
		st.Attachments = crashContent(st.Serial + 1)
		if err := state.Persist(ctx, b, st, "crash-test"); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			return 2
		}
		fmt.Fprintf(os.Stdout, "%d\n", st.Serial) // one write(2): a line is whole or absent
	}
	return 0
}

// crashContent is what the state of a serial holds: from none to a few
// hundred attachments (from 200 B to about 150 kB of JSON), so writes of
// very different sizes follow each other, and a torn or mixed file cannot
// pass for a whole one.
func crashContent(serial uint64) []state.Attachment {
	h := serial * 0x9E3779B97F4A7C15
	n := int(h>>58) % 48
	if h>>61 == 0 {
		n = 400
	}
	atts := make([]state.Attachment, n)
	for i := range atts {
		atts[i] = state.Attachment{
			Address:      fmt.Sprintf("attachment.a%03d", i),
			Target:       item.Ref{Mailbox: "crash@contoso.example", Kind: "message", ID: "item-" + strconv.FormatUint(serial, 10)},
			ID:           fmt.Sprintf("id-%d-%d", serial, i),
			Descriptor:   state.Descriptor{Name: strings.Repeat("n", int(h>>(i%57))&127), ContentType: "application/octet-stream", SHA256: fmt.Sprintf("%064x", serial), Bytes: int64(serial)},
			ReportedSize: int64(i),
		}
	}
	return atts
}

// TestStateSurvivesSIGKILL kills a writing child at 200 random points: in
// the middle of a write, of a backup, of a rename, between writes, before
// the first. After each kill the state file parses, holds exactly what its
// serial says, and its serial is the last one the child saw durable or the
// one it was writing — never older. The backup, when there is one, parses
// too. The next child takes the lock the killed one held, and removes the
// temporary file a killed write left. Four chains of
// kills on four files run side by side, each from its own generator seeded
// from the one seed, so the fsyncs of one overlap the others' work.
func TestStateSurvivesSIGKILL(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s: %v", crashSeedEnv, err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: rerun with %s=%d", seed, crashSeedEnv, seed)
		}
	})
	kills := 200
	if testing.Short() {
		kills = 50
	}
	// Goroutines, not parallel subtests: -parallel is bounded by the CPUs,
	// and these chains mostly wait on fsync.
	const chains = 4
	errs := make([]error, chains)
	var wg sync.WaitGroup
	for c := range chains {
		wg.Go(func() {
			path := filepath.Join(t.TempDir(), fmt.Sprintf("chain%d", c), "attachform.state.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				errs[c] = err
				return
			}
			report, err := crashChain(path, rand.New(rand.NewPCG(seed, uint64(c))), kills/chains)
			if err != nil {
				errs[c] = fmt.Errorf("chain %d: %w", c, err)
				return
			}
			t.Logf("chain %d: %s", c, report)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// crashChain kills children writing the state at path, one after the
// other, checking the file after each kill.
func crashChain(path string, rng *rand.Rand, kills int) (report string, err error) {
	ctx := context.Background()
	var onDisk uint64 // serial of the file after the last kill
	lineage := ""
	midWrite, tornWrites := 0, 0
	leftover := "" // the temporary file the last torn write left
	for k := range kills {
		writes := rng.IntN(6)                                     // durable writes to see before the kill...
		delay := time.Duration(rng.IntN(1500)) * time.Microsecond // ...and then a little more
		printed, err := crashRound(path, writes, delay)
		if err != nil {
			return "", fmt.Errorf("kill %d: %v", k, err)
		}
		last := onDisk
		if len(printed) > 0 {
			if printed[0] != onDisk+1 {
				return "", fmt.Errorf("kill %d: the child's first write was serial %d, want %d after the file's %d", k, printed[0], onDisk+1, onDisk)
			}
			last = printed[len(printed)-1]
		}

		st, err := local.New(path).Read(ctx)
		if err != nil {
			return "", fmt.Errorf("kill %d (after %d writes and %v): the state does not parse: %v", k, writes, delay, err)
		}
		if st == nil {
			if last > 0 {
				return "", fmt.Errorf("kill %d: no state file after serial %d was durable", k, last)
			}
			continue
		}
		switch {
		case st.Serial < last:
			return "", fmt.Errorf("kill %d: the state went back to serial %d; serial %d was durable", k, st.Serial, last)
		case st.Serial > last+1:
			return "", fmt.Errorf("kill %d: the state has serial %d, but only %d was written (and %d begun)", k, st.Serial, last, last+1)
		case st.Serial == last+1:
			midWrite++ // renamed in place, killed before it could say so
		}
		if lineage == "" {
			lineage = st.Lineage
		} else if st.Lineage != lineage {
			return "", fmt.Errorf("kill %d: lineage changed from %s to %s", k, lineage, st.Lineage)
		}
		if want := crashContent(st.Serial); !reflect.DeepEqual(st.Attachments, want) {
			return "", fmt.Errorf("kill %d: serial %d holds %d attachments that are not what was written (%d)", k, st.Serial, len(st.Attachments), len(want))
		}

		backup, err := local.New(path + ".backup").Read(ctx)
		switch {
		case err != nil:
			return "", fmt.Errorf("kill %d: the backup does not parse: %v", k, err)
		case backup != nil && backup.Serial > st.Serial:
			return "", fmt.Errorf("kill %d: the backup's serial %d is newer than the state's %d", k, backup.Serial, st.Serial)
		case backup != nil && !reflect.DeepEqual(backup.Attachments, crashContent(backup.Serial)):
			return "", fmt.Errorf("kill %d: the backup's serial %d does not hold what was written", k, backup.Serial)
		}
		// A killed write leaves its temporary file; the next run's lock
		// removes it, so there is never more than the last kill's.
		leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
		if err != nil {
			return "", err
		}
		if len(leftovers) > 1 {
			return "", fmt.Errorf("kill %d: temporary files pile up: %q", k, leftovers)
		}
		if len(leftovers) == 1 && leftovers[0] != leftover {
			tornWrites++
			leftover = leftovers[0]
		}
		onDisk = st.Serial
	}
	return fmt.Sprintf("%d kills, final serial %d; %d cut a write short (a temporary file left), %d landed after a rename and before the child heard of it",
		kills, onDisk, tornWrites, midWrite), nil
}

// crashRound starts a child, lets it make writes durable writes, waits
// delay more, kills it with SIGKILL, and returns every serial it reported
// durable (some may arrive after the kill was sent: they were durable too).
func crashRound(path string, writes int, delay time.Duration) ([]uint64, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(out)
	var printed []uint64
	read := func() error {
		n, err := strconv.ParseUint(lines.Text(), 10, 64)
		if err != nil {
			return fmt.Errorf("child printed %q: %v", lines.Text(), err)
		}
		printed = append(printed, n)
		return nil
	}
	for len(printed) < writes {
		if !lines.Scan() {
			_ = cmd.Wait()
			killed = true
			return nil, fmt.Errorf("the child stopped before it was killed (%v): %s", cmd.ProcessState, stderr.String())
		}
		if err := read(); err != nil {
			return nil, err
		}
	}
	time.Sleep(delay) // where the kill lands, not a wait for anything
	if err := cmd.Process.Kill(); err != nil {
		return nil, err
	}
	killed = true
	for lines.Scan() {
		if err := read(); err != nil {
			return nil, err
		}
	}
	if err := lines.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := cmd.Wait(); err == nil || stderr.Len() > 0 {
		return nil, fmt.Errorf("the child ended on its own (%v): %s", err, stderr.String())
	}
	return printed, nil
}
