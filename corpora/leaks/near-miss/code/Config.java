class Config {
  static String password() { return System.getenv("DB_PASSWORD"); }
  static final String PASSWORD_PROPERTY = "spring.datasource.password";
}
