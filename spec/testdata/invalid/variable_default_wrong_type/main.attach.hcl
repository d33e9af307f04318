variable "max_files" {
  type    = number
  default = "many"
}
