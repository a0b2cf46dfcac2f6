variable "huggingface_org_token" {
  default = "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"
}
