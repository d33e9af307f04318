package graph

import (
	"testing"

	"github.com/attachform/attachform/item"
)

// todaysKinds are the kinds the hints' words below were written for, so
// that a kind added to the table later changes nothing here.
func todaysKinds(t *testing.T) []item.Definition {
	var out []item.Definition
	for _, k := range []item.Kind{item.Message, item.Event, item.TodoTask} {
		d, ok := k.Definition()
		if !ok {
			t.Fatalf("%s: not in the table", k)
		}
		out = append(out, d)
	}
	return out
}

// The 403 hints name each kind's permissions; their words are read from
// item's table, and these are today's kinds' words in full (the same as
// the words written out before the table had them).
func TestAccessDeniedHintWords(t *testing.T) {
	today := todaysKinds(t)
	policy := "; if an application access policy (New-ApplicationAccessPolicy) limits the app to some mailboxes, this one is outside it: add it to the policy's group, or leave it out of the manifests (Test-ApplicationAccessPolicy checks one)"
	for _, tc := range []struct {
		op, got, want string
	}{
		{opCreateSession, sessionAccessHint(today), "this is a known Graph issue: with delegated permissions, createUploadSession on a shared or delegated mailbox answers 403. " +
			"Fix: authenticate as the application (application permission Mail.ReadWrite or Calendars.ReadWrite granted with admin consent, e.g. auth = \"client_secret\", \"client_certificate\" or \"workload_identity\"), " +
			"or keep files on that mailbox under 3 MB so they are sent with one POST. " +
			"On a To Do task it is the opposite: Graph supports no application permission for writing task attachments, so sign in as a user with Tasks.ReadWrite (e.g. auth = \"azure_cli\" or \"device_code\")"},
		{opFind, readAccessHint(today) + policy, "the identity may not read this mailbox: messages need Mail.Read or Mail.ReadWrite, events Calendars.Read or Calendars.ReadWrite, To Do Tasks.Read" + policy},
		{opList, writeAccessHint(today), "the signed-in identity lacks permission on this mailbox: messages need Mail.ReadWrite, events Calendars.ReadWrite (with admin consent for application permissions), To Do tasks Tasks.ReadWrite as a signed-in user (Graph supports no application permission for writing task attachments)"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: hint\n%s\nwant\n%s", tc.op, tc.got, tc.want)
		}
	}
	// hintFor builds them from the whole table.
	all := item.Definitions()
	for op, want := range map[string]string{
		opCreateSession: sessionAccessHint(all),
		opFind:          readAccessHint(all) + policy,
		opList:          writeAccessHint(all),
		opAdd:           writeAccessHint(all),
	} {
		if got := hintFor(op, &Error{Status: 403, Code: "ErrorAccessDenied"}); got != want {
			t.Errorf("%s: hint\n%s\nwant\n%s", op, got, want)
		}
	}
}

// A kind added to the table is named in the hints with no change here: a
// group post, on paper (docs/development.md), writable by a signed-in
// user only and taking no upload session, joins the hints for a lookup
// and a write and stays out of the upload session's.
func TestAccessHintsOfAGroupPost(t *testing.T) {
	post := item.Definition{
		Kind: "group_post", Owner: item.Group, Noun: "post",
		Traits: item.Traits{
			Label: "group post", Service: item.Outlook, Permission: "Group.ReadWrite.All",
			Items: "group posts", ReadPermission: "Group.Read.All",
			SmallMax: 3 * item.MiB, MaxBytes: 3*item.MiB - 1, Inline: true,
		},
	}
	today := todaysKinds(t)
	defs := append(today[:len(today):len(today)], post)
	if got, want := sessionAccessHint(defs), sessionAccessHint(today); got != want {
		t.Errorf("session hint names a kind without upload sessions:\n%s", got)
	}
	if got, want := readAccessHint(defs), "the identity may not read this mailbox: messages need Mail.Read or Mail.ReadWrite, events Calendars.Read or Calendars.ReadWrite, To Do Tasks.Read, group posts Group.Read.All"; got != want {
		t.Errorf("read hint\n%s\nwant\n%s", got, want)
	}
	want := "the signed-in identity lacks permission on this mailbox: messages need Mail.ReadWrite, events Calendars.ReadWrite (with admin consent for application permissions), " +
		"To Do tasks Tasks.ReadWrite, group posts Group.ReadWrite.All as a signed-in user (Graph supports no application permission for writing task or post attachments)"
	if got := writeAccessHint(defs); got != want {
		t.Errorf("write hint\n%s\nwant\n%s", got, want)
	}
}
