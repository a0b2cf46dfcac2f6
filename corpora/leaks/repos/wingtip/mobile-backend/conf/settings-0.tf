variable "admin_passwd" {
  default = "0yZ-OXriggSk1Q"
}
