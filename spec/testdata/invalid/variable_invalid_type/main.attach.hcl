variable "mailbox" {
  type = strng
}
