package emulator

import (
	"fmt"
	"strings"
	"time"
)

// withFixtureMailboxes is users followed by the fixtures' mailboxes not
// already among them: the first is /me.
func withFixtureMailboxes(users []string, f *Fixtures) []string {
	if f == nil {
		return users
	}
	out := append([]string(nil), users...)
next:
	for _, mb := range f.Mailboxes {
		for _, u := range out {
			if strings.EqualFold(u, mb.UPN) {
				continue next
			}
		}
		out = append(out, mb.UPN)
	}
	return out
}

// applyFixtures creates what f declares and the store lacks, at every start
// (so a persistent store gets new fixtures too): a mailbox by UPN, a
// message or event by subject, a list by display name, a task by title
// within its list, an attachment by name within its item, each compared
// ignoring case as $filter does. What exists is left as it is, whatever
// happened to it since, and nothing is deleted. New has checked f against
// the limits. Caller holds the lock and saves.
func (s *Server) applyFixtures(st *store, f *Fixtures, now time.Time) error {
	if f == nil {
		return nil
	}
	for _, fm := range f.Mailboxes {
		mb := st.findMailbox(fm.UPN)
		if mb == nil {
			mb = st.addMailbox(fm.UPN)
		}
		for _, k := range kindOrder {
			if err := s.fixtureItems(st, mb, &fm, k, now); err != nil {
				return err
			}
		}
		for _, fl := range fm.Lists {
			var l *todoList
			for _, x := range mb.Lists {
				if strings.EqualFold(x.DisplayName, fl.Name) {
					l = x
					break
				}
			}
			if l == nil {
				l = &todoList{ID: st.newID(prefixREST), DisplayName: fl.Name, WellKnown: "none"}
				mb.Lists = append(mb.Lists, l)
			}
			for _, fi := range fl.Tasks {
				t := findBySubject(l.Tasks, fi.Subject)
				if t == nil {
					t = st.newItem(kindTask, fi.Subject, nil, now)
					t.ListID = l.ID
					l.Tasks = append(l.Tasks, t)
				}
				if err := s.fixtureAttachments(st, t, fi.Attachments, now); err != nil {
					return fmt.Errorf("fixtures: To Do task %q in list %q of %s: %w", fi.Subject, fl.Name, fm.UPN, err)
				}
			}
		}
	}
	return applyDirectory(st, f)
}

// fixtureItems adds the mailbox's items of kind k that fm declares and it
// lacks by subject (in drafts when the kind lives in mail folders and no
// folder is named), and their attachments; nothing for a kind the mailbox
// does not keep itself (a task, in its list).
func (s *Server) fixtureItems(st *store, mb *mailbox, fm *FixtureMailbox, k kind, now time.Time) error {
	def := k.def()
	if def.items == nil || def.fixtures == nil {
		return nil
	}
	for _, fi := range *def.fixtures(fm) {
		items := def.items(mb)
		it := findBySubject(*items, fi.Subject)
		if it == nil {
			it = st.newItem(k, fi.Subject, def.fixtureProps(now), now)
			if def.inFolders {
				folder := fi.Folder
				if folder == "" {
					folder = "drafts"
				}
				fo := mb.findFolder(folder)
				if fo == nil {
					fo = mb.findFolder("drafts")
				}
				it.FolderID = fo.ID
			}
			*items = append(*items, it)
		}
		if err := s.fixtureAttachments(st, it, fi.Attachments, now); err != nil {
			return fmt.Errorf("fixtures: %s %q in %s: %w", k, fi.Subject, fm.UPN, err)
		}
	}
	return nil
}

func findBySubject(items []*item, subject string) *item {
	for _, it := range items {
		if strings.EqualFold(it.Subject, subject) {
			return it
		}
	}
	return nil
}

// fixtureAttachments adds those of as it lacks by name, under the same
// limits as a POST or an upload session would meet.
func (s *Server) fixtureAttachments(st *store, it *item, as []FixtureAttachment, now time.Time) error {
	for _, fa := range as {
		present := false
		for _, a := range it.Attachments {
			present = present || strings.EqualFold(a.Name, fa.Name)
		}
		if present {
			continue
		}
		n := int64(len(fa.Content))
		if e := s.checkRoom(it, n); e != nil {
			return fmt.Errorf("attachment %q: %s", fa.Name, e.Msg)
		}
		a := &attachment{
			ID:          st.newID(prefixREST),
			Name:        fa.Name,
			ContentType: defaultContentType(fa.ContentType, fa.Name, fa.Content[:min(len(fa.Content), 512)]),
			Bytes:       n,
			Modified:    now,
		}
		if fa.Kind != "" {
			a.Type, a.ContentType = fa.Kind, fa.ContentType
			if fa.Kind == attachItem {
				a.ItemMIME = itemTypes["#microsoft.graph.message"]
				fa.Content = []byte("Content-Type: message/rfc822\r\nSubject: " + fa.Name + "\r\n\r\n")
				a.Bytes = int64(len(fa.Content))
			}
		}
		// A copy: the store keeps its content, the caller keeps its Fixtures.
		if err := st.storeContent(a, append([]byte(nil), fa.Content...)); err != nil {
			return fmt.Errorf("attachment %q: %w", fa.Name, err)
		}
		it.Attachments = append(it.Attachments, a)
		it.Modified = now
	}
	return nil
}
