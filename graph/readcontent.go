package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/attachform/attachform/item"
)

// contentCall is the GET of an attachment's bytes ($value).
func (c *Client) contentCall(it item.Ref, id string) (*call, error) {
	p, err := attachmentPath(it, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opContent, err)
	}
	return &call{
		// The bytes of an attachment are at most the kind's largest file.
		meta:   meta{op: opContent, mailbox: it.Mailbox, idempotent: true, auth: true, answer: answerContent, maxAnswer: it.Kind.Traits().MaxBytes},
		method: http.MethodGet,
		url:    c.apiURL(p + "/$value"),
	}, nil
}

// ReadContent reads an attachment's bytes ($value) with read, and reads
// them again from the first byte when the answer stops midway, as every
// other read of Graph is sent again: a JSON answer is read whole within
// its attempt, but content streams to its reader, so the retry is here.
//
// read is given the answer from its start on every call, and must start
// over each time (a file it began is discarded, a hash begun dropped).
// When the answer fails under it (nothing moved for the idle timeout, the
// connection broke, the answer ended short) and read returns, the GET is
// sent again under the client's retry policy: the attempts of the whole
// call count against the one budget, and after SilentAttempts silent ones
// in a row it ends with ErrNoAnswer, naming the host, as any request does.
// Read's own errors (the disk, a file that exists), an answer larger than
// the kind's largest file and a cancelled ctx end it at once.
func (c *Client) ReadContent(ctx context.Context, it item.Ref, id string, read func(io.Reader) error) error {
	cl, err := c.contentCall(it, id)
	if err != nil {
		return err
	}
	for {
		resp, err := c.send(ctx, cl)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return responseError(opContent, resp)
		}
		body := &failureOf{r: resp.Body}
		err = read(body)
		resp.Body.Close()
		if err == nil {
			return nil
		}
		if body.err == nil || ctx.Err() != nil || errors.Is(body.err, ErrAnswerTooLarge) {
			return err // read's own failure, or one no attempt mends
		}
		if end := c.restartContent(ctx, cl, resp.Body); end != nil {
			if errors.Is(end, errBudgetSpent) {
				return err
			}
			return end
		}
	}
}

// errBudgetSpent: the call has made all the attempts the policy allows.
var errBudgetSpent = errors.New("no attempt left")

// restartContent decides, after an answer failed midway, whether the call
// is sent again, and waits the policy's backoff if so; otherwise it says
// why not: ErrNoAnswer (the host gave nothing SilentAttempts times in a
// row, or another request gave up on it), errBudgetSpent, or ctx's error.
func (c *Client) restartContent(ctx context.Context, cl *call, body io.ReadCloser) error {
	m := &cl.meta
	if bb, ok := body.(*boundedBody); ok && bb.dl.fired.Load() == fireIdle && m.watch != nil {
		// As checkRetry counts a silent attempt, and transportError ends
		// the call and the host's next requests.
		m.silent++
		if _, given := m.watch.hw.given(c.holdSilent()); m.silent >= SilentAttempts || given {
			m.watch.hw.gaveUp.Store(time.Now().UnixNano())
			return &noAnswerError{host: m.watch.host, op: cl.op, quiet: bb.dl.idle, attempts: m.silent, doing: bb.dl.doing(bb.read)}
		}
	}
	if !c.budgetLeft(m) {
		return errBudgetSpent
	}
	wait := time.NewTimer(c.backoff(c.retry.WaitMin, c.retry.WaitMax, m.attempts-1, nil))
	defer wait.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", cl.op, ctx.Err())
	case <-wait.C:
		return nil
	}
}

// budgetLeft reports whether the policy allows the call another attempt.
func (c *Client) budgetLeft(m *meta) bool { return m.attempts <= c.retry.MaxRetries }

// failureOf keeps the first failure of the answer under its reader (not
// its end).
type failureOf struct {
	r   io.Reader
	err error
}

func (f *failureOf) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && f.err == nil {
		f.err = err
	}
	return n, err
}
