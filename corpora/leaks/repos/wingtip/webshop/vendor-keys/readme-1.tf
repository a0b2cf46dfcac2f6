variable "readme_api_key" {
  default = "rdme_7d5q5fteyiav73fus1n3dwe71a4tbkqdif0nvvvllugqap0oqklekf6aj3ry07gz37prgc"
}
