package graph

import (
	"strings"

	"github.com/attachform/attachform/item"
)

// The 403 hints name each kind's permissions, read from item's table
// (errors.go hands them item.Definitions()), so a new kind is named in
// them with no change here.

// sessionAccessHint is the hint for a 403 to createUploadSession: the
// known Graph issue of delegated permissions on a shared mailbox, fixed
// by the application permissions of the kinds that have them, and the
// opposite for the kinds Graph writes for a signed-in user only. Kinds
// that take no upload session are not named.
func sessionAccessHint(defs []item.Definition) string {
	var app, user []item.Definition
	for _, d := range defs {
		switch {
		case !d.Sessions():
		case d.AppOnlyWrites:
			app = append(app, d)
		default:
			user = append(user, d)
		}
	}
	var b strings.Builder
	b.WriteString("this is a known Graph issue: with delegated permissions, createUploadSession on a shared or delegated mailbox answers 403. ")
	if len(app) > 0 {
		b.WriteString("Fix: authenticate as the application (application permission " + joinOf(app, " or ", permissionOf) +
			" granted with admin consent, e.g. auth = \"client_secret\", \"client_certificate\" or \"workload_identity\"), ")
	}
	b.WriteString("or keep files on that mailbox under 3 MB so they are sent with one POST.")
	if len(user) > 0 {
		b.WriteString(" On " + joinOf(user, " or ", func(d item.Definition) string { return article(d.Label) + " " + d.Label }) +
			" it is the opposite: Graph supports no application permission for writing " + joinOf(user, " or ", func(d item.Definition) string { return d.Noun }) +
			" attachments, so sign in as a user with " + joinOf(user, " or ", permissionOf) + " (e.g. auth = \"azure_cli\" or \"device_code\")")
	}
	return b.String()
}

// readAccessHint names, for a 403 to a lookup, the permission that reads
// each kind's items: "messages need Mail.Read or Mail.ReadWrite, events …".
func readAccessHint(defs []item.Definition) string {
	var parts []string
	for i, d := range defs {
		what := d.ReadItems
		if what == "" {
			what = d.Items
		}
		parts = append(parts, what+needs(i)+d.ReadPermission)
	}
	return "the identity may not read this mailbox: " + strings.Join(parts, ", ")
}

// writeAccessHint names, for any other 403, the permission that writes
// each kind's attachments: the kinds applications may write first, then
// those only a signed-in user may.
func writeAccessHint(defs []item.Definition) string {
	var app, user []item.Definition
	for _, d := range defs {
		if d.AppOnlyWrites {
			app = append(app, d)
		} else {
			user = append(user, d)
		}
	}
	var parts []string
	each := func(ds []item.Definition, after string) {
		for i, d := range ds {
			parts = append(parts, d.Items+needs(len(parts))+d.Permission)
			if i == len(ds)-1 {
				parts[len(parts)-1] += after
			}
		}
	}
	each(app, " (with admin consent for application permissions)")
	each(user, " as a signed-in user (Graph supports no application permission for writing "+
		joinOf(user, " or ", func(d item.Definition) string { return d.Noun })+" attachments)")
	return "the signed-in identity lacks permission on this mailbox: " + strings.Join(parts, ", ")
}

// needs joins the i-th kind of a list to its permission: the first
// "needs" it, the others follow with the verb understood.
func needs(i int) string {
	if i == 0 {
		return " need "
	}
	return " "
}

func permissionOf(d item.Definition) string { return d.Permission }

func joinOf(ds []item.Definition, sep string, word func(item.Definition) string) string {
	words := make([]string, len(ds))
	for i, d := range ds {
		words[i] = word(d)
	}
	return strings.Join(words, sep)
}

// article is the indefinite article before a label: "a To Do task", "an event".
func article(label string) string {
	if label != "" && strings.ContainsRune("aeiouAEIOU", rune(label[0])) {
		return "an"
	}
	return "a"
}
