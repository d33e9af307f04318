# The manifests of a real project, kept in the repository that runs
# attachform.yml. They find their items by subject (data sources), never by
# pasted ids, so the dry run can point them, unchanged, at the emulator with
# the items ../fixtures.hcl creates.

graph {
  # azure/login with OIDC signs the Azure CLI in as the app registration;
  # attachform takes its tokens from there. No secret anywhere.
  auth = "azure_cli"
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
