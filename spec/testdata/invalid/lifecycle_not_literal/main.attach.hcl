variable "protect" {
  default = true
}

target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "a" {
  target = target.inbox
  source = "a.txt"

  lifecycle {
    prevent_destroy = var.protect
  }
}
