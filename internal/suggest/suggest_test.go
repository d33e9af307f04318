package suggest

import "testing"

func TestClosest(t *testing.T) {
	commands := []string{"apply", "destroy", "fmt", "import", "init", "plan", "show", "state", "validate", "version"}
	for _, tc := range []struct{ name, want string }{
		{"pla", "plan"},
		{"paln", "plan"},
		{"aply", "apply"},
		{"valdiate", "validate"},
		{"verison", "version"},
		{"stat", "state"},
		{"frobnicate", ""},
		{"x", ""},
		{"", ""},
	} {
		if got := Closest(tc.name, commands); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"plan", "plan", 0}, {"émulateur", "emulateur", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
