package bytesize

import (
	"math"
	"strconv"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"35MB", 35 * MiB, true},
		{"35 MB", 35 * MiB, true},
		{"35mb", 35 * MiB, true},
		{"35 MiB", 35 * MiB, true},
		{"150MiB", 150 * MiB, true},
		{"  150 mib  ", 150 * MiB, true},
		{"1.5GB", 3 * GiB / 2, true},
		{"512KB", 512 * KiB, true},
		{"512KiB", 512 * KiB, true},
		{"3M", 3 * MiB, true},
		{"2k", 2 * KiB, true},
		{"1G", GiB, true},
		{"1024", 1024, true},
		{"1024B", 1024, true},
		{"1024 b", 1024, true},
		{"0", 0, true},
		{"0MB", 0, true},
		{"0.5KB", 512, true},
		{"0.1KB", 102, true}, // 102.4 bytes, rounded down
		{"1.5B", 1, true},
		{"3.3MB", 3460300, true}, // exactly 3460300.8
		{"007MB", 7 * MiB, true},
		{"8589934591.999999999GB", 9223372036854775806, true}, // 2^63 - 2^30 + 0.999999999 GiB
		{"9223372036854775807", math.MaxInt64, true},

		{"", 0, false},
		{"MB", 0, false},
		{" ", 0, false},
		{"-1MB", 0, false},
		{"+1MB", 0, false},
		{"1e3", 0, false},
		{"1e3MB", 0, false},
		{".5MB", 0, false},
		{"5.MB", 0, false},
		{"1.2.3MB", 0, false},
		{"0x10", 0, false},
		{"1_000", 0, false},
		{"inf", 0, false},
		{"NaN", 0, false},
		{"35 XB", 0, false},
		{"35 MBs", 0, false},
		{"35 M B", 0, false},
		{"35TB", 0, false},
		{"9223372036854775808", 0, false},
		{"8589934592GB", 0, false},
		{"35MB/5m", 0, false},
		{"３５MB", 0, false}, // fullwidth digits
	} {
		got, err := Parse(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1023, "1023 B"},
		{KiB, "1 KiB"},
		{KiB + 51, "1 KiB"}, // 1.0498 KiB
		{KiB + 52, "1.1 KiB"},
		{3 * MiB, "3 MiB"},
		{5 * MiB / 2, "2.5 MiB"},
		{25*MiB + 1, "25 MiB"},
		{35*MiB + 600*KiB, "35.6 MiB"},
		{150 * MiB, "150 MiB"},
		{1024*KiB - 1, "1 MiB"}, // not "1024 KiB"
		{1023*KiB + 900, "1023.9 KiB"},
		{2 * GiB, "2 GiB"},
		{1 << 40, "1 TiB"},
		{math.MaxInt64, "8 EiB"},
		{-1, "-1 B"},
		{-3 * MiB, "-3 MiB"},
		{math.MinInt64, "-8 EiB"},
	} {
		if got := Format(tc.in); got != tc.want {
			t.Errorf("Format(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// What Format writes, Parse reads back, to within rounding.
func TestFormatParses(t *testing.T) {
	for _, n := range []int64{0, 1, 1023, KiB, 1536, 3*MiB - 1, 3 * MiB, 150 * MiB, 25*MiB + 1, 7 * GiB / 3, 1000 * GiB} {
		checkRoundTrip(t, n)
	}
}

func checkRoundTrip(t *testing.T, n int64) {
	t.Helper()
	s := Format(n)
	back, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(Format(%d) = %q): %v", n, s, err)
	}
	// One decimal of the unit, or the whole count below a KiB.
	unit := int64(1)
	for _, u := range []int64{KiB, MiB, GiB} {
		if n >= u {
			unit = u
		}
	}
	if diff := back - n; diff < -unit/20-1 || diff > unit/20+1 {
		t.Errorf("Parse(Format(%d) = %q) = %d, off by %d", n, s, back, diff)
	}
}

// FuzzParse: Parse never panics, never returns a negative size, reads
// plain byte counts exactly, and agrees with Format.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"35MB", "35 MiB", "1.5GB", "512kb", "1024", "0.1KB", "-1MB", "1e3", "9223372036854775808", "8589934591.999999999GB", " 3 m "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("Parse(%q) = %d with error %v", s, n, err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("Parse(%q) = %d", s, n)
		}
		if m, err := Parse(strconv.FormatInt(n, 10)); err != nil || m != n {
			t.Fatalf("Parse(%q) = %d, but Parse(%d) = %d, %v", s, n, n, m, err)
		}
		if n <= 1000*GiB {
			checkRoundTrip(t, n)
		}
	})
}
