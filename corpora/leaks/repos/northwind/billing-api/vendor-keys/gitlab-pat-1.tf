variable "gitlab_token" {
  default = "glpat-HsZriiqAR5asvKUilOWJ"
}
