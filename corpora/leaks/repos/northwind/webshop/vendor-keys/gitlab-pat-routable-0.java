public final class Config {
    static final String GITLAB_PRIVATE_TOKEN = "glpat-ieuQtpm_OWvwAmF0W2YNrgOZefz.x5.qkid8mno0";
}
