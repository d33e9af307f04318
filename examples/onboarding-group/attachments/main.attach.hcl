# An onboarding pack on the welcome draft of everyone in the "New Hires"
# group: the people come from Microsoft Entra ID, not from a list kept by
# hand. Joiners get the pack once their draft exists; leavers lose it; an
# emptied group is stopped by the mass-destroy guard (see docs/people.md).
# The dry run (../README.md) points these manifests, unchanged, at
# "attachform emulator -fixtures ../fixtures.hcl".

graph {
  endpoint = "https://graph.microsoft.com"
}

backend "local" {
  path = "attachform.state.json"
}

# The group's transitive user members: nested groups included, devices and
# contacts left out. Reading it needs GroupMember.Read.All.
data "group" "new_hires" {
  name = "New Hires"
}

# Each member's welcome draft, if it exists yet: a plural lookup may find
# nothing, so a member whose draft is not there is skipped, not an error.
data "messages" "welcome" {
  for_each = toset(data.group.new_hires.members)
  mailbox  = each.key
  filter   = "subject eq 'Welcome aboard'"
}

target "welcome" {
  for_each = { for box, found in data.messages.welcome : box => found.ids[0] if length(found.ids) > 0 }
  mailbox  = each.key
  message  = each.value
}

attachment "pack" {
  for_each     = target.welcome
  target       = each.value
  source       = "files/onboarding-pack.md"
  content_type = "text/markdown"
}
