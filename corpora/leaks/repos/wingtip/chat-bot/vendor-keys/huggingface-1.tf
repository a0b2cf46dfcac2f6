variable "hf_token" {
  default = "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"
}
