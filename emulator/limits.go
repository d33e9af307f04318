package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attachform/attachform/internal/bytesize"
)

// Limits are the per-mailbox limits Outlook documents for one app: at most
// 4 concurrent requests, 10,000 requests per 10 minutes, 150 MB uploaded
// (POST, PUT, PATCH bodies) per 5 minutes; and the mailbox's maximum
// message size, 35 MB by default (admins may raise it to 150 MB). A zero
// field takes its default; a negative count or size lifts that limit.
type Limits struct {
	Off           bool          // no throttling at all; MessageBytes still applies
	Concurrency   int           // requests in flight per mailbox
	Requests      int           // requests per RequestWindow per mailbox
	RequestWindow time.Duration //
	UploadBytes   int64         // bytes uploaded per UploadWindow per mailbox
	UploadWindow  time.Duration //
	MessageBytes  int64         // an Outlook item's attachments, as Graph sizes them
}

// Outlook's documented defaults.
const (
	DefaultConcurrency   = 4
	DefaultRequests      = 10000
	DefaultRequestWindow = 10 * time.Minute
	DefaultUploadBytes   = 150 * mb
	DefaultUploadWindow  = 5 * time.Minute
	DefaultMessageBytes  = 35 * mb
	maxMessageBytes      = 150 * mb
)

func (l Limits) withDefaults() Limits {
	if l.Concurrency == 0 {
		l.Concurrency = DefaultConcurrency
	}
	if l.Requests == 0 {
		l.Requests = DefaultRequests
	}
	if l.RequestWindow == 0 {
		l.RequestWindow = DefaultRequestWindow
	}
	if l.UploadBytes == 0 {
		l.UploadBytes = DefaultUploadBytes
	}
	if l.UploadWindow == 0 {
		l.UploadWindow = DefaultUploadWindow
	}
	if l.MessageBytes == 0 {
		l.MessageBytes = DefaultMessageBytes
	}
	return l
}

func (l Limits) validate() error {
	switch {
	case l.RequestWindow < 0 || l.UploadWindow < 0:
		return fmt.Errorf("emulator: limits: negative window")
	case l.MessageBytes < 0 || l.MessageBytes > maxMessageBytes:
		return fmt.Errorf("emulator: limits: message size must be between 1 byte and 150MB")
	}
	return nil
}

// ParseLimits reads the CLI's limit spec: "off", or any subset of
// "concurrency=4,requests=10000/10m,upload=150MB/5m,message=35MB" (the rest
// keep their defaults); "off" may be combined with message=SIZE.
// concurrency, requests and upload also take "off". Sizes are read as in
// manifests: B, KB, MB or GB, or KiB, MiB, GiB (all powers of 1024).
func ParseLimits(spec string) (Limits, error) {
	var l Limits
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return l, nil
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "off" {
			l.Off = true
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Limits{}, fmt.Errorf("limits: %q is not KEY=VALUE or off", part)
		}
		var err error
		switch k {
		case "concurrency":
			if v == "off" {
				l.Concurrency = -1
				break
			}
			l.Concurrency, err = strconv.Atoi(v)
			if err == nil && l.Concurrency < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "requests":
			if v == "off" {
				l.Requests = -1
				break
			}
			n, per, ok := strings.Cut(v, "/")
			if !ok {
				err = fmt.Errorf("want N/DURATION, e.g. 10000/10m")
				break
			}
			if l.Requests, err = strconv.Atoi(n); err == nil && l.Requests < 1 {
				err = fmt.Errorf("must be at least 1")
			}
			if err == nil {
				l.RequestWindow, err = parseWindow(per)
			}
		case "upload":
			if v == "off" {
				l.UploadBytes = -1
				break
			}
			n, per, ok := strings.Cut(v, "/")
			if !ok {
				err = fmt.Errorf("want SIZE/DURATION, e.g. 150MB/5m")
				break
			}
			if l.UploadBytes, err = parseSize(n); err == nil {
				l.UploadWindow, err = parseWindow(per)
			}
		case "message":
			l.MessageBytes, err = parseSize(v)
		default:
			return Limits{}, fmt.Errorf("limits: unknown limit %q (want concurrency, requests, upload, message or off)", k)
		}
		if err != nil {
			return Limits{}, fmt.Errorf("limits: %s=%s: %w", k, v, err)
		}
	}
	if err := l.validate(); err != nil {
		return Limits{}, err
	}
	return l, nil
}

func parseWindow(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("window must be positive")
	}
	return d, err
}

// parseSize reads a size as manifests write it ("35MB", "512 KiB",
// "3145728"; see package bytesize), at least one byte.
func parseSize(s string) (int64, error) {
	n, err := bytesize.Parse(s)
	if err == nil && n < 1 {
		err = fmt.Errorf("size %q is not above zero", s)
	}
	return n, err
}
