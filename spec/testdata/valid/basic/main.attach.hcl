graph {
  endpoint = "emulator"
}

backend "local" {
  path = "state/attachform.state.json"
}

variable "mailbox" {
  default = "ops@contoso.com"
}

target "welcome" {
  mailbox   = var.mailbox
  message   = "AAMkADraft="
  exclusive = true
}

target "all_hands" {
  mailbox = var.mailbox
  event   = "AAMkEvent="
}

attachment "agenda" {
  target       = target.all_hands
  source       = "files/agenda.pdf"
  name         = "Agenda.pdf"
  content_type = "application/pdf"
}

attachment "handbook" {
  for_each = fileset("handbook", "*.pdf")
  target   = target.welcome
  source   = "handbook/${each.value}"
}
