variable "max_files" {
  type = number
}
