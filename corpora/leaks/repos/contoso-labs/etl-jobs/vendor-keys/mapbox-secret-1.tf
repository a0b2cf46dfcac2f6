variable "mapbox_secret_token" {
  default = "sk.eyJ1IjoiY29ycHVzIiwiYSI6IS8BiEo8eq1D4bYh4PMrb.UajoCUERdyiv7o2Vig0T0R"
}
