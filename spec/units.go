package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attachform/attachform/internal/bytesize"
)

// Byte units in manifests are binary, as Microsoft states its limits: 1 KB
// is 1,024 bytes, 1 MB is 1,048,576 bytes (see package internal/bytesize,
// the one parser and formatter of sizes).
const (
	KiB = bytesize.KiB
	MiB = bytesize.MiB
	GiB = bytesize.GiB
)

// ParseByteSize parses a size such as "35MB", "1.5 GB", "512KiB" or "1024";
// it is bytesize.Parse.
func ParseByteSize(s string) (int64, error) { return bytesize.Parse(s) }

// FormatByteSize writes n for people, as in "150 MiB"; it is
// bytesize.Format.
func FormatByteSize(n int64) string { return bytesize.Format(n) }

// ParseRate parses "COUNT/DURATION", as in "10000/10m": at most COUNT
// requests per DURATION (a Go duration: 30s, 10m, 1h).
func ParseRate(s string) (Rate, error) {
	n, per, err := splitRate(s)
	if err != nil {
		return Rate{}, fmt.Errorf("%q is not a rate: write COUNT/DURATION, as in \"10000/10m\" (%v)", s, err)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count <= 0 {
		return Rate{}, fmt.Errorf("%q is not a rate: the count must be a whole number above zero, as in \"10000/10m\"", s)
	}
	return Rate{N: count, Per: per}, nil
}

// ParseByteRate parses "SIZE/DURATION", as in "150MB/5m": at most SIZE
// uploaded per DURATION.
func ParseByteRate(s string) (ByteRate, error) {
	n, per, err := splitRate(s)
	if err != nil {
		return ByteRate{}, fmt.Errorf("%q is not an upload rate: write SIZE/DURATION, as in \"150MB/5m\" (%v)", s, err)
	}
	size, err := ParseByteSize(n)
	if err != nil || size <= 0 {
		return ByteRate{}, fmt.Errorf("%q is not an upload rate: the size must be above zero with a unit, as in \"150MB/5m\"", s)
	}
	return ByteRate{Bytes: size, Per: per}, nil
}

func splitRate(s string) (string, time.Duration, error) {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return "", 0, fmt.Errorf("no \"/\"")
	}
	per, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil {
		return "", 0, fmt.Errorf("bad duration %q", strings.TrimSpace(d))
	}
	if per <= 0 {
		return "", 0, fmt.Errorf("the duration must be above zero")
	}
	return strings.TrimSpace(n), per, nil
}

// String writes the rate as ParseRate reads it.
func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, shortDuration(r.Per)) }

// String writes the rate as ParseByteRate reads it.
func (r ByteRate) String() string {
	return strings.ReplaceAll(FormatByteSize(r.Bytes), " ", "") + "/" + shortDuration(r.Per)
}

func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
