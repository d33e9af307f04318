package arguments

import (
	"fmt"
	"strconv"
	"time"
)

// duration is a flag that takes Go durations ("30s", "5m") and bare
// seconds ("30").
type duration time.Duration

func (d *duration) String() string { return time.Duration(*d).String() }

func (d *duration) Set(v string) error {
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		*d = duration(time.Duration(secs) * time.Second)
		return nil
	}
	p, err := time.ParseDuration(v)
	if err != nil || p < 0 {
		return fmt.Errorf("%q is not a duration: use for example 30s or 5m", v)
	}
	*d = duration(p)
	return nil
}
