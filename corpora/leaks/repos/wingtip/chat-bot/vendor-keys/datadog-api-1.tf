variable "dd_api_key" {
  default = "375660da6b43a65f9f876ccf6f973667"
}
