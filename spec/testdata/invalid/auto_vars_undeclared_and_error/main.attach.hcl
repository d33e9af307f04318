variable "mailbox" {}
