package config

const GithubUserToken = "ghu_fdajKvI4m9BieF0jHzvXlbmKF8TOYB2YXibi"
