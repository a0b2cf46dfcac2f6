variable "slack_user_token" {
  default = "xoxp-22123135476-1130767427171-458010299300-5f032715c1a8b7eb4bda8faaca735c52"
}
