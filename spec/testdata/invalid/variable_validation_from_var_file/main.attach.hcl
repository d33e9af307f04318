variable "retention_days" {
  type = number

  validation {
    condition     = var.retention_days >= 1
    error_message = "Keep attachments for at least one day."
  }
}
