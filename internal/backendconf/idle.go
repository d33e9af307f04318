package backendconf

import (
	"fmt"
	"time"
)

// IdleTimeout reads a backend's idle_timeout setting: how long one state
// call (a read, a write, a lock) may go without progress before it is given
// up. Every backend takes the same spelling and bounds; "" is def.
func IdleTimeout(v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > time.Hour {
		return 0, fmt.Errorf("%q is not an idle timeout: a duration from 1s to 1h such as \"60s\" or \"2m\", how long a state call may go without a byte moving before it is retried", v)
	}
	return d, nil
}
