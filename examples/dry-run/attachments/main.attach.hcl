# The manifests of a real project: they point at Microsoft Graph and find
# their items by subject, as data sources, never by pasted ids. The dry run
# (see ../README.md) points them, unchanged, at "attachform emulator
# -fixtures ../fixtures.hcl" through ATTACHFORM_GRAPH_ENDPOINT.

graph {
  endpoint = "https://graph.microsoft.com"
}

backend "local" {
  path = "attachform.state.json"
}

variable "mailbox" {
  type    = string
  default = "ops@contoso.com"
}

data "message" "welcome" {
  mailbox = var.mailbox
  filter  = "subject eq 'Welcome to the team'"
}

data "event" "all_hands" {
  mailbox = var.mailbox
  filter  = "subject eq 'All hands Q3'"
}

target "welcome" {
  mailbox = var.mailbox
  message = data.message.welcome.id
}

target "all_hands" {
  mailbox = var.mailbox
  event   = data.event.all_hands.id
}

attachment "agenda" {
  target       = target.all_hands
  source       = "files/agenda.md"
  content_type = "text/markdown"
}

# One attachment per handbook chapter.
attachment "handbook" {
  for_each     = fileset("files/handbook", "*.md")
  target       = target.welcome
  source       = "files/handbook/${each.value}"
  content_type = "text/markdown"
}
