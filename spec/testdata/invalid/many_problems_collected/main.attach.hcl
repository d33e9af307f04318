variable "mailbox" {
  default = "ops@contoso.com"
}

target "welcome" {
  mailbox = var.mailbox
  message = "AAMkADraft="
}

attachment "agenda" {
  target = target.welcom
  source = "agenda.pdf"
}

attachment "logo" {
  target = target.welcome
  source = "logo.png"
  inline = true
}

attachment "notes" {
  target = target.welcome
  source = "notes.txt"
  name   = var.mailboxes
}
