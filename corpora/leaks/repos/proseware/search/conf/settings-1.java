public final class Config {
    static final String CLIENT_SECRET = "Pt6YRU7nFmPgkeAn6CN9QnqKp83pgUQD8CFqcJ";
}
