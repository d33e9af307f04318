data "event" "q3" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'Q3'"
}

data "event" "q3" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'Q3 all hands'"
}
