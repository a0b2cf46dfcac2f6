variable "client_secret" {
  default = "Ka28Vbpt5I3pxuLV94GbtHi7LxpoP9BrMjsPr57"
}
