variable "sendgrid_api_key" {
  default = "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"
}
