# The quickstart runs against attachform's embedded Graph emulator: no tenant,
# no credentials. Its demo mailbox holds a draft message and an event, found
# below by subject, so nobody pastes opaque ids.

graph {
  endpoint = "emulator"
}

backend "local" {
  path = "attachform.state.json"
}

variable "mailbox" {
  type    = string
  default = "demo@contoso.example"
}

data "message" "welcome" {
  mailbox = var.mailbox
  filter  = "subject eq 'Welcome to attachform'"
}

data "event" "all_hands" {
  mailbox = var.mailbox
  filter  = "subject eq 'Quarterly all hands'"
}

target "welcome" {
  mailbox = var.mailbox
  message = data.message.welcome.id
}

target "all_hands" {
  mailbox = var.mailbox
  event   = data.event.all_hands.id
}

# Under 3 MB: one POST.
attachment "agenda" {
  target       = target.all_hands
  source       = "files/agenda.md"
  content_type = "text/markdown"
}

# Over 3 MB: uploaded through a resumable upload session.
attachment "roster" {
  target = target.welcome
  source = "files/onboarding-roster.csv"
  name   = "Onboarding roster.csv"
}
