variable "api_key" {
  default = "${{ secrets.API_TOKEN }}"
}
