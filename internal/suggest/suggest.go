// Package suggest finds the known word a mistyped one most likely meant,
// for "Did you mean …?" hints.
package suggest

// Closest returns the word of known nearest to name by edit distance, or
// "" when none is within two edits, or within a third of name's length for
// long words: a hint that names something unrelated is worse than none.
func Closest(name string, known []string) string {
	best, bestDist := "", max(3, len([]rune(name))/3+1)
	for _, k := range known {
		if d := Distance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
