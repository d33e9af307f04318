variable "mailbox" {
  default = "a@contoso.com"
}

variable "mailbox" {
  default = "b@contoso.com"
}
