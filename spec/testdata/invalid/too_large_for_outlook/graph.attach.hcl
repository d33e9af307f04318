graph {
  max_message_size = "150MB"
}
