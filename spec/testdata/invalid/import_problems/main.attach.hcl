target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "docs" {
  for_each = toset(["a.txt"])
  target   = target.inbox
  source   = each.value
}

import {
  to = attachment.docs
  id = "AAMkAtt1="
}

import {
  to = attachment.docs["b.txt"]
  id = "AAMkAtt2="
}

import {
  to = attachment.docs["a.txt"]
  id = ""
}

import {
  to = attachment.missing
  id = "AAMkAtt3="
}
