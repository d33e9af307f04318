# for_each and count on data and target blocks, each mistake reported at
# the token at fault, all of them at once.
variable "secret_boxes" {
  type      = set(string)
  default   = ["alice@contoso.com"]
  sensitive = true
}

data "message" "both" {
  for_each = toset(["a@contoso.com"])
  count    = 1
  mailbox  = "ops@contoso.com"
  filter   = "x"
}

data "event" "negative" {
  count   = -1
  mailbox = "ops@contoso.com"
  filter  = "x"
}

target "listed" {
  for_each = ["alice@contoso.com", "bob@contoso.com"]
  mailbox  = each.value
  message  = "D"
}

target "secret" {
  for_each = var.secret_boxes
  mailbox  = each.key
  message  = "D"
}

target "duplicated" {
  for_each = { for b in ["a@contoso.com", "A@contoso.com"] : lower(b) => b }
  mailbox  = each.value
  message  = "D"
}

target "uncounted" {
  mailbox = "box${count.index}@contoso.com"
  message = "D"
}

target "many" {
  for_each = toset(["a@contoso.com"])
  mailbox  = each.key
  message  = "D"
}

attachment "whole" {
  target = target.many
  source = "a.txt"
}

attachment "counted" {
  count  = "two"
  target = target.many["a@contoso.com"]
  source = "a.txt"
}

# Refers to the instances of a target whose for_each is in error: reported
# there, once, not again here.
attachment "on_listed" {
  target = target.listed["alice@contoso.com"]
  source = "a.txt"
}
