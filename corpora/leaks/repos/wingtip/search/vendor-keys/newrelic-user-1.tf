variable "new_relic_api_key" {
  default = "NRAK-3BHRBXAE9HOXPVBMEK3H1XED670"
}
