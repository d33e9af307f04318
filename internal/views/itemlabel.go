package views

import (
	"strconv"

	"github.com/attachform/attachform/item"
)

// maxLabelShown is the most characters of an item's subject or title a
// plan shows; a longer one is cut and ends in "…" (the JSON forms carry
// what Graph said, bounded by item.MaxLabel).
const maxLabelShown = 80

// itemText names an item the way people know it: its kind, its subject or
// title (a To Do task's with its list's name) and its mailbox, as in
// `message "Welcome pack 2" in alice@contoso.com`. Graph's words are
// quoted as Go quotes strings, so a control character, a quote or a line
// break shows as an escape and cannot move the text around it. Without a
// label, the id, shortened, names it.
func itemText(t item.Ref, l item.Label) string {
	s := string(t.Kind) + " "
	if l.Title == "" {
		s += shortItem(t.ID)
	} else {
		s += labelQuote(l.Title)
	}
	if l.List != "" {
		s += " in list " + labelQuote(l.List)
	}
	return s + " in " + t.Mailbox
}

// labelQuote is one of Graph's names, shortened and quoted.
func labelQuote(s string) string {
	return strconv.Quote(shortLabel(s))
}

// shortLabel cuts s to maxLabelShown characters, the last an ellipsis.
func shortLabel(s string) string {
	n := 0
	for i := range s {
		if n == maxLabelShown-1 {
			if len([]rune(s[i:])) > 1 {
				return s[:i] + "…"
			}
			return s
		}
		n++
	}
	return s
}
