variable "app_config_connection" {
  default = "Endpoint=https://ops-tools-cfg.azconfig.io;Id=C9cO-l0-s0:rNSBwwo1JD1zJk9Eb1Sn;Secret=S3j4yq4a1eqSr9XMY2tPLFY60gGvk/yTyIWPLXx2AP0="
}
