// Package bytesize reads and writes sizes in bytes, for manifests, flags
// and people.
//
// Units are binary, as Microsoft states its limits: a KB is 1,024 bytes, an
// MB 1,048,576 ("35MB" is Exchange Online's default message size). Parse
// takes KB, MB, GB and KiB, MiB, GiB as the same units; Format writes
// KiB, MiB, GiB, which no reader can take for powers of 1000.
package bytesize

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// The binary units.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// units maps every unit Parse reads, lower case, to its size in bytes.
var units = map[string]int64{
	"": 1, "b": 1,
	"k": KiB, "kb": KiB, "kib": KiB,
	"m": MiB, "mb": MiB, "mib": MiB,
	"g": GiB, "gb": GiB, "gib": GiB,
}

// Parse reads a size: a number, then optionally spaces and a unit (B, KB,
// MB, GB, KiB, MiB, GiB or K, M, G, in any case), as in "35MB", "35 MiB",
// "1.5GB", "512kb" or "1024" (bytes). The number is digits with at most one
// decimal point and digits after it; signs, exponents and other bases are
// refused. The result is the exact size rounded down to whole bytes.
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	mult, ok := units[strings.ToLower(unit)]
	if !ok || !isDecimal(num) {
		return 0, fmt.Errorf("%q is not a size: write a number and a unit, as in \"35MB\" or \"512KB\"", s)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("%q is not a size: write a number and a unit, as in \"35MB\" or \"512KB\"", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	n := new(big.Int).Quo(r.Num(), r.Denom()) // both positive: rounds down
	if !n.IsInt64() {
		return 0, fmt.Errorf("%q is not a size: it is larger than any file", s)
	}
	return n.Int64(), nil
}

// isDecimal reports whether s is digits, optionally followed by a point and
// more digits.
func isDecimal(s string) bool {
	whole, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(whole) && (!hasPoint || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var formatUnits = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// Format writes n for people, in the largest binary unit it reaches,
// rounded to one decimal, a trailing ".0" dropped: "512 B", "1 KiB",
// "2.5 MiB", "150 MiB". Parse reads the result back to within 5 % of the
// unit. Where the exact count matters (a size against a limit), write it
// beside: "150 MiB (157286401 bytes)".
func Format(n int64) string {
	sign, u := "", uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-(n+1))+1 // math.MinInt64 too
	}
	if u < uint64(KiB) {
		return sign + strconv.FormatUint(u, 10) + " B"
	}
	i, div := 0, uint64(KiB)
	for i+1 < len(formatUnits) && u >= div<<10 {
		i, div = i+1, div<<10
	}
	tenths := math.Round(float64(u) / float64(div) * 10)
	if tenths >= 10240 && i+1 < len(formatUnits) { // 1023.96 KiB is 1 MiB, not "1024 KiB"
		i, div = i+1, div<<10
		tenths = math.Round(float64(u) / float64(div) * 10)
	}
	s := strconv.FormatFloat(tenths/10, 'f', 1, 64)
	return sign + strings.TrimSuffix(s, ".0") + " " + formatUnits[i]
}
