//go:build !windows

package atomicfile

import "os"

// rename replaces to with from; syncDir then makes it durable.
func rename(from, to string) error { return os.Rename(from, to) }
