variable "slack_refresh_token" {
  default = "xoxr-47601764486-9138909021891-RA8efeFNMR3feev3HfEDvr2C"
}
