target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "agenda" {
  target = target.inbox
  source = "v1/agenda.pdf"
}

attachment "agenda_v2" {
  target = target.inbox
  source = "v2/Agenda.PDF"
}
