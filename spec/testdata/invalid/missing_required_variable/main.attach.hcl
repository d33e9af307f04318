variable "mailbox" {
  type        = string
  description = "The shared mailbox that holds the drafts."
}

target "inbox" {
  mailbox = var.mailbox
  message = "AAMkADraft="
}
