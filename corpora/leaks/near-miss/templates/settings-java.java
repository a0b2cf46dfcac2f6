public final class Config {
    static final String API_KEY = "secret";
}
