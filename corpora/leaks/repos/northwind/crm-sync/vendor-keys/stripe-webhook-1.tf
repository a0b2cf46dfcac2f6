variable "stripe_webhook_secret" {
  default = "whsec_sCdQSWh9HaWSPbx4sgiDpdKeO8WiMV3r"
}
