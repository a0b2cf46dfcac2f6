package config

const MailjetSecretKey = "a328dd2516f3ee3561d6a3696d16bac2"
