# Fixtures for a dry run of attachments/: the people of the "New Hires"
# group and their welcome drafts. Start the emulator with them:
#
#   attachform emulator -fixtures fixtures.hcl
#
# mailbox blocks are users (with directory properties) and their items;
# group blocks are security groups by display name, whose members are
# mailboxes declared here, nested groups, devices and contacts.

mailbox "alex@contoso.com" {
  display_name = "Alex Wilber"
  department   = "Sales"
  message "Welcome aboard" {}
}

mailbox "bianca@contoso.com" {
  display_name = "Bianca Pisani"
  department   = "Sales"
  message "Welcome aboard" {}
}

mailbox "cameron@contoso.com" {
  display_name = "Cameron White"
  department   = "Finance"
  message "Welcome aboard" {}
}

# An intern, a member through the nested group.
mailbox "dana@contoso.com" {
  display_name = "Dana Tran"
  department   = "Engineering"
  message "Welcome aboard" {}
}

# A new hire whose welcome draft is not written yet: the plan skips her
# until it is.
mailbox "elena@contoso.com" {
  display_name = "Elena Ruiz"
  department   = "Engineering"
}

group "New Hires" {
  members = ["alex@contoso.com", "bianca@contoso.com", "cameron@contoso.com", "elena@contoso.com"]
  groups  = ["Interns"]
  devices = ["NEWHIRE-LAPTOP-01"] # not a person: left out of the members
}

group "Interns" {
  members = ["dana@contoso.com"]
}
