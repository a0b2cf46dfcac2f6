public final class Config {
    static final String SENTRY_AUTH_TOKEN = "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";
}
