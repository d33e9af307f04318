data "calendar" "team" {
  mailbox = "ops@contoso.com"
  filter  = "name eq 'Team'"
}
