variable "mailbox" {
  default = "ops@contoso.com"
}
