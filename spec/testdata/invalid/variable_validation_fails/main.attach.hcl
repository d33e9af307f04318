variable "mailbox" {
  default = "ops"

  validation {
    condition     = can(regex("^[^@]+@[^@]+$", var.mailbox))
    error_message = "The mailbox must be an address such as ops@contoso.com."
  }
}
