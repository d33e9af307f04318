variable "folders" {
  type = list(string)
}
