variable "broker_url" {
  default = "amqps://svc_chat_bot:0!lboeROsYlt2Jjzjoi@amqps-2.proseware.internal:5671/reporting"
}
