variable "gitlab_app_secret" {
  default = "gloas-69d291e1776b302fb4809bf043867298448d09a4513dbb35bb1a02db1fde5e96"
}
