variable "github_token" {
  default = "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"
}
