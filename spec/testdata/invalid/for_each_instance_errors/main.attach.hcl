target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "handbook" {
  for_each = {
    intro = "handbook/intro.pdf"
    rules = "handbook/rules.pdf"
    faq   = "handbook/faq.pdf"
  }
  target = target.inbox
  source = each.value
}
