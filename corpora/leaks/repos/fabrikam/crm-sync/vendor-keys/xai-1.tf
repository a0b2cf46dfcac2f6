variable "xai_api_key" {
  default = "xai-dl0zGTCwLW4Or5cl9OKaTsutaf6H8Qz4zuLVrd6TyZKeWRie1IPTXLFyFERwPjIQhL3IiZNkOGC6ukal"
}
