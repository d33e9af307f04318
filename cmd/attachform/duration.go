package main

import (
	"fmt"
	"strconv"
	"time"
)

// durationFlag accepts Go durations ("30s", "5m") and bare seconds ("30").
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(v string) error {
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		*d = durationFlag(time.Duration(secs) * time.Second)
		return nil
	}
	p, err := time.ParseDuration(v)
	if err != nil || p < 0 {
		return fmt.Errorf("%q is not a duration: use for example 30s or 5m", v)
	}
	*d = durationFlag(p)
	return nil
}
